"""Whether a project's SQLite database can be written, and what to say when it cannot.

A database file without write permission (its folder writable: the folder's own
database is used, not a copy) opens and reads fine; every change then failed with
SQLite's bare "attempt to write a readonly database", naming neither the file nor the
fix. :func:`read_only_reason` says both, and :class:`DatabaseReadOnly` carries it out of a
failed write.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Optional

#: SQLite's words for a write it refused on a read-only file (or folder, or -shm)
SQLITE_READ_ONLY = "readonly database"


class DatabaseReadOnly(OSError):
    """A change refused: the project's database cannot be written (the message names the
    file and the fix). Nothing was saved."""


def read_only_reason(db_file: Optional[Path]) -> Optional[str]:
    """Why the SQLite database ``db_file`` cannot be written, naming it and the fix; None
    when it can (or is not a file: a server's database, one not made yet)."""
    if db_file is None or not db_file.is_file():
        return None
    fix = "make it writable (e.g. chmod u+w {}) and open the project again"
    if not os.access(db_file, os.W_OK):
        return f"the project database {db_file} is read-only (its file's permissions); {fix.format(shlex.quote(str(db_file)))}"
    folder = db_file.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"the folder {folder} holding the project database cannot be written (SQLite keeps its "
                f"-wal and -shm files there); {fix.format(shlex.quote(str(folder)))}")
    for extra in ("-wal", "-shm"):
        side = db_file.with_name(db_file.name + extra)
        if side.exists() and not os.access(side, os.W_OK):
            return f"the project database's {side} is read-only; {fix.format(shlex.quote(str(side)))}"
    return None


def refused_write(why: Optional[str], db_file: Optional[Path], exc: BaseException) -> Optional[DatabaseReadOnly]:
    """The :class:`DatabaseReadOnly` for a write SQLite refused as read-only, else None;
    ``why``: the reason the store knows (:meth:`.engine.Store.read_only`)."""
    if SQLITE_READ_ONLY not in str(exc).lower():
        return None
    why = why or (
        f"the project database {db_file} cannot be written (SQLite: attempt to write a readonly database); "
        f"check that it, its folder and its -wal and -shm files are writable, then open the project again")
    return DatabaseReadOnly(f"nothing was saved: {why}")


#: less free space than this on the disk holding a database counts as full: SQLite could
#: not even make its -shm file (32 KiB) there
FULL_BELOW = 1 << 20


def disk_full_reason(db_file: Optional[Path]) -> Optional[str]:
    """"the disk holding PATH is full (N bytes free)" when it is, else None."""
    import shutil

    if db_file is None:
        return None
    try:
        free = shutil.disk_usage(db_file.parent).free
    except OSError:
        return None
    if free >= FULL_BELOW:
        return None
    return f"the disk holding {db_file} is full ({free:,} bytes free)"


def wal_is_empty(db_file: Path) -> bool:
    """Whether every committed change is in the database file itself: its write-ahead log
    is absent or empty (a clean close checkpoints and removes it)."""
    try:
        return db_file.with_name(db_file.name + "-wal").stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def immutable_url(db_file: Path) -> str:
    """A read-only URL of the SQLite file that makes no -wal or -shm file (SQLite's
    ``immutable``): for reading a database whose disk is full, its log empty."""
    from urllib.parse import quote

    return f"sqlite:///file:{quote(str(db_file))}?mode=ro&immutable=1&uri=true"
