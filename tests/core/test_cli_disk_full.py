"""A full disk under the project database: `llmvis index` said "the disk holding the
project database is full; nothing was saved" after it had committed two 5000-file
batches (`llmvis info` then showed 10000 images), and named no file."""
from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from llmvis_desktop.cli import main

FOLDERS, PER_FOLDER = 4, 500


def _many_files(root):
    """2000 files in 4 folders (listing does not open them)."""
    for f in range(FOLDERS):
        sub = root / f"part{f}"
        sub.mkdir(parents=True)
        for i in range(PER_FOLDER):
            (sub / f"img_{i:04d}.png").touch()
    return root


def _full_after(monkeypatch, batches: int, wrapped: bool) -> None:
    """The disk fills up at the write of batch ``batches + 1`` (SQLite's own error, or
    SQLAlchemy's around it)."""
    from llmvis_desktop.core import index_listing

    real = index_listing.ri.insert_new
    done = []

    def insert_new(s, new):
        if len(done) >= batches:
            full = sqlite3.OperationalError("database or disk is full")
            raise OperationalError("INSERT INTO images ...", {}, full) if wrapped else full
        done.append(len(new))
        return real(s, new)

    monkeypatch.setattr(index_listing.ri, "insert_new", insert_new)


@pytest.mark.parametrize("wrapped", [False, True])
def test_index_on_a_full_disk_names_the_database_and_what_was_kept(tmp_path, capsys, monkeypatch, wrapped):
    folder = _many_files(tmp_path / "images")
    _full_after(monkeypatch, 2, wrapped)
    assert main(["index", str(folder), "--quiet", "--batch", str(PER_FOLDER)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    assert err == (f"llmvis index: the index stopped when the disk holding {db} filled up; 1,000 images indexed "
                   f"before that are kept; free some space and run llmvis index again to finish"), err
    assert "nothing was saved" not in err
    monkeypatch.undo()
    assert main(["info", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 1000
    # --json: the same line in its object
    _full_after(monkeypatch, 0, wrapped)
    (folder / "part9").mkdir()
    (folder / "part9" / "new.png").touch()
    assert main(["index", str(folder), "--quiet", "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["exit_code"] == 1 and str(db) in said["error"] and "1,000 images indexed" in said["error"]


def test_a_full_disk_in_another_command_names_the_database_file(png_folder, capsys, monkeypatch):
    from llmvis_desktop.core.store import repo_labels

    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()

    def full(*a, **k):
        raise OperationalError("INSERT INTO labels ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(repo_labels, "add_labels", full)
    assert main(["labels", "add", str(png_folder), "scratch"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    db = png_folder.resolve() / ".llmvis" / "project.sqlite"
    assert err == f"llmvis labels add: the disk holding {db} is full; nothing was saved; free some space there and try again", err


def test_first_line_names_the_database_when_it_is_given():
    from llmvis_desktop.core.errors import first_line

    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert "the project database" in first_line(full)  # not known: said so
    assert first_line(full, database="/data/p.sqlite").startswith("the disk holding /data/p.sqlite is full")
    other = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    assert "/data/p.sqlite" not in first_line(other, database="/data/p.sqlite")
