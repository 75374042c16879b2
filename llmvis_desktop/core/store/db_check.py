"""A team database looked at before it is opened: can it be reached, does it hold this
folder's project, and what went wrong, in plain words.

``check_database(url, folder, password=None) -> DbCheck`` connects once (a short
connect timeout, no pool), lists the tables and reads the project row: the window's
"Open team project…" dialog runs it off the GUI thread behind "Test connection".
``connect_problem(exc, url)`` turns a failed connection (the driver's exception, or a
:class:`~llmvis_desktop.core.project_open.ProjectError` raised from one) into the same
words; ``url_with_password`` puts a password typed apart into a URL, never written to
disk (:func:`.db_location.url_without_password` takes it out again).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

#: a database driver's module -> what `pip install` gets it
DRIVER_PACKAGES = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary", "pg8000": "pg8000",
                   "asyncpg": "asyncpg", "pymysql": "PyMySQL", "mysqldb": "mysqlclient"}

#: seconds a test connection waits for the server before saying it cannot be reached
CHECK_TIMEOUT_S = 5

#: kinds of outcome: the project is there / the database is empty (a project is made
#: there at the open) / it holds the project made from another folder (the same share
#: mounted elsewhere is fine)
OK, EMPTY, OTHER_FOLDER = "ok", "empty", "other_folder"
#: kinds of failure
DRIVER, UNREACHABLE, AUTH, NO_DATABASE, FOREIGN, BAD_URL, OTHER = (
    "driver", "unreachable", "auth", "no_database", "foreign", "bad_url", "other")


@dataclass(frozen=True)
class DbCheck:
    kind: str
    message: str
    #: the project's folder as stored (OK / OTHER_FOLDER), its image count
    root: Optional[str] = None
    images: Optional[int] = None

    @property
    def opens(self) -> bool:
        """Whether Open can go ahead (a folder mounted elsewhere is said, not refused)."""
        return self.kind in (OK, EMPTY, OTHER_FOLDER)

    @property
    def needs_password(self) -> bool:
        return self.kind == AUTH


def url_with_password(url: str, password: Optional[str]) -> str:
    """``url`` with ``password`` as its password (none given: ``url`` as it is)."""
    if not password:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)


def password_of(url: str) -> Optional[str]:
    """The password written in ``url`` (user part or ``?password=``), else None."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None
    if parsed.password:
        return str(parsed.password)
    for key, value in parsed.query.items():
        if key.lower() == "password":
            return value if isinstance(value, str) else (value[0] if value else None)
    return None


