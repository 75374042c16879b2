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


_PG_SCHEMA = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
               "FROM information_schema.columns WHERE table_schema = current_schema()",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
    "constraints": "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                   "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                   "WHERE n.nspname = current_schema()",
    "objects": "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
               "ON n.oid = c.relnamespace WHERE n.nspname = current_schema()",
    "functions": "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n "
                 "ON n.oid = p.pronamespace WHERE n.nspname = current_schema()",
    "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    "version": "SELECT version_num FROM alembic_version",
}


def _pg_schema(url) -> dict:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {k: sorted(tuple(r) for r in conn.execute(text(q))) for k, q in _PG_SCHEMA.items()}
    finally:
        engine.dispose()


def test_a_replayed_new_postgresql_database_is_the_one_the_migrations_make(pg_server, tmp_path):
    from PIL import Image

    assert command.upgrade is schema_replay.upgrade
    urls = [pg_server.create_database() for _ in range(3)]
    try:
        folder = tmp_path / "imgs"
        folder.mkdir()
        Image.new("L", (8, 8)).save(folder / "a.png")
        for url in urls[:2]:  # the first of a session made for real (and recorded), then replayed
            with Project.open(folder, url) as p:
                p.scan()
                assert len(p.image_ids()) == 1
        assert schema_replay._pg_statements  # recorded, and used for the second at least
        engine = make_engine(urls[2])
        try:
            cfg = migrate._config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                schema_replay._real_upgrade(cfg, "head")  # every revision, as a team's new database
        finally:
            engine.dispose()
        real = _pg_schema(urls[2])
        assert real["version"] == [(migrate.HEAD_REVISION,)]
        assert len(real["columns"]) > 50 and len(real["indexes"]) > 10
        assert _pg_schema(urls[0]) == real
        assert _pg_schema(urls[1]) == real
    finally:
        for url in urls:
            pg_server.drop_database(url)
