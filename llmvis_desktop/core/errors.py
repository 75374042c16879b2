"""Turning an exception into the short text a user is shown."""
from __future__ import annotations

from typing import Optional


#: an optional package that is not installed: what to install (the bare "No module named
#: 'psycopg'" left the user to guess)
MISSING_PACKAGE = {
    "torch": "torch is not installed; models, the GAN repair and the learned CNN need it (pip install torch)",
    "transformers": "transformers is not installed; local models need it (pip install transformers)",
    "psycopg": "the PostgreSQL driver is not installed (pip install \"llmvis_desktop[postgresql]\")",
    "psycopg2": "the PostgreSQL driver is not installed (pip install \"llmvis_desktop[postgresql]\")",
}


#: what SQLite's terse errors mean to a user (the driver's message, lower case -> the line)
DATABASE_STATES = {
    "database is locked": "the project database is busy: another process (an import, an index, "
                          "another window) is writing to it; try again when it has finished",
    "attempt to write a readonly database": "the project database cannot be written (its file or "
                                            "folder is read-only); this needs write access",
    "disk i/o error": "the project database could not be read or written (disk I/O error)",
    "database or disk is full": "the disk holding the project database is full; nothing was saved",
    "database disk image is malformed": "the project database is damaged (database disk image is malformed): "
                                        "parts of it cannot be read. Keep a copy of the file, then restore it "
                                        "from a backup, or recover what it holds with the sqlite3 tool's "
                                        ".recover",
    "file is not a database": "the project database is not an SQLite database file (file is not a database): "
                              "it was overwritten, or is another kind of file. Keep a copy of it, then "
                              "restore it from a backup",
}


#: a database error's kind (store/db_errors.py) -> the line
DATABASE_KINDS = {
    "busy": DATABASE_STATES["database is locked"],
    "readonly": DATABASE_STATES["attempt to write a readonly database"],
    "io": DATABASE_STATES["disk i/o error"],
    "disk_full": DATABASE_STATES["database or disk is full"],
    "corrupt": DATABASE_STATES["database disk image is malformed"],
    "notadb": DATABASE_STATES["file is not a database"],
    "deadlock": "another change to the same images (a teammate's or a job's) crossed this one and the "
                "database stopped it (deadlock detected); nothing was changed; run it again",
    "serialization": "another change to the same images (a teammate's or a job's) crossed this one and the "
                     "database stopped it (serialization failure); nothing was changed; run it again",
    "connection": "the connection to the database server failed; try again when it can be reached",
    "lock_timeout": "another change (a teammate's or a job's) held what this needs past the lock timeout "
                    "(15 s); nothing was changed; try again when it is done",
}


def disk_full(database: Optional[str] = None) -> str:
    """A change refused because the disk holding ``database`` (its file, or the URL
    shown) is full; without it, "the project database"."""
    if database is None:
        return DATABASE_KINDS["disk_full"]
    return f"the disk holding {database} is full; nothing was saved; free some space there and try again"


def disk_full_stopped(what: str, database: str, kept: Optional[str], again: str) -> str:
    """A job of many transactions (``what``: "the index") stopped by a full disk: what
    its committed transactions kept (``kept``: "10,000 images indexed"; None when it
    could not be counted) and how to finish. "nothing was saved" was wrong for it."""
    kept_line = f"{kept} before that are kept" if kept else "what was done before that is kept"
    return (f"{what} stopped when the disk holding {database} filled up; {kept_line}; free some space "
            f"and run {again} again to finish")


def connection_reason(exc: BaseException) -> str:
    """The driver's reason a connection failed: its message's first line (which server,
    and whether it was refused, cut or timed out), without SQLAlchemy's wrapping."""
    orig = getattr(exc, "orig", None) or exc
    return next((ln.strip() for ln in str(orig).splitlines() if ln.strip()), type(orig).__name__)


def connection_line(exc: BaseException) -> str:
    """A lost or refused connection to the database server, with the driver's reason."""
    why = connection_reason(exc)
    return f"the connection to the database server failed ({why}); try again when it can be reached"


