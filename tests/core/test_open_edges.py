"""Opening a project at the edges: a read-only folder moved or renamed (its database in
the user data folder is keyed by its old path), a folder that cannot be listed, and a
0-byte project database."""
from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core import config
from llmvis_desktop.core.project import Project, ProjectError
from llmvis_desktop.core.store import engine as eng

from test_read_only_db import _run


@pytest.fixture
def ro(tmp_path, monkeypatch, read_only):
    """A parent folder whose folders are read-only (through os.access: permission bits do
    not stop root), with a folder of 3 images in it."""
    parent = tmp_path / "ro"
    folder = parent / "images"
    folder.mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (8 + i, 6)).save(folder / f"img{i}.png")
    read_only(monkeypatch, parent)
    return folder


def _reviewed_work(folder):
    with Project.open(folder) as p:
        p.index()
        p.set_status(p.image_ids()[0], "reviewed", "tester")
        return p.db_url[len("sqlite:///"):]


def test_a_renamed_read_only_folder_is_told_where_its_reviews_are(ro):
    """Renamed, it made a new empty project and nothing mentioned the reviews left in the
    old database under the data folder."""
    old_db = _reviewed_work(ro)
    moved = ro.with_name("moved")
    ro.rename(moved)
    for _ in range(2):  # said again while the new database holds no work of its own
        with Project.open(moved) as p:
            note = p.db_note
            assert p.db_url[len("sqlite:///"):] != old_db  # not adopted
            assert p.count() == 0
        assert old_db in note and f"--db sqlite:///{old_db}" in note, note
        assert str(ro.resolve()) in note and "1 reviewed" in note and "3 of 3" in note, note
    # the old database is as it was
    with Project.open(moved, f"sqlite:///{old_db}") as p:
        assert p.counts_by_status()["reviewed"] == 1


def test_a_folder_with_other_files_is_not_pointed_at_a_gone_folder_s_database(ro, tmp_path):
    _reviewed_work(ro)
    shutil.rmtree(ro)
    other = ro.with_name("other")
    other.mkdir()
    Image.new("RGB", (5, 5)).save(other / "unrelated.png")
    with Project.open(other) as p:
        assert "no longer there" not in (p.db_note or "")


def test_the_original_folder_is_not_told_about_a_moved_one(ro):
    """A database whose folder still exists is that folder's: not mentioned."""
    _reviewed_work(ro)
    copy = ro.with_name("copy")
    shutil.copytree(ro, copy)
    with Project.open(copy) as p:
        assert "no longer there" not in (p.db_note or "")


def test_info_on_a_renamed_read_only_folder_says_read_only_and_names_the_old_database(ro, capsys):
    """`llmvis info` said "no project here (no .llmvis/project.sqlite)", wrong for a
    read-only folder, whose database is never there."""
    old_db = _reviewed_work(ro)
    moved = ro.with_name("moved")
    ro.rename(moved)
    assert main(["info", str(moved), "--json"]) == 1
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert "no .llmvis/project.sqlite" not in error and "read-only" in error, error
    assert str(eng.fallback_db_path(moved, config.data_dir())) in error
    assert f"--db sqlite:///{old_db}" in error, error
    assert not eng.fallback_db_path(moved, config.data_dir()).exists()  # nothing made


def test_info_on_a_read_only_folder_never_indexed_says_read_only(ro, capsys):
    assert main(["info", str(ro)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and "no .llmvis/project.sqlite" not in err and "llmvis index" in err, err


def test_a_folder_that_cannot_be_listed_is_said_so_not_called_read_only(tmp_path):
    """It said "the folder is read-only, and its database cannot be kept in the user data
    folder ... start llmvis with --db", the data folder being writable."""
    folder = tmp_path / "locked"
    folder.mkdir()
    Image.new("RGB", (5, 5)).save(folder / "a.png")
    folder.chmod(0)
    try:
        done = _run(["-c", "import sys; from llmvis_desktop.cli import main; sys.exit(main())",
                     "index", str(folder)])
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1, done
    line = done.stderr.strip().splitlines()[-1]
    assert "folder cannot be listed (Permission denied)" in line, line
    assert "read-only" not in line and "--db" not in line, line
    assert not (folder / ".llmvis").exists()


def test_a_zero_byte_project_database_is_refused_and_left_untouched(png_folder, capsys):
    """It was taken for a new project: a schema written into it, empty counts."""
    db = png_folder / ".llmvis" / "project.sqlite"
    db.parent.mkdir()
    db.write_bytes(b"")
    with pytest.raises(ProjectError) as info:
        Project.open(png_folder)
    text = str(info.value)
    assert str(db) in text and "empty (0 bytes)" in text and "rm " in text, text
    assert db.stat().st_size == 0
    assert main(["info", str(png_folder)]) == 1
    assert "empty (0 bytes)" in capsys.readouterr().err
    assert main(["index", str(png_folder), "-q"]) == 1
    assert db.stat().st_size == 0
    db.unlink()  # the way to start afresh
    assert main(["index", str(png_folder), "-q"]) == 0
