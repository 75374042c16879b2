"""For tests that race two sessions of one project database: wait until a racing thread
has reached its step and either finished it or waits on a database lock, so that the
thread holding the lock goes on only once the race is set up (no clock decides it).

A thread waiting on a lock is one that PostgreSQL lists as waiting on a lock
(``pg_stat_activity``) or one trying the taxonomy's advisory lock a second time in a row
(store/taxonomy_lock.py tries it, never queues for it), or, on SQLite, one inside
``BEGIN IMMEDIATE`` (every writer of the store takes the write lock up front there:
store/engine.py)."""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator, Optional

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

GUARD_S = 120  # a hang guard only: a race that is set up is seen in milliseconds


class LockWatch:
    """Which threads are waiting on a lock of the database at ``url`` (None or a
    ``sqlite`` URL: SQLite)."""

    def __init__(self, url: Optional[str]) -> None:
        self.pg = url is not None and url.startswith("postgresql")
        self._engine = create_engine(url, poolclass=NullPool) if self.pg else None
        self._beginning: set[threading.Thread] = set()
        self._last: dict[threading.Thread, str] = {}  # each thread's last statement
        self._retrying: set[threading.Thread] = set()  # a lock's try failed: trying again
        self._lock = threading.Lock()

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        me = threading.current_thread()
        with self._lock:
            if statement.strip().upper().startswith("BEGIN IMMEDIATE"):
                self._beginning.add(me)
            if "pg_try_advisory" in statement and self._last.get(me) == statement:
                self._retrying.add(me)
            elif "pg_try_advisory" not in statement:  # (got it, or gave up: no longer trying)
                self._retrying.discard(me)
            self._last[me] = statement

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        with self._lock:
            self._beginning.discard(threading.current_thread())

    def _failed(self, context):
        self._after(None, None, None, None, None, None)

    def waiting(self, thread: threading.Thread) -> bool:
        """Whether ``thread`` (PostgreSQL: any session of the database) waits on a lock."""
        if self.pg:
            with self._lock:
                if thread in self._retrying:
                    return True
            with self._engine.connect() as c:
                return bool(c.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar())
        with self._lock:
            return thread in self._beginning

    def reached(self, thread: threading.Thread, step: threading.Event) -> str:
        """Wait until ``thread`` set ``step`` and then finished or waits on a lock; which
        one: "done" or "waiting"."""
        deadline = time.monotonic() + GUARD_S
        assert step.wait(GUARD_S), f"{thread.name} never reached its step of the race"
        pause = threading.Event()
        while thread.is_alive():
            if self.waiting(thread):
                return "waiting"
            assert time.monotonic() < deadline, f"{thread.name} neither finished nor waited on a lock"
            pause.wait(0.002)
        return "done"

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@contextlib.contextmanager
def lock_watch(url: Optional[str]) -> Iterator[LockWatch]:
    """A :class:`LockWatch` for the database at ``url``, its statement hooks on every
    engine while it is open."""
    watch = LockWatch(url)
    event.listen(Engine, "before_cursor_execute", watch._before)
    event.listen(Engine, "after_cursor_execute", watch._after)
    event.listen(Engine, "handle_error", watch._failed)
    try:
        yield watch
    finally:
        event.remove(Engine, "before_cursor_execute", watch._before)
        event.remove(Engine, "after_cursor_execute", watch._after)
        event.remove(Engine, "handle_error", watch._failed)
        watch.close()
