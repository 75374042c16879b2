"""What a database error is, by the driver's own code (PostgreSQL's SQLSTATE, SQLite's
result code), never by words somewhere in its text: PostgreSQL's detail of a deadlock
("Process 12 waits for ShareLock ...; blocked by process 34") read as "database is locked".
"""
from __future__ import annotations

from typing import Optional

#: PostgreSQL SQLSTATE -> kind
_PG_STATES = {
    "40P01": "deadlock",  # deadlock_detected
    "40001": "serialization",  # serialization_failure
    "55P03": "lock_timeout",  # lock_not_available: lock_timeout, NOWAIT
    "53100": "disk_full",
    # the server went away: stopped (admin_shutdown, crash_shutdown), not up yet (cannot_connect_now)
    "57P01": "connection",
    "57P02": "connection",
    "57P03": "connection",
}

#: SQLite's result code name (sqlite3's ``sqlite_errorname``) -> kind
_SQLITE_CODES = {
    "SQLITE_BUSY": "busy",
    "SQLITE_LOCKED": "busy",
    "SQLITE_READONLY": "readonly",
    "SQLITE_IOERR": "io",
    "SQLITE_FULL": "disk_full",
    "SQLITE_CORRUPT": "corrupt",  # a damaged file: "database disk image is malformed"
    "SQLITE_NOTADB": "notadb",  # not an SQLite file at all: "file is not a database"
}

#: SQLite's exact messages for those (an older Python's sqlite3 has no code name)
_SQLITE_MESSAGES = {
    "database is locked": "busy",
    "database table is locked": "busy",
    "attempt to write a readonly database": "readonly",
    "disk i/o error": "io",
    "database or disk is full": "disk_full",
    "database disk image is malformed": "corrupt",
    "file is not a database": "notadb",
}

#: kinds where running the whole transaction again can succeed (the database chose it as
#: the victim of a conflict with another transaction)
RETRYABLE = frozenset({"deadlock", "serialization"})
#: kinds where the change waited its limit for another transaction's lock
WAITED = frozenset({"lock_timeout", "busy"})


def _driver_connection_error(orig: BaseException) -> bool:
    """A PostgreSQL driver's ``OperationalError`` with no SQLSTATE: libpq's own, when a
    connection could not be made or was lost (no server listening, the network down, a
    refusal at connect such as a wrong password: the driver's message, shown with the
    line, says which)."""
    return (type(orig).__name__ == "OperationalError"
            and type(orig).__module__.split(".", 1)[0] in ("psycopg", "psycopg2"))


def db_error_kind(exc: BaseException) -> Optional[str]:
    """``connection`` (the server could not be reached, or went away), ``deadlock``,
    ``serialization``, ``lock_timeout`` (PostgreSQL waited its lock timeout),
    ``busy`` (SQLite: another writer held the file for the busy timeout), ``readonly``,
    ``io``, ``disk_full``, ``corrupt`` (SQLite: its file damaged), ``notadb`` (SQLite: no database
    file at all), or None: ``exc`` is SQLAlchemy's wrapper or the driver's own."""
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)  # psycopg 3, psycopg2
    if state:
        return "connection" if state.startswith("08") else _PG_STATES.get(state)  # class 08: connection
    if _driver_connection_error(orig):
        return "connection"
    if type(orig).__module__.startswith("sqlite3"):
        code = getattr(orig, "sqlite_errorname", None)
        if code:
            base = code.split("_")
            kind = _SQLITE_CODES.get("_".join(base[:2]))  # SQLITE_IOERR_WRITE: an I/O error
            if kind:
                return kind
        return _SQLITE_MESSAGES.get(str(orig).strip().splitlines()[0].lower() if str(orig).strip() else "")
    return None