def connection_lost_stopped(what: str, database: str, kept: Optional[str], again: str, why: str) -> str:
    """A job of many transactions stopped by the database server going away (``why``: the
    driver's reason): what its committed transactions kept and how to finish."""
    kept_line = f"{kept} before that are kept" if kept else "what was done before that is kept"
    return (f"{what} stopped when the connection to the database {database} failed ({why}); {kept_line}; "
            f"when the database server can be reached again, run {again} again to finish")


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` is the database server refusing or losing the connection (stopped,
    restarting, the network down: store/db_errors.py's ``connection``)."""
    if type(exc).__name__ != "OperationalError":
        return False
    from .store.db_errors import db_error_kind

    return db_error_kind(exc) == "connection"


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's "disk full" (by the driver's code)."""
    if type(exc).__name__ != "OperationalError":
        return False
    from .store.db_errors import db_error_kind

    return db_error_kind(exc) == "disk_full"


def is_out_of_space(exc: BaseException) -> bool:
    """:func:`is_disk_full`, or an OS write refused for want of room (ENOSPC, or the
    user's disk quota: EDQUOT) on a file the job writes beside the database."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    return is_disk_full(exc)


#: the errors (a driver's, SQLAlchemy's wrapping one) a database state is said from: SQLite
#: says a damaged file as a DatabaseError ("database disk image is malformed")
_DATABASE_ERRORS = ("OperationalError", "DatabaseError")


def database_state(exc: BaseException) -> bool:
    """Whether ``exc`` is a database error :func:`first_line` says in words (its disk
    full, busy, read-only, a deadlock...), by the driver's code, not its text."""
    if type(exc).__name__ not in _DATABASE_ERRORS:
        return False
    from .store.db_errors import db_error_kind

    return db_error_kind(exc) in DATABASE_KINDS


def said_in_words(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure the tool expects and says in words, not a bug: a full
    disk (:func:`is_out_of_space`), a database state :func:`first_line` words (busy,
    read-only, a deadlock...), a missing optional package, or one of the project's own
    error classes (a refusal: ``ProjectError``, ``ModelRefused``, ``DatabaseReadOnly``...).
    A job's log gives such a failure one line, and a traceback only to the others."""
    if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit...
        return False
    if isinstance(exc, ModuleNotFoundError) and exc.name in MISSING_PACKAGE:
        return True
    if is_out_of_space(exc) or database_state(exc):
        return True
    return type(exc).__module__.split(".", 1)[0] == __name__.split(".", 1)[0]


def failure_text(exc: BaseException, database: Optional[str] = None) -> str:
    """What a failed job's line says of ``exc``: a database state (busy, its disk full,
    read-only, an I/O error, the server gone) in words naming ``database``, as the command
    line says it; any other error as its own message. (The window said SQLAlchemy's raw
    "(sqlite3.OperationalError) database is locked [SQL: BEGIN IMMEDIATE] (Background on
    this error at: https://sqlalche.me/...)".)"""
    if database_state(exc):
        return first_line(exc, database=database)
    return str(exc)


def first_line(exc: BaseException, limit: Optional[int] = None, database: Optional[str] = None) -> str:
    """The first non-blank line of ``exc``'s message, at most ``limit`` characters; the
    exception's type name when the message is empty (a library's bare ``KeyError()``);
    for a missing optional package, what to install. ``database``: the project's
    database as shown (its file), named when the disk holding it is full, or it is busy,
    read-only or could not be read."""
    if isinstance(exc, ModuleNotFoundError) and exc.name in MISSING_PACKAGE:  # not a missing submodule
        line = MISSING_PACKAGE[exc.name]
        return line if limit is None else line[:limit]
    if type(exc).__name__ in _DATABASE_ERRORS:  # a driver's, or SQLAlchemy's wrapping it
        from .store.db_errors import db_error_kind

        # by the driver's code, not by words in the text: PostgreSQL's detail of a
        # deadlock ("blocked by process 34") read as "database is locked"
        kind = db_error_kind(exc) or ""
        line = (disk_full(database) if kind == "disk_full" else connection_line(exc) if kind == "connection"
                else DATABASE_KINDS.get(kind))
        subject = "the project database "
        if line and database and line.startswith(subject):  # busy, read-only, I/O: which file
            line = f"{subject}{database} {line[len(subject):]}"
        if line:
            return line if limit is None else line[:limit]
    for line in str(exc).splitlines():
        if line.strip():
            line = line.strip()
            return line if limit is None else line[:limit]
    return type(exc).__name__
