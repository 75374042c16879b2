"""Engine and session set-up: SQLite hardening, read/write sessions. Where a folder's
database lives and how its URL is shown: :mod:`.db_location` (its names kept importable here)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import answer_deadline, pg_wire
from .fold import SQLITE_FOLD, fold
from .writable import read_only_reason, refused_write
from .db_location import (  # noqa: F401  (imported from here by the fronts and the project)
    SECRET_QUERY_KEYS,
    default_db_location,
    describe_url,
    fallback_db_path,
    folder_writable,
    sqlite_url,
    url_without_password,
)

SQLITE_BUSY_TIMEOUT_MS = 15000
#: PostgreSQL: how long a change waits for another reviewer's lock on the same image
#: (or a job's on a batch) before it fails with a message, as SQLite's busy timeout
#: does; without it a stuck session elsewhere would freeze this window's action
PG_LOCK_TIMEOUT_MS = 15000
#: PostgreSQL: how long opening a connection may take before it fails with a message
PG_CONNECT_TIMEOUT_S = 10
#: how long a reviewer's action in the window waits for another writer (a teammate's
#: change to the same image, an import, another program on the SQLite file) before it is
#: refused with a message: the long waits above are for batch jobs, and the window froze
#: for them (:func:`short_waits`)
INTERACTIVE_WAIT_MS = 1500

_WAIT_MS: ContextVar[Optional[int]] = ContextVar("llmvis_write_wait_ms", default=None)


@contextmanager
def short_waits(ms: Optional[int] = None) -> Iterator[None]:
    """Writes made in this block (this thread or task) wait at most ``ms`` (default
    :data:`INTERACTIVE_WAIT_MS`) for another
    writer's lock (PostgreSQL's lock timeout, SQLite's busy timeout, this process's own
    writers' turn) instead of the batch jobs' 15 s; then they fail: :class:`Busy` for this
    process's own writers, the driver's lock timeout / "database is locked" otherwise."""
    token = _WAIT_MS.set(int(INTERACTIVE_WAIT_MS if ms is None else ms))
    try:
        yield
    finally:
        _WAIT_MS.reset(token)


class Busy(RuntimeError):
    """A write waited its limit (:func:`short_waits`) for another writer; nothing was written."""


def _lower(text):
    return text.lower() if isinstance(text, str) else text


def _harden_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        # let SQLAlchemy, not the driver, decide when transactions begin
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MB: a 100k-image index stays in memory
        cur.close()
        # SQLite's own lower() changes ASCII letters only: searching "ärger" never found
        # "Ärger.png". Python's, as PostgreSQL's, lowers every letter.
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
        # the text search's: NFC + casefold (store/fold.py)
        dbapi_conn.create_function(SQLITE_FOLD, 1, fold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # writers take the write lock up front: a deferred BEGIN that later upgrades
        # can fail with SQLITE_BUSY without waiting for the busy timeout
        options = conn.get_execution_options()
        if not options.get("llmvis_write"):
            conn.exec_driver_sql("BEGIN")
            return
        wait = options.get("llmvis_wait_ms")
        if wait is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        was = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")  # (short_waits)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(was)}")


#: PostgreSQL: the application name a session of this app shows to the others
#: (``pg_stat_activity``), followed by who is working: a reviewer whose action waited
#: for a teammate's lock is told whose (``review_actions``)
PG_APP_PREFIX = "llmvis "


def app_person(name: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(person, what they are doing) read from a session's application name: ``llmvis
    <person>``, or ``llmvis [<doing>] <person>`` while a transaction says what it is doing
    (``repo_labels.say_doing``: an import, a rename); (None, None) for another program's."""
    if not name or not name.startswith(PG_APP_PREFIX):
        return None, None
    rest, doing = name[len(PG_APP_PREFIX):], None
    if rest.startswith("[") and "] " in rest:
        doing, rest = rest[1:].split("] ", 1)
    return (rest.strip() or None), (doing or None)


def _who() -> str:
    from ..config import load_config, person

    try:
        return person(None, load_config(warn=lambda *_: None))
    except Exception:  # a name is a courtesy: never a reason not to open
        return person()