def server_of(url: str) -> str:
    """Where the server is, as a person would write it: ``host:port`` (a socket folder
    given as ``?host=/run/postgresql`` is named as it is); "" for a SQLite file."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return ""
    if parsed.get_backend_name() == "sqlite":
        return ""
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = parsed.port or parsed.query.get("port") or {"postgresql": 5432, "mysql": 3306}.get(
        parsed.get_backend_name(), "")
    if isinstance(port, tuple):
        port = port[0]
    return f"{host}:{port}" if port else str(host)


def _names(url: str) -> tuple[str, str]:
    """(user, database) named in ``url`` (the user defaults as libpq's does)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "", ""
    import getpass

    try:
        default_user = getpass.getuser()
    except Exception:  # (no user name in the environment)
        default_user = ""
    return parsed.username or default_user, parsed.database or parsed.username or default_user


def _chain(exc: BaseException):
    """``exc``, the driver's exception it wraps, and their causes."""
    seen = []
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return seen


def connect_problem(exc: BaseException, url: str) -> Optional[DbCheck]:
    """What a failed connection to ``url`` means, or None when ``exc`` is not one
    (a refused statement, a schema this version cannot use)."""
    user, database = _names(url)
    server = server_of(url)
    for e in _chain(exc):
        if isinstance(e, ImportError):
            module = (getattr(e, "name", None) or str(e).split("'")[1 if "'" in str(e) else 0]).split(".")[0]
            package = DRIVER_PACKAGES.get(module.lower(), module)
            return DbCheck(DRIVER, f"The database driver {module} is not installed here: install it with "
                                   f"pip install {package} (or write the URL as postgresql+psycopg://…, the "
                                   f"driver that pip install llmvis-desktop[postgresql] brings).")
    texts = []
    for e in _chain(exc):
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        text = str(e).strip()
        texts.append(text)
        low = text.lower()
        no_role = re.search(r'role "[^"]*" does not exist', low) is not None
        if code in ("28P01", "28000") or "password authentication failed" in low \
                or "no password supplied" in low or no_role:
            if "no password supplied" in low:
                why = f"asks for the password of user {user!r}, and none was given"
            elif no_role:
                why = f"has no user {user!r}"
            else:
                why = f"refused the password of user {user!r}"
            return DbCheck(AUTH, f"Authentication failed: the server at {server} {why}.")
        if code == "3D000" or re.search(r'database "[^"]*" does not exist', low):
            return DbCheck(NO_DATABASE, f"The server at {server} has no database {database!r} "
                                        f"(ask its administrator to create it, or check the name).")
    for low in (t.lower() for t in texts):
        if any(w in low for w in ("connection refused", "could not translate host name",
                                  "name or service not known", "timeout expired", "timed out",
                                  "no route to host", "network is unreachable", "could not connect",
                                  "connection failed", "no such file or directory")):
            first = next((t for t in texts if t), "")
            detail = first.splitlines()[0][:200] if first else ""
            return DbCheck(UNREACHABLE, f"The database server at {server} cannot be reached "
                                        f"({detail}): check the host and port, and that the server runs.")
    return None


def _sqlite_check(url: str, folder: Optional[Path]) -> DbCheck:
    from sqlalchemy.engine import make_url

    path = make_url(url).database or ""
    if not path or path == ":memory:" or not Path(path).is_file():
        return DbCheck(NO_DATABASE, f"There is no database file at {path or url}.")
    return _contents(url, folder, f"the file {path}")


def _contents(url: str, folder: Optional[Path], where: str) -> DbCheck:
    """What the database holds, for ``folder`` (None: no folder chosen yet)."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    args = {"connect_timeout": CHECK_TIMEOUT_S} if url.startswith("postgresql") else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=args)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not tables:
                return DbCheck(EMPTY, f"Connected: {where} is empty. Open makes a new llmvis project there "
                                      f"for this folder.")
            if not {"alembic_version", "project"} <= tables:
                return DbCheck(FOREIGN, f"{where} holds {len(tables)} tables of another program and no llmvis "
                                        f"project: choose another database.")
            root = conn.execute(text("SELECT root FROM project WHERE id = 1")).scalar()
            images = conn.execute(text("SELECT count(*) FROM images")).scalar() if "images" in tables else 0
    finally:
        engine.dispose()
    if root is None:
        return DbCheck(EMPTY, f"Connected: {where} holds no llmvis project yet. Open makes one there "
                              f"for this folder.")
    here = str(folder.expanduser().resolve()) if folder is not None else ""
    if here and root != here:
        return DbCheck(OTHER_FOLDER, f"Connected, but {where} holds the project of another folder, {root} "
                                     f"({images:,} images), not of {here}. Open it only if that is the same "
                                     f"share mounted in another place.", root, images)
    return DbCheck(OK, f"Connected: {where} holds this folder's project ({images:,} images).", root, images)


def check_database(url: str, folder: Path | str = "", password: Optional[str] = None) -> DbCheck:
    """Connect to ``url`` (with ``password``, if given) and say what it holds for
    ``folder``; never raises for a connection's failure (its kind and words instead)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    url = url.strip()
    try:
        parsed = make_url(url)
    except ArgumentError:
        return DbCheck(BAD_URL, "The database URL cannot be read; write it as "
                                "postgresql+psycopg://user@host/database.")
    folder = Path(folder) if folder else None
    full = url_with_password(url, password)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_check(full, folder)
        user, database = _names(url)
        return _contents(full, folder, f"database {database!r} on {server_of(url)}")
    except NoSuchModuleError:
        return DbCheck(BAD_URL, f"{url.split(':', 1)[0]!r} is no database type llmvis knows; write the URL "
                                f"as postgresql+psycopg://user@host/database.")
    except Exception as exc:  # noqa: BLE001 - said in words, whatever the driver raised
        problem = connect_problem(exc, url)
        if problem is not None:
            return problem
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        return DbCheck(OTHER, f"The database could not be read: {first[:200]}")
