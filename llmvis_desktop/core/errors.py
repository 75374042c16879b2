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
}


def first_line(exc: BaseException, limit: Optional[int] = None) -> str:
    """The first non-blank line of ``exc``'s message, at most ``limit`` characters; the
    exception's type name when the message is empty (a library's bare ``KeyError()``);
    for a missing optional package, what to install."""
    if isinstance(exc, ModuleNotFoundError) and exc.name in MISSING_PACKAGE:  # not a missing submodule
        line = MISSING_PACKAGE[exc.name]
        return line if limit is None else line[:limit]
    if type(exc).__name__ == "OperationalError":  # sqlite3's, or SQLAlchemy's wrapping it
        text = str(exc).lower()
        for key, line in DATABASE_STATES.items():
            if key in text:
                return line if limit is None else line[:limit]
    for line in str(exc).splitlines():
        if line.strip():
            line = line.strip()
            return line if limit is None else line[:limit]
    return type(exc).__name__