def make_engine(url: str, who: Optional[str] = None) -> Engine:
    """``who``: the person working (PostgreSQL's application name, :data:`PG_APP_PREFIX`;
    default: the configured reviewer name, else the operating system's user name)."""
    is_sqlite = url.startswith("sqlite")
    kwargs = {}
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    elif url.startswith("postgresql"):
        # a server that accepts but never answers (hung, a half-open network path) made
        # opening wait forever: give up after PG_CONNECT_TIMEOUT_S, and notice a dead
        # connection later through TCP keepalives
        kwargs["connect_args"] = {"options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}",
                                  "connect_timeout": PG_CONNECT_TIMEOUT_S, "keepalives": 1,
                                  "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                                  "application_name": (PG_APP_PREFIX + (who or _who()))[:63]}
        # a pooled connection the server dropped (a restart) is noticed before use: the
        # first action after a restart failed ("terminating connection ...") though the
        # server was back
        kwargs["pool_pre_ping"] = True  # (a round trip only where the server spoke: pg_wire.quiet_ping)
        # no HSTORE column here: psycopg's look-up of the type at connect, three round
        # trips (a savepoint, the query, its release), was for nothing
        kwargs["use_native_hstore"] = False
        if make_url(url).get_driver_name() == "psycopg":  # a transaction's BEGIN with its first statement
            kwargs["connect_args"]["cursor_factory"] = pg_wire.one_trip_begin_cursor()
            # never prepared on the server: psycopg did it the 5th time a statement ran on a
            # connection, a round trip of its own (and DEALLOCATE ALL after each ROLLBACK);
            # parsing each time costs the server far less than a round trip to it
            kwargs["connect_args"]["prepare_threshold"] = None
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _harden_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        pg_wire.short_waits_with_begin(engine)
        pg_wire.quiet_ping(engine.dialect)  # (before answer_deadline wraps it)
        if engine.dialect.driver == "psycopg":  # (its conn.info: what the start-up said)
            pg_wire.one_trip_first_look(engine.dialect)
        answer_deadline.install(engine)  # the window's thread never waits on a hung server for good
    return engine


_WRITTEN = "llmvis_written_events"  # session.info key: ids noted by note_written_events


def note_written_events(session: Session, event_ids) -> None:
    """History events ``event_ids`` were written in this write transaction: once it
    commits, ``Store.written_here`` knows them (a window does not announce its own
    changes, index runs, reviews, imports, jobs, as a teammate's). Events added as ORM
    objects are noted at flush; a Core insert goes through :func:`insert_events`."""
    session.info.setdefault(_WRITTEN, []).extend(event_ids)


def insert_ids(session: Session, table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` into ``table`` (an integer primary key ``id``); their ids, in the
    order of ``rows``. SQLAlchemy keeps that order on SQLite only by inserting one row per
    statement (SQLite gives it no sentinel): 32 statements for a batch job's 32 rows, half
    of what storing them cost. A multi-row insert numbers its rows upwards in the order
    given, and the write transaction holds the lock, so there the ids sorted are in order."""
    if session.get_bind().dialect.name == "sqlite":
        return sorted(session.scalars(_insert_returning_id(table, False), rows))
    return list(session.scalars(_insert_returning_id(table, True), rows))


_INSERTS: dict = {}  # (table, in order): its statement, built once (a batch job inserts a batch at a time)


def _insert_returning_id(table, in_order: bool):
    """``INSERT INTO table ... RETURNING id`` (``in_order``: the ids in the rows' order)."""
    stmt = _INSERTS.get((table, in_order))
    if stmt is None:
        stmt = _INSERTS[(table, in_order)] = insert(table).returning(
            table.c.id, sort_by_parameter_order=in_order)
    return stmt


#: session.info key: the events ``repo_review.batched_events`` holds back, to insert at its end
BATCHED_EVENTS = "llmvis_batched_events"


def insert_events(session: Session, rows: list[dict]) -> None:
    """Insert history event rows (one statement, ids returned) and note them as written
    by this store (:func:`note_written_events`). Inside ``repo_review.batched_events``
    they join the events it holds back, in order (ids in the order the events were made)."""
    if not rows:
        return
    held = session.info.get(BATCHED_EVENTS)
    if held is not None:
        held.extend(rows)
        return
    from .models import Event

    note_written_events(session, session.scalars(_insert_returning_id(Event.__table__, False), rows).all())


def _note_flushed_events(session: Session, _flush_context) -> None:
    from .models import Event

    ids = [obj.id for obj in session.new if isinstance(obj, Event)]
    if ids:
        note_written_events(session, ids)


class DatabaseGone(OSError):
    """The project's database file is no longer where the project opened it."""


class Store:
    """An engine plus the two ways to use it: short read sessions and write transactions.

    One session per user action: ``with store.write() as s: ...`` commits on exit
    (or rolls back on an exception) and never hands live ORM objects outwards.
    """

    def __init__(self, url: str, who: Optional[str] = None, read_only: str | None = None) -> None:
        """``who``: the person this program acts for (named to teammates waiting on a lock);
        ``read_only``: why this store is opened read-only (a full disk), said when a
        change is refused."""
        self.url = url
        self._read_only = read_only
        self.engine = make_engine(url, who)
        # Writers of this process queue on a lock instead of in SQLite's busy handler,
        # which sleeps 1, 2, 5, 10 ms... between retries: a reviewer's accept waiting
        # behind the indexer's batch starts the moment that batch commits.
        self._write_lock = threading.RLock()
        # whether the write lock's holder is inside its BEGIN IMMEDIATE, waiting for a lock
        # another process holds on the file (then those queued behind it were told "another
        # job of this program has been writing" when another program held the file). Set as
        # make_engine's BEGIN IMMEDIATE is sent and cleared once it returned: a holder that has
        # not reached its first statement yet is this program's own writer
        self._holder_on_file = False
        event.listen(self.engine, "before_cursor_execute", self._begin_waits)
        event.listen(self.engine, "after_cursor_execute", self._began)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(llmvis_write=True), expire_on_commit=False
        )
        self._short_makers: dict[int, sessionmaker] = {}  # short_waits: one per wait
        event.listen(self._write, "after_flush", _note_flushed_events)  # ORM-added events: noted
        # a SQLite file: every write first checks it is still the file opened (deleted
        # with its folder, SQLite went on writing into the unlinked file: every review
        # "saved", then lost when the project closed)
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if path.startswith("file:"):  # a URI filename (immutable_url): its path, unquoted
            from urllib.parse import unquote

            path = unquote(path[len("file:"):].split("?", 1)[0])
        self._db_file = Path(path) if path and not path.startswith(":memory:") else None
        self._db_identity: tuple | None = None
        self._written: set[int] = set()  # see written_here
        self._written_lock = threading.Lock()  # (forget_written runs on a watch's thread)
        if self._db_file is not None and self._db_file.exists():
            self._check_file()

    def _check_file(self) -> None:
        if self._db_file is None:
            return
        try:
            st = os.stat(self._db_file)
        except FileNotFoundError:
            if self._db_identity is None:
                return  # not made yet: this write makes it
            raise DatabaseGone(f"the project database {self._db_file} is gone (was the "
                               f"folder deleted, moved or renamed?); nothing was saved. Open the "
                               f"project again") from None
        identity = (st.st_dev, st.st_ino)
        if self._db_identity is None:
            self._db_identity = identity
        elif identity != self._db_identity:
            raise DatabaseGone(f"the project database {self._db_file} was replaced by "
                               f"another file; nothing was saved. Open the project again")

    @property
    def db_file(self) -> Path | None:
        """The SQLite database file; None for a server's database."""
        return self._db_file

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction; a SQLite file that cannot be written is a
        :class:`.writable.DatabaseReadOnly` naming it and the fix. Within
        :func:`short_waits`, a lock held elsewhere is waited for that long only."""
        wait = _WAIT_MS.get()
        if not self._write_lock.acquire(timeout=-1 if wait is None else wait / 1000):
            if self._holder_on_file:  # it waits for the file too: held by another process
                raise Busy("the project database is locked: another program or job is writing to it")
            raise Busy(f"another job of this program has been writing to the project database "
                       f"for {wait / 1000:g} s")
        try:
            self._check_file()
            noted: list[int] = []
            maker = self._write if wait is None else self._short_writes(wait)
            try:
                with maker.begin() as session:
                    yield session
                    # known before the commit: a look at the history that sees them knows them
                    # (flushed first: events added since the last flush get their ids now)
                    session.flush()
                    noted = session.info.pop(_WRITTEN, [])
                    with self._written_lock:
                        self._written.update(noted)
            except BaseException as exc:
                with self._written_lock:
                    self._written.difference_update(noted)  # rolled back: never written
                if isinstance(exc, OperationalError) and self._db_file is not None:
                    refused = refused_write(self.read_only(), self._db_file, exc)
                    if refused is not None:
                        raise refused from exc
                raise
        finally:
            self._holder_on_file = False  # (a BEGIN that gave up: its wait is over)
            self._write_lock.release()

    def _begin_waits(self, conn, cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):  # (only the write lock's holder sends it)
            self._holder_on_file = True

    def _began(self, conn, cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            self._holder_on_file = False

    def _short_writes(self, wait: int) -> sessionmaker:
        maker = self._short_makers.get(wait)
        if maker is None:
            maker = self._short_makers[wait] = sessionmaker(
                self.engine.execution_options(llmvis_write=True, llmvis_wait_ms=wait), expire_on_commit=False)
            event.listen(maker, "after_flush", _note_flushed_events)  # as self._write's: written_here
        return maker

    def written_here(self, event_id: int) -> bool:
        """Whether history event ``event_id`` was written through this store (this
        project object: a window's own reviews, imports, jobs and index runs), not by
        another session, window or process (``llmvis``), whatever its actor."""
        return event_id in self._written

    def forget_written(self, below: int) -> None:
        """Drop the ids under ``below`` from what :meth:`written_here` knows (a watch that
        will not ask about them again: an import of 100k rows is not kept for good)."""
        with self._written_lock:
            self._written = {e for e in self._written if e >= below}

    def read_only(self) -> str | None:
        """Why this project's SQLite file cannot be written (naming it and the fix), or None."""
        return self._read_only or read_only_reason(self._db_file)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
