"""Argument types shared by the ``llmvis`` subcommands: a bad number is a usage error
(exit 2, argparse's message naming the option), never a silent clamp."""
from __future__ import annotations

import argparse
import math
import re
import sys
from typing import Optional


def absolute(path) -> Optional[str]:
    """A path as a ``--json`` object gives it: absolute (``..`` taken out), so a script run
    from another folder can use it (``None`` stays ``None``)."""
    import os

    return None if path is None else os.path.abspath(os.path.expanduser(str(path)))


def load_config():
    """The user's configuration for a command: each wrong setting is one ``warning:``
    line on stderr and takes its default (as the desktop app does); the CLI never
    writes the file."""
    from .core.config import load_config as load

    return load(warn=lambda line: print(f"warning: {line}", file=sys.stderr))


def config_of(args):
    """The command's configuration, loaded once and kept on ``args.config`` (a command that
    loaded it twice named each wrong setting twice)."""
    cfg = getattr(args, "config", None)
    if cfg is None:
        cfg = args.config = load_config()
    return cfg


def open_project(args, folder=None, db=None):
    """``Project.open`` as every command does it: the folder's project (``args.folder`` and
    ``args.db`` unless given), its images read under the configured ``max_image_pixels``."""
    from .core.project import Project

    from .core.store.engine import describe_url

    folder = args.folder if folder is None else folder
    db = getattr(args, "db", None) if db is None else db
    # a teammate's change waiting for this command's lock names its --actor, not the
    # configured reviewer (PostgreSQL's application name)
    who = (getattr(args, "actor", None) or "").strip() or None
    project = Project.open(folder, db, max_pixels=config_of(args).max_image_pixels, who=who)
    args.database_shown = describe_url(project.db_url)  # named in a "disk full" error
    return project


def no_project(args) -> str | None:
    """Why ``args.folder`` holds no project database (its own ``.llmvis/project.sqlite``, or
    the copy a read-only folder's is kept as in the data folder), or None when it has one,
    ``--db`` names the database, or it is no folder at all (``Project.open`` says so). A
    command that only reads a project (info, labels list/remove, evaluate, export, import)
    refuses with this before ``Project.open`` would make an empty one."""
    from pathlib import Path

    from .core import config
    from .core.open_checks import unlistable
    from .core.store.engine import fallback_db_path, folder_writable
    from .core.store.moved_copies import moved_note

    if getattr(args, "db", None):
        return no_database(args.folder, args.db)
    folder = args.folder
    root = Path(folder).expanduser()
    if not root.is_dir():
        return None
    root = root.resolve()
    if unlistable(root):  # Project.open says so
        return None
    own, copy = root / ".llmvis" / "project.sqlite", fallback_db_path(root, config.data_dir())
    if own.exists() or copy.exists():
        return None
    if own.parent.exists() or folder_writable(root):
        return (f"{folder}: no project here (no .llmvis/project.sqlite); run llmvis index {folder} first, "
                f"or pass --db")
    # a read-only folder's database is kept in the user data folder, keyed by its path:
    # a folder moved, renamed or remounted has its work under its old path's key
    where = (f"{folder}: no project here (the folder is read-only, so its project database would be kept "
             f"in the user data folder, at {copy}, and there is none)")
    moved = moved_note(root, config.data_dir(), copy)
    if moved:
        return f"{where}; {moved}. To start a new project for it instead: llmvis index {folder}"
    return f"{where}; run llmvis index {folder} first, or pass --db"


def no_database(folder, db: str) -> str | None:
    """Why the ``--db`` database ``db`` holds no project, or None when it may (or the URL
    is wrong in a way ``Project.open`` says). A SQLite file that is not there (a mistyped
    path: opening it made the file, and a .open-lock beside it), or a server's database
    with no tables at all (opening it made the schema and a project row), is refused by
    the commands that only read a project, with nothing written: the message names the
    database and the ``llmvis index`` that makes it there."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from .core.store.engine import url_without_password

    try:
        url = make_url(db)
        backend = url.get_backend_name()
    except Exception:  # noqa: BLE001 - Project.open says what is wrong with it
        return None
    shown, make = url_without_password(db), f"to make it: {index_command(folder, db)}"
    if backend == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or path.startswith("file:") or url.query.get("uri"):
            return None  # in memory, or a URI filename (opened as SQLite reads it)
        if Path(path).exists():
            return None
        return f"--db {shown}: no project database at {path} (nothing was made there); {make}"
    tables = _server_tables(db)
    if tables is None or tables:  # unreachable (Project.open says why), or holds tables
        return None
    return f"--db {shown}: the database holds no llmvis project (no tables; nothing was written); {make}"


def _server_tables(db: str) -> list[str] | None:
    """The tables of a server's database, or None when it cannot be read."""
    from sqlalchemy import inspect

    from .core.store.engine import make_engine

    try:
        engine = make_engine(db)
    except Exception:  # noqa: BLE001 - a driver missing...: Project.open says so
        return None
    try:
        with engine.connect() as conn:
            return list(inspect(conn).get_table_names())
    except Exception:  # noqa: BLE001 - unreachable, no such database...: Project.open says so
        return None
    finally:
        engine.dispose()


