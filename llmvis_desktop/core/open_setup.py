"""A project's database made ready as it opens: its schema brought to this version's head
and its project row made, under the open lock (:func:`.store.migrate.open_lock`) where
that may be needed.

On PostgreSQL the open lock is a session advisory lock held on a connection of its own
for the whole set-up: every open of a team's project made a second connection (its
start-up and the lock's taking and release, 12 round trips of 25, each 50 ms and more
across a site's network), though a made project of this version has nothing to set up.
Such a project is seen in one statement without the lock (:func:`_ready`): its schema at
this version's head and its project row there, both committed (a migration is one
transaction; the row is made after it, under the lock). Anything else (a new database,
an older schema, no project row yet, another program's tables) goes the way it went:
under the lock, looked at again there, so two people opening an old project at once
still take turns and only the first migrates.

Then, at the open too: a project database on a full disk opened read-only
(:func:`open_read_only`), and a killed import's labels taken back
(:func:`take_back_abandoned_labels`)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from .open_checks import empty_database
from .store import models as m
from .store import refold
from .store.engine import Store, short_waits
from .store.migrate import HEAD_REVISION, SchemaError, current_revision, open_lock, upgrade_to_head

log = logging.getLogger(__name__)


def settings_at_open(store: Store, root: Path, where: str) -> Optional[str]:
    """The project row's settings (JSON text) as the open found them, the schema brought
    to this version's head first where need be; None for a project made by this open
    (its row made now). :class:`.store.migrate.SchemaError` for a database this version
    cannot use."""
    ready = _ready(store)
    if ready is not None:
        return ready
    with open_lock(store.engine):  # two processes opening a new folder take turns
        empty = empty_database(store.db_file)  # (under the lock: not another's file being made)
        if empty:
            raise SchemaError(empty)
        upgrade_to_head(store.engine, where)
        # a read first: opening a made project writes nothing, so it does not wait
        # for (or fail behind) another process's long write such as an import
        with store.read() as s:
            settings = s.scalar(select(m.ProjectRow.settings_json).where(m.ProjectRow.id == 1))
        if settings is None:  # (a made project's settings are at least "{}")
            import json

            with store.write() as s:
                if s.get(m.ProjectRow, 1) is None:
                    s.add(m.ProjectRow(id=1, root=str(root), created_at=m.utcnow(),
                                       settings_json=json.dumps({refold.KEY: refold.unicode_version(),
                                                                  refold.RULES_KEY: refold.RULES})))
    return settings


#: the schema's revision and the project row's settings, in one statement
_READY_SQL = text("SELECT (SELECT version_num FROM alembic_version), "
                  "(SELECT settings_json FROM project WHERE id = 1)")


def _ready(store: Store) -> Optional[str]:
    """PostgreSQL: the project row's settings when the schema is at this version's head and
    the row is made (nothing to set up: no lock needed), else None. One statement, outside
    a transaction (one round trip, on the connection the project goes on using)."""
    if store.dialect != "postgresql":  # (SQLite's lock is a file's: no connection, no round trip)
        return None
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            row = conn.execute(_READY_SQL).first()
    except ProgrammingError:  # no such table (a new or foreign database), two revisions: under the lock
        return None
    if row is None or row[0] != HEAD_REVISION or row[1] is None:
        return None
    return row[1]


def take_back_abandoned_labels(store: Store, settings: Optional[str] = None) -> None:
    """The labels an import killed before its commit made (its process gone) are taken
    back (:mod:`.store.provisional_labels`): nothing more than a look at the settings the
    open read (``settings``), when there are none. Never fails the open (a database
    another process is writing to: the next import does it)."""
    from .store import provisional_labels

    try:
        with short_waits(2000):
            provisional_labels.take_back_abandoned(store, settings)
    except Exception:
        log.warning("could not take back the labels of an import that was stopped", exc_info=True)


def open_read_only(db_file: Path, root: Path, full: str) -> Optional[Store]:
    """The project database opened read-only without its -wal and -shm files, when the
    disk holding it is full (SQLite could not make them: "disk I/O error") and its log is
    empty; None when that fails too (or it is not a made project of this version)."""
    from .store.writable import immutable_url

    store = Store(immutable_url(db_file), read_only=f"{full}, so the project database is open read-only; "
                                                    f"free some space there and open the project again to "
                                                    f"save changes")
    try:
        if current_revision(store.engine) != HEAD_REVISION:
            raise ValueError("not at this version's schema")
        with store.read() as s:
            if s.get(m.ProjectRow, 1) is None:
                raise ValueError("no project row")
    except Exception:
        store.dispose()
        return None
    return store
