"""A project database damaged inside (pages overwritten: a power cut on a USB drive, a
network share's bad write) opens, and fails where its damaged pages are read. Commands
said SQLite's words: "llmvis evaluate: failed: DatabaseError: (sqlite3.DatabaseError)
database disk image is malformed" (`llmvis suggest` the same; `llmvis info` without the
"failed:", on a damaged images table), naming no file and nothing to do. They say now that the project database,
by its path, is damaged, and how to get the work back (a backup, sqlite3's .recover)."""
from __future__ import annotations

import json
import sqlite3

import pytest
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core.errors import database_state, first_line
from llmvis_desktop.core.project import Project

DAMAGED = "is damaged (database disk image is malformed)"


def _damaged(tmp_path):
    """A project whose suggestions table's first page is overwritten."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        Image.new("RGB", (16, 12), (40 * i, 0, 0)).save(folder / f"i{i}.png")
    with Project.open(folder) as p:
        p.index()
        p.add_label("scratch")
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'suggestions'").fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:
        f.seek((root - 1) * size)
        f.write(b"\xff" * size)
    return folder, db


@pytest.mark.parametrize("argv", [["evaluate"], ["suggest", "--captioner", "{blip}"]])
def test_a_damaged_database_is_said_so_naming_the_file(argv, tiny, tmp_path, capsys):
    folder, db = _damaged(tmp_path)
    argv = [a.replace("{blip}", str(tiny["blip"])) for a in argv]
    assert main([argv[0], str(folder), *argv[1:], "--json"]) == 1
    said = capsys.readouterr()
    line = said.err.strip().splitlines()[-1]
    assert line.startswith(f"llmvis {argv[0]}: the project database {db} {DAMAGED}"), line
    assert "failed:" not in line and "sqlite3.DatabaseError" not in line and ".recover" in line, line
    assert json.loads(said.out)["error"].startswith(f"the project database {db} {DAMAGED}"), said.out


def test_first_line_words_sqlites_damaged_file():
    from sqlalchemy.exc import DatabaseError

    for words, said in (("database disk image is malformed", DAMAGED),
                        ("file is not a database", "is not an SQLite database file (file is not a database)")):
        exc = DatabaseError("SELECT 1", {}, sqlite3.DatabaseError(words))
        assert database_state(exc)
        assert first_line(exc, database="/p/project.sqlite").startswith(f"the project database /p/project.sqlite "
                                                                         f"{said}")
    assert not database_state(DatabaseError("SELECT 1", {}, sqlite3.DatabaseError("something else")))


def test_a_database_file_of_other_bytes_is_said_so_at_open(tmp_path, capsys):
    """(It said "X: cannot open the project database ((sqlite3.DatabaseError) file is not a
    database)".)"""
    folder = tmp_path / "imgs"
    (folder / ".llmvis").mkdir(parents=True)
    Image.new("RGB", (16, 12)).save(folder / "a.png")
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    db.write_bytes(bytes(range(256)) * 32)
    assert main(["info", str(folder)]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"llmvis info: the project database {db} is not an SQLite database file"), line
    assert "sqlite3.DatabaseError" not in line and "restore it from a backup" in line, line
    assert db.read_bytes() == bytes(range(256)) * 32  # left as it was
