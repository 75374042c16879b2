"""Only the project's .llmvis folder read-only (its image folder writable: a .llmvis copied
from a read-only medium, or made by another user): the database is worked on in a copy, and
the note blamed the image folder ("folder /data/images is read-only"), which the user then
found writable. It names the folder that cannot be written."""
from __future__ import annotations

from llmvis_desktop.core.project import Project

from readonly_helpers import make_read_only


def test_the_note_names_the_llmvis_folder_when_only_it_is_read_only(png_folder, monkeypatch, tmp_path):
    with Project.open(png_folder) as p:
        p.index()
    inside = png_folder.resolve() / ".llmvis"
    make_read_only(monkeypatch, inside)
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:
        assert str(tmp_path / "data") in p.db_url and p.count() == 5
        assert p.db_note.startswith(f"folder {inside} is read-only; its project database "), p.db_note


def test_a_read_only_image_folder_is_still_named(png_folder, monkeypatch, tmp_path):
    with Project.open(png_folder) as p:
        p.index()
    make_read_only(monkeypatch, png_folder)
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:
        assert p.db_note.startswith(f"folder {png_folder.resolve()} is read-only; its project database "), p.db_note
