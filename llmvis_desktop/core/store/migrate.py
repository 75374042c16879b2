"""Apply the packaged Alembic revisions at open; refuse databases from the future."""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision shipped (a test checks it against the scripts): when a database
# is already there, opening it needs no Alembic import at all.
HEAD_REVISION = "0016"


log = logging.getLogger(__name__)

#: PostgreSQL advisory lock key held while a database is set up ("llmv")
PG_OPEN_LOCK = 0x6C6C6D76


class SchemaError(Exception):
    """The database cannot be used by this version; it was left untouched."""


def _config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, ProgrammingError):
            return None  # no such table: a new or foreign database
        return row[0] if row else None


def upgrade_to_head(engine: Engine, where: str) -> None:
    """Bring the schema to this version's head; refuse unknown or foreign databases."""
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return
    from alembic import command

    if rev is None:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables:
            raise SchemaError(
                f"{where} holds tables ({', '.join(sorted(tables)[:5])}) but no llmvis schema "
                "version; it was not written by llmvis_desktop and was left untouched"
            )
    else:
        # (only here: reading the revision scripts execs each of them, ~35 ms, and a new
        # database's upgrade below reads them all again)
        scripts = script_directory()
        known = {s.revision for s in scripts.walk_revisions()}
        if rev not in known:
            raise SchemaError(
                f"{where} was written by a newer version of llmvis_desktop (schema revision "
                f"{rev!r}, this version knows up to {scripts.get_current_head()!r}); upgrade "
                "llmvis_desktop to open it. The database was left untouched."
            )
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def downgrade(url: str, revision: str) -> None:
    """Take the schema of the database at ``url`` down to ``revision`` (each migration's
    own downgrade): for an administrator going back to an older version, and the tests
    of each migration."""
    from alembic import command

    from .engine import make_engine

    engine = make_engine(url)
    try:
        cfg = _config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


@contextmanager
def open_lock(engine: Engine) -> Iterator[None]:
    """Held while a database is checked, migrated and given its project row, so that two
    processes opening a new folder at once take turns. Without it, one of them saw the
    other's half-made tables ("not written by llmvis_desktop") or "database is locked".
    SQLite: an OS lock on a file beside the database, taken before the first connection;
    PostgreSQL: a session advisory lock; other databases: none."""
    name = engine.dialect.name
    if name == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:" or db.startswith("file:"):
            yield
            return
        try:
            fh = open(f"{db}.open-lock", "a+b")
        except OSError as exc:  # a folder we cannot write to: nothing to migrate there anyway
            log.debug("no open lock for %s: %s", db, exc)
            yield
            return
        with fh:
            _lock_file(fh, True)
            try:
                yield
            finally:
                _lock_file(fh, False)
    elif name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_OPEN_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_OPEN_LOCK})
                conn.commit()
    else:
        yield


def _lock_file(fh, on: bool) -> None:
    if os.name == "nt":
        import msvcrt

        fh.seek(0)
        if not on:
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            return
        while True:
            try:
                msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
                return
            except OSError:
                continue
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX if on else fcntl.LOCK_UN)
    except OSError as exc:  # a file system without locks (some network shares)
        log.debug("cannot lock %s: %s", fh.name, exc)
