"""What the window says of a database error (a refused review action, a setting not saved).

``describe_db_error(exc)`` was in :mod:`.review_controller` (still importable from there).
"""
from __future__ import annotations

from ..core.store import engine
from ..core.store.db_errors import db_error_kind
from ..core.store.waited import said, waited_ms


def _waited(exc: BaseException, long_ms: int) -> int:
    """The wait ``exc`` was refused after: its short wait (noted), else ``long_ms``."""
    wait = waited_ms(exc)
    return long_ms if wait is None else wait


def describe_db_error(exc: BaseException) -> str:
    """What a refused write means to the reviewer, in one line; a lock waited for is said
    with the wait actually made (:func:`~..core.store.waited.noted_waits`: 1.5 s in the
    window), else the batch jobs' long wait."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    kind = db_error_kind(exc)  # by the driver's code first
    if kind in ("deadlock", "serialization"):
        return ("Another change to this image (a teammate's or a job's) crossed this one and the database "
                f"stopped it. Nothing was changed; try again. ({first})")
    if kind == "busy" or (kind is None and ("locked" in first or "busy" in first)):
        return ("The project database is locked by another program or llmvis instance "
                f"(waited {said(_waited(exc, engine.SQLITE_BUSY_TIMEOUT_MS))}). Nothing was changed; try again. "
                f"({first})")
    if kind == "lock_timeout" or "lock timeout" in first:  # PostgreSQL: another session held it all that wait
        return (f"Another reviewer or job has been changing this image for "
                f"{said(_waited(exc, engine.PG_LOCK_TIMEOUT_MS))}. Nothing was changed; try again. ({first})")
    if any(w in first.lower() for w in _DISK_FULL):  # SQLite's file, or the server's disk
        return ("The disk holding the project database is full. Nothing was changed; free some "
                f"space there, then try again. ({first})")
    if getattr(exc, "connection_invalidated", False) or any(w in first.lower() for w in _UNREACHABLE):
        # the server is down or the network gone: nothing refused the change itself
        return ("The project database cannot be reached. Nothing was changed; "
                f"try again when it is back. ({first})")
    return f"The database refused the change; nothing was changed. ({first})"


#: what SQLite and PostgreSQL say when the disk under the database is full
_DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file",
              "disk quota exceeded")

#: what drivers say when the database server cannot be reached (psycopg, SQLite's file)
_UNREACHABLE = ("connection is bad", "connection refused", "could not connect", "connection to server",
                "server closed the connection", "terminating connection", "unable to open database file",
                "connection timed out", "ssl syscall error", "the connection is closed")
