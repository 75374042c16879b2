"""A command that waited its limit for a database another process held said "the project
database is busy: another process ... is writing to it", naming no file: with several
projects (or a --db) the user could not tell which database, nor which process to look
for; a full disk named it already. Held by a real other process here (its lock on the
file), with the wait made short."""
from __future__ import annotations

from db_holder import Holder

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng


def test_a_busy_database_is_named(png_folder, capsys, monkeypatch):
    with Project.open(png_folder) as p:
        p.index()
    db = png_folder.resolve() / ".llmvis" / "project.sqlite"
    with Holder(db):
        monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
        assert main(["labels", "add", str(png_folder), "crack"]) == 1
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith(f"llmvis labels add: the project database {db} is busy: another process"), err
    assert main(["labels", "add", str(png_folder), "crack"]) == 0  # free again: nothing else was wrong


def test_first_line_names_the_database_in_each_state_it_words():
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from llmvis_desktop.core.errors import first_line

    for said in ("database is locked", "attempt to write a readonly database", "disk I/O error"):
        exc = OperationalError("UPDATE", {}, sqlite3.OperationalError(said))
        assert first_line(exc).startswith("the project database "), said  # not known: as before
        assert first_line(exc, database="/data/p.sqlite").startswith("the project database /data/p.sqlite "), said
