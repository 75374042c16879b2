"""Opening a project's database: the folder checked, where its database lives (inside it,
or in the user data folder), the store on that URL (a bad URL or a missing driver said
plainly), its schema made ready, and a database on a full disk opened read-only.
:meth:`.project.Project.open` is this plus the project around it."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from . import config as cfg_mod
from .errors import first_line
from .open_checks import unlistable
from .open_setup import open_read_only, settings_at_open, take_back_abandoned_labels
from .store import refold
from .store.db_errors import db_error_kind
from .store.engine import Store, default_db_location, sqlite_url
from .store.migrate import SchemaError
from .store.writable import disk_full_reason, wal_is_empty


class ProjectError(Exception):
    """A project cannot be opened or used; the message says why and where."""


def open_database(folder: Path | str, db_url: Optional[str] = None, *, data_dir: Optional[Path] = None,
                  who: Optional[str] = None) -> tuple[Path, Store, Optional[str]]:
    """(the folder resolved, its store, the note to show: a database kept elsewhere, one
    opened read-only, copies folded again), or a ProjectError saying what is wrong."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        if root.exists():
            raise ProjectError(f"{root}: is a file, not a folder; open the folder that holds the images")
        raise ProjectError(f"{root}: no such folder (or it cannot be reached)")
    root = root.resolve()
    try:
        str(root).encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8: no database stores the path
        from .imaging.scan import printable

        raise ProjectError(f"{printable(str(root))}: the folder's path is not valid UTF-8 (the project "
                           f"stores it as text); rename the folder, or the one holding it") from None
    note = None
    if db_url is None:
        data = data_dir or cfg_mod.data_dir()
        unlisted = unlistable(root)  # (its .llmvis cannot be looked at: not a read-only folder)
        if unlisted:
            raise ProjectError(unlisted)
        try:
            db_path, note = default_db_location(root, data)
        except OSError as exc:  # the folder is read-only and so is the data folder
            raise ProjectError(
                f"{root}: the folder is read-only, and its database cannot be kept in the user data "
                f"folder {data} either ({first_line(exc, 200)}); start llmvis with --db naming a "
                f"database file in a writable place, e.g. --db sqlite:////tmp/project.sqlite") from None
        db_url = sqlite_url(db_path)
    where = describe_db(db_url)
    store = _open_store(db_url, where, who)
    try:
        settings = settings_at_open(store, root, where)  # the schema and project row made ready
        # before any search: copies folded by an older Unicode (the settings read above)
        refused = refold.at_open(store, where, settings)
    except SchemaError as exc:
        store.dispose()
        raise ProjectError(str(exc)) from exc
    except Exception as exc:
        store.dispose()
        full = disk_full_reason(store.db_file)
        if full is not None and wal_is_empty(store.db_file):  # still readable: read-only
            read_only = open_read_only(store.db_file, root, full)
            if read_only is not None:
                return root, read_only, read_only.read_only()
        if full is None and db_error_kind(exc) in ("corrupt", "notadb"):  # "the project database X is damaged..."
            raise ProjectError(first_line(exc, database=where)) from exc
        raise ProjectError(f"{where}: cannot open the project database ({full or first_line(exc, 300)})") from exc
    if settings is not None:  # a project made before: a killed import's labels are taken back
        take_back_abandoned_labels(store, settings)
    return root, store, "; ".join(n for n in (note, refused) if n) or None


PG_URL_HINT = "postgresql+psycopg://user@host/database (or sqlite:////path/to/file.sqlite)"


def _open_store(db_url: str, where: str, who: Optional[str] = None) -> Store:
    """The store on ``db_url``, or a ProjectError saying what is wrong with the URL (one
    that cannot be parsed, an unknown database type, a driver that is not installed)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return Store(db_url, who)
    except NoSuchModuleError:
        scheme = db_url.split(":", 1)[0]
        raise ProjectError(f"{where}: unknown database type {scheme!r}; a database URL looks like "
                           f"{PG_URL_HINT}") from None
    except ArgumentError:
        shown = repr(db_url) if "@" not in db_url and len(db_url) < 200 else "given"  # (no password shown)
        raise ProjectError(f"the database URL {shown} cannot be parsed; write it as {PG_URL_HINT}") from None
    except ImportError as exc:
        raise ProjectError(f"{where}: the database driver is not installed ({exc}); for PostgreSQL "
                           f"install llmvis-desktop[postgresql] and use {PG_URL_HINT}") from None


def describe_db(url: str, absolute: bool = False) -> str:
    """``absolute``: a SQLite file's path made absolute (`info` said ``../team.sqlite``
    beside an absolute root: unusable from another folder)."""
    from .store.engine import describe_url

    shown = describe_url(url)
    if absolute and url.startswith("sqlite:///") and not url.startswith("sqlite:///file:") \
            and shown not in ("", ":memory:"):
        import os

        return os.path.abspath(shown)
    return shown


