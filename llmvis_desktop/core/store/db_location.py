"""Where a folder's database lives (inside the folder, or under the user data folder when
the folder is read-only, copied there when it carries one) and how a database URL is
remembered (no password) or shown (passwords as ***)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def folder_writable(root: Path) -> bool:
    """Whether files can be made in ``root`` (else its database is kept in the user data
    folder, :func:`fallback_db_path`)."""
    return os.access(root, os.W_OK | os.X_OK)


def fallback_db_path(root: Path, data_dir: Path) -> Path:
    """Where a folder's database is kept when it cannot be inside the folder (a read-only
    folder): under the user data dir, keyed by the folder's absolute path."""
    root = Path(root).resolve()
    key = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in root.name)[:40]
    return Path(data_dir) / "projects" / f"{safe_name}-{key}" / "project.sqlite"


def default_db_location(root: Path, data_dir: Path) -> tuple[Path, str | None]:
    """Where a folder's database lives, and a note when it is not inside the folder.

    ``<root>/.llmvis/project.sqlite`` normally; when the folder is read-only, a file
    under the user data dir keyed by the folder's absolute path.
    """
    from . import readonly_copy

    root = Path(root).resolve()
    inside = root / ".llmvis"
    own = inside / "project.sqlite"
    db = fallback_db_path(root, data_dir)
    fallback = db.parent
    if inside.exists() and not inside.is_dir():  # another program's file named .llmvis
        fallback.mkdir(parents=True, exist_ok=True)
        return db, (f"{inside} is a file, not llmvis's folder (another program's?); the project "
                    f"database is kept at {db}")
    if (own.exists() and os.access(inside, os.W_OK | os.X_OK)) or (
            folder_writable(root) and _writable_dir(inside)):
        return own, readonly_copy.left_behind_note(root, own, db)
    fallback.mkdir(parents=True, exist_ok=True)
    # which folder cannot be written: the image folder, or only its .llmvis (it was called
    # the image folder's fault, a folder the user then found writable)
    where = f"folder {inside}" if inside.is_dir() and folder_writable(root) else f"folder {root}"
    if own.exists():  # the folder carries its annotations: work on a copy of them, never an empty one
        own_changed, copy_changed = readonly_copy.changed(db) if db.exists() else (None, None)
        fresh = not db.exists() or (own_changed and copy_changed is False)
        if fresh:
            _copy_database(own, db)
            readonly_copy.remember(own, db)
        note = (f"{where} is read-only; its project database {own} was copied to {db}, "
                f"and changes are kept in the copy")
        if own_changed and copy_changed:
            note += ("; the folder's database has changed since it was copied, and so has the copy: "
                     "the copy is used, and the folder's newer changes are not shown")
        return db, note
    note = f"{where} is read-only; the project database is kept at {db}"
    if not db.exists() or not readonly_copy.newest_event(db):  # no work of its own yet
        from .moved_copies import moved_note

        moved = moved_note(root, data_dir, db)  # the folder moved or renamed: its work is there
        if moved:
            note += "; " + moved
    return db, note


def _copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database that cannot be opened for writing where it is (with its
    write-ahead log, folded into the copy), whole or not at all.

    The copy made before (``target``) may have a log of its own beside it, left by a
    session killed while it was open: it is folded into that file first. Left beside the
    new file, SQLite applied the old copy's pages to it (annotations missing, or
    "database disk image is malformed" at every open). A kill at any step leaves the old
    copy whole, or the new one."""
    import shutil

    tmp = target.with_name(target.name + ".copying")
    made = [tmp] + [tmp.with_name(tmp.name + end) for end in ("-wal", "-shm")]
    try:
        for leftover in made:  # of a copy killed part way
            leftover.unlink(missing_ok=True)
        shutil.copyfile(source, tmp)
        wal = source.with_name(source.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, made[1])
            _fold_log(tmp)
        if target.exists():
            _fold_log(target)
        os.replace(tmp, target)
    except (OSError, sqlite3.Error) as exc:
        for leftover in made:
            leftover.unlink(missing_ok=True)
        what = f"cannot copy the read-only folder's database {source} to {target}"
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"{what}: {exc.strerror or exc}") from exc
        raise OSError(f"{what}: {exc}") from exc


def _fold_log(db: Path) -> None:
    """Write the log beside ``db`` (``-wal``) into the file itself: SQLite's checkpoint,
    after which the last connection to close takes the log away. A log that cannot be read
    into it (a damaged copy about to be replaced) is taken away all the same."""
    logs = [db.with_name(db.name + end) for end in ("-wal", "-shm")]
    if not any(f.exists() for f in logs):
        return
    try:
        conn = sqlite3.connect(db, timeout=5.0)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        if db.name.endswith(".copying"):
            raise  # the new copy's own log: not whole without it
        for f in logs:
            f.unlink(missing_ok=True)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def url_without_password(url: str) -> str:
    """``url`` with any password left out (to be remembered or shown); unchanged when it
    has none or cannot be parsed."""
    from sqlalchemy.engine import URL, make_url

    try:
        parsed = make_url(url)
    except Exception:
        return url
    # libpq also takes the password as a query parameter (?password=...)
    query = {k: v for k, v in parsed.query.items() if k.lower() not in SECRET_QUERY_KEYS}
    if parsed.password is None and len(query) == len(parsed.query):
        return url
    plain = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                       query)  # (URL.set ignores a None password)
    return plain.render_as_string(hide_password=False)


#: query parameters of a database URL that hold a secret (libpq's keywords)
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})  # (passfile names a file: kept)


def describe_url(url: str) -> str:
    """A database URL to show: a SQLite file's path, else the URL with every password
    (in the user part or the query) shown as ***."""
    if url.startswith("sqlite:///file:"):  # a URI filename: opened read-only (a full disk)
        from urllib.parse import unquote

        return unquote(url[len("sqlite:///file:"):].split("?", 1)[0]) + " (read-only)"
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "the database URL given"
    from urllib.parse import unquote

    query = {k: ("***" if k.lower() in SECRET_QUERY_KEYS else v) for k, v in parsed.query.items()}
    return unquote(parsed.set(query=query).render_as_string(hide_password=True))  # read, not reused
