"""Project.open refuses what it cannot open with a ProjectError that says why; it
never lets another exception out (the GUI catches ProjectError only: the others
crashed it at start)."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.project import Project, ProjectError
from llmvis_desktop.core.store import engine


@pytest.mark.parametrize("url, says", [
    ("nonsense", "cannot be parsed"),  # sqlalchemy ArgumentError
    ("postgres://bob@localhost/team", "unknown database type 'postgres'"),  # NoSuchModuleError
    ("mysql://bob@localhost/team", "driver is not installed"),  # ModuleNotFoundError (MySQLdb)
])
def test_a_database_url_that_cannot_be_used_is_a_project_error(png_folder, url, says):
    with pytest.raises(ProjectError) as info:
        Project.open(png_folder, url)
    assert says in str(info.value) and "postgresql+psycopg://" in str(info.value)


def test_a_read_only_folder_and_an_unwritable_data_folder_is_a_project_error(png_folder, tmp_path, monkeypatch):
    """Permission bits do not stop root: the folder is made read-only through os.access,
    and the data folder cannot be made because its parent is a file."""
    real_access = engine.os.access
    monkeypatch.setattr(engine.os, "access",
                        lambda p, mode: False if str(p).startswith(str(png_folder)) else real_access(p, mode))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder's parent should be")
    with pytest.raises(ProjectError) as info:
        Project.open(png_folder, data_dir=blocker / "data")
    text = str(info.value)
    assert "read-only" in text and str(blocker / "data") in text and "--db" in text


def test_a_file_named_llmvis_is_not_called_a_read_only_folder(png_folder, tmp_path):
    (png_folder / ".llmvis").write_text("another tool's dotfile")
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:
        assert "is a file" in p.db_note and "read-only" not in p.db_note
        assert str(tmp_path / "data") in p.db_url
    assert (png_folder / ".llmvis").read_text() == "another tool's dotfile"
