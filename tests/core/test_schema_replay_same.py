"""The schema the tests replay on a new SQLite database (tests/schema_replay.py) is the
one the real migrations make: every table, index and trigger as SQLite stores it, and
the same alembic_version; and the replay is what a new folder's open used."""
from __future__ import annotations

import sqlite3

import schema_replay
from alembic import command

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.engine import make_engine


def _schema(db) -> tuple[list, list]:
    raw = sqlite3.connect(db)
    try:
        objects = sorted(raw.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        version = raw.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        raw.close()
    return objects, version


def test_a_replayed_new_database_is_the_one_the_migrations_make(png_folder, tmp_path):
    assert command.upgrade is schema_replay.upgrade  # the conftest's replay is in place
    with Project.open(png_folder) as p:  # replayed (or, first in a session, made for real)
        p.scan()
        assert len(p.image_ids()) == 5
    assert schema_replay._dump is not None  # the session's template was made and used
    real_db = tmp_path / "real.sqlite"
    engine = make_engine(f"sqlite:///{real_db}")
    try:
        cfg = migrate._config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            schema_replay._real_upgrade(cfg, "head")  # every revision, as a user's new folder
    finally:
        engine.dispose()
    replayed, real = _schema(png_folder / ".llmvis" / "project.sqlite"), _schema(real_db)
    assert real[1] == [(migrate.HEAD_REVISION,)]
    assert len(real[0]) > 10  # tables and their indexes
    assert replayed == real