def index_command(folder, db: str | None = None) -> str:
    """The ``llmvis index`` that makes (or fills) the project of ``folder``: into ``db``
    when the command was given one (without it, the command said indexes the folder's own
    database), its password left out."""
    import shlex

    from .core.store.engine import url_without_password

    return f"llmvis index {folder}" + (f" --db {shlex.quote(url_without_password(db))}" if db else "")


def require_indexed(project, folder, db: str | None = None):
    """``project``, when an index has ever listed its folder: an export or a report of a
    folder never indexed wrote an empty dataset, or all zeros, and exited 0. ``db``: the
    ``--db`` given, named in the command to run."""
    from .core.project import ProjectError

    if not project.ever_indexed():
        raise ProjectError(f"{folder} is not indexed yet: {index_command(folder, db)}")
    return project


def add_db(parser, default: str = "FOLDER/.llmvis/project.sqlite") -> None:
    """``--db URL``, its default said in ``--help``."""
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"SQLAlchemy database URL, e.g. a team's PostgreSQL (default: {default})")


def add_actor(parser) -> None:
    """``--actor NAME``: who the history records for the command's changes."""
    parser.add_argument("--actor", default=None, metavar="NAME",
                        help="who the history records for these changes (default: the reviewer name in the "
                             "configuration, else your user name)")


def actor(args, cfg=None) -> str:
    """The person a command's changes are recorded as (see :func:`..core.config.person`)."""
    from .core.config import person

    if cfg is None and not getattr(args, "actor", None):
        cfg = config_of(args)
    return person(getattr(args, "actor", None), cfg)


def positive(text: str) -> int:
    """An integer of at least 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def non_negative(text: str) -> int:
    """An integer of at least 0."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number above 0 (``nan`` and ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text}")
    return value


#: what ``--device`` takes, for the help texts
DEVICE_CHOICES = "auto, cpu, cuda, cuda:N, mps"


def device(text: str) -> str:
    """``--device``: auto, cpu, mps, cuda or cuda:N (one GPU of several)."""
    value = text.strip().lower()
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
        raise argparse.ArgumentTypeError(f"unknown device {text!r} ({DEVICE_CHOICES})")
    return value


def device_problem(value: Optional[str]) -> Optional[str]:
    """Why the ``--device`` given cannot be used on this machine (``device 'cuda:3' is not
    available here (found: cpu)``, or naming how many GPUs it has), or None (none given,
    auto, cpu, or there). Every command that takes --device checks it before any work, the
    paths that never load a model (suggest --learned, repair apply with telea or ns) too."""
    if value in (None, "auto", "cpu"):
        return None
    from .core.suggest.device import DeviceError, resolve

    try:
        resolve(value)
    except DeviceError as exc:
        return str(exc)
    return None


def tile_side(text: str) -> int:
    """A training tile's side: a multiple of 8 from 16 to 1024 (the networks halve it three times)."""
    value = _integer(text)
    if value % 8 or not 16 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must be a multiple of 8 from 16 to 1024, not {text}")
    return value


#: how an interrupted command says it can go on
RUN_AGAIN = "run again to resume"


def interrupted(kept: str, then: str = "") -> str:
    """How every command says a Ctrl+C (or SIGTERM) stopped it, after its ``llmvis CMD: ``:
    ``interrupted; KEPT`` (what it kept, or that nothing was written) then ``; THEN`` (how
    to go on), one style for all (index said "interrupted; kept: ...", repair train
    "cancelled; ...", import "interrupted (nothing was imported)")."""
    return f"interrupted; {kept}" + (f"; {then}" if then else "")


def term_as_interrupt():
    """Handle SIGTERM and SIGHUP as Ctrl+C (KeyboardInterrupt: the command keeps what it
    committed, stops its helper processes and exits 130) until the returned function is
    called, which puts the previous handlers back. A no-op off the main thread. SIGHUP (the
    terminal closed, an ssh session dropped) ended `repair train` with no checkpoint saved
    (up to 199 steps lost); one ignored at start (``nohup``) stays ignored: the job goes on."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    kept = []
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None or (name == "SIGHUP" and signal.getsignal(sig) == signal.SIG_IGN):
            continue
        try:
            kept.append((sig, signal.signal(sig, interrupt)))
        except (ValueError, OSError, AttributeError):  # not the main thread
            break

    def restore() -> None:
        for sig, old in kept:
            signal.signal(sig, signal.SIG_DFL if old is None else old)

    return restore
