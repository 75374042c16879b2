"""A new database's schema (SQLite, PostgreSQL), made once per test session by the real
migrations and replayed after that (tests/conftest.py ``_fresh_schema_replayed``).

Every test that opens a new folder runs the whole Alembic chain on an empty SQLite file:
16 revision scripts read and compiled, and batch migrations that copy tables, ~70-100 ms
an open here, paid by most of the ~3150 tests. The result is the same each time, so the
first new database of a session is migrated for real (``alembic.command.upgrade``) and
its contents, as SQLite dumps them (every CREATE statement exactly as stored, and every
row: alembic_version), are replayed on each later empty database in the same
transaction the upgrade would have used.

PostgreSQL: the session's first new database is migrated for real with every statement
sent recorded (the DDL, alembic_version's writes, the backfills' reads of no rows), and
later new databases get the same statements, without Alembic's reading of the scripts
and building of each operation (~100-120 ms an open, ~50 replayed).

Only ``upgrade(config, "head")`` of the packaged scripts on a connection whose database
(or PostgreSQL schema) holds nothing at all is replayed; anything else (a partial
upgrade, an old database brought to head, a downgrade) runs Alembic as before. A test
that patches ``alembic.command.upgrade`` itself replaces this for its duration; a test
module that counts what Alembic reads sets ``pytestmark = pytest.mark.real_migrations``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

_real_upgrade = None
_dump: list[str] | None = None
# PostgreSQL: the statements the real upgrade of the session's first new database sent
# (statement, parameters), in order
_pg_statements: list[tuple[str, object]] | None = None


def _is_packaged(config) -> bool:
    from llmvis_desktop.core.store import migrate

    location = config.get_main_option("script_location")
    return location is not None and Path(location) == migrate.MIGRATIONS_DIR


def _is_empty(conn) -> bool:
    """No table, index or other object at all in the connection's database (SQLite) or
    its current schema (PostgreSQL); other databases are never replayed."""
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql(
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema()").scalar() == 0
    return False


def _recorded_upgrade(config, conn) -> list[tuple[str, object]]:
    """Run the real upgrade to head on ``conn`` (an empty PostgreSQL database), recording
    each statement it sends with its parameters."""
    from sqlalchemy import event

    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", record)
    try:
        _real_upgrade(config, "head")
    finally:
        event.remove(conn, "before_cursor_execute", record)
    if not any("alembic_version" in st for st, _ in sent):
        raise RuntimeError(f"the recorded upgrade never wrote alembic_version: {[st[:60] for st, _ in sent[:3]]}")
    return sent


def _make_dump() -> list[str]:
    """Migrate an empty SQLite file of our own for real and return its dump's statements
    (without the dump's own BEGIN/COMMIT and PRAGMAs: the replay runs inside the caller's transaction)."""
    import sqlite3

    from llmvis_desktop.core.store import migrate
    from llmvis_desktop.core.store.engine import make_engine

    with tempfile.TemporaryDirectory(prefix="llmvis-schema-") as tmp:
        db = Path(tmp) / "template.sqlite"
        engine = make_engine(f"sqlite:///{db}")
        try:
            cfg = migrate._config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                _real_upgrade(cfg, "head")
        finally:
            engine.dispose()
        raw = sqlite3.connect(db)
        try:
            statements = [s for s in raw.iterdump()
                          if s not in ("BEGIN TRANSACTION;", "COMMIT;") and not s.startswith("PRAGMA")]
        finally:
            raw.close()
    if not any(s.startswith('INSERT INTO "alembic_version"') for s in statements):
        raise RuntimeError(f"the migrated template's dump has no alembic_version row: {statements[:3]}")
    return statements


def upgrade(config, revision, *args, **kwargs):
    """``alembic.command.upgrade``, with the head of a new SQLite or PostgreSQL database
    replayed."""
    global _dump, _pg_statements
    conn = config.attributes.get("connection")
    if (revision != "head" or args or kwargs or conn is None
            or not _is_packaged(config) or not _is_empty(conn)):
        return _real_upgrade(config, revision, *args, **kwargs)
    if conn.dialect.name == "sqlite":
        if _dump is None:
            _dump = _make_dump()
        for statement in _dump:
            conn.exec_driver_sql(statement)
        return None
    if _pg_statements is None:  # the first: made for real, and recorded
        _pg_statements = _recorded_upgrade(config, conn)
        return None
    for statement, parameters in _pg_statements:
        if parameters:
            conn.exec_driver_sql(statement, parameters)
        else:
            conn.exec_driver_sql(statement)
    return None


def install(mp) -> None:
    """Put :func:`upgrade` in place of ``alembic.command.upgrade`` with the patcher ``mp``."""
    global _real_upgrade
    from alembic import command

    if _real_upgrade is None:
        _real_upgrade = command.upgrade
    mp.setattr(command, "upgrade", upgrade)
