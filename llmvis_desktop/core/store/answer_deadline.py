"""A deadline for the window's own waits on a PostgreSQL server.

A server that stops answering without closing the connection (hung, stopped with
SIGSTOP, a network path gone half-open) froze the window for good on its next read:
moving to the next image read its suggestions on the window's thread, and libpq has no
client-side limit on a query (TCP retries a lost path for many minutes, a hung server's
kernel keeps acknowledging). Statements, COMMITs and ROLLBACKs on a thread marked interactive
(:func:`mark_interactive`: the window's) get :data:`DEADLINE_S`; past it the
connection's socket is shut down, so the wait ends in a connection error that names the
deadline (the window already says "The project database cannot be reached ...") and the
connection is thrown away; a new connection from that thread gives up after as long.
For :data:`QUIET_S` after a deadline passed, that thread's next checkouts fail at once
with the same reason (moving on read three times and waited 5 s each), until a
statement on any thread (the window's look for teammates' changes) is answered. Other threads (jobs, the command line, the window's workers) wait as before. Core code:
no Qt here."""
from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from typing import Optional

from sqlalchemy import event

DEADLINE_S = 5.0
QUIET_S = 15.0

_quiet_until = 0.0  # monotonic time: till then the interactive thread does not try the server

_interactive: set[int] = set()


def mark_interactive(thread: Optional[threading.Thread] = None) -> None:
    """Give statements on ``thread`` (default: this one) the deadline."""
    _interactive.add((thread or threading.current_thread()).ident)


def unmark_interactive(thread: Optional[threading.Thread] = None) -> None:
    _interactive.discard((thread or threading.current_thread()).ident)


def _here() -> bool:
    return threading.get_ident() in _interactive


def deadline_text() -> str:
    return (f"the database server did not answer within {DEADLINE_S:g} s (the server hung, "
            f"or the network path to it is down)")


class _Watchdog:
    """One thread shutting down the sockets of statements past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        # id(dbapi connection): (deadline, fd, the connection, weakly)
        self._armed: dict[int, tuple[float, int, weakref.ref]] = {}
        self.fired: set[int] = set()  # id(dbapi connection) whose socket was shut down
        self._thread: Optional[threading.Thread] = None

    def arm(self, dbapi_conn, seconds: float) -> None:
        try:
            fd = dbapi_conn.fileno()
        except Exception:  # a connection already closed: nothing to wait on
            return
        with self._cond:
            self.fired.discard(id(dbapi_conn))
            self._armed[id(dbapi_conn)] = (time.monotonic() + seconds, fd, weakref.ref(dbapi_conn))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="llmvis-db-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self, dbapi_conn) -> bool:
        """Whether the deadline had passed (the connection's socket was shut down)."""
        with self._cond:
            self._armed.pop(id(dbapi_conn), None)
            return id(dbapi_conn) in self.fired

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, (deadline, fd, ref) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[key]
                        if not _still(ref(), fd):  # closed meanwhile: fd may be another's now
                            continue
                        self.fired.add(key)
                        _shut(fd)
                        global _quiet_until
                        _quiet_until = now + QUIET_S
                soonest = min((d for d, _, _ in self._armed.values()), default=None)
                self._cond.wait(None if soonest is None else max(0.0, soonest - now))


def _still(dbapi_conn, fd: int) -> bool:
    try:
        return dbapi_conn is not None and not dbapi_conn.closed and dbapi_conn.fileno() == fd
    except Exception:
        return False


def _shut(fd: int) -> None:
    """End the blocked wait on ``fd`` (the owner's thread sees the connection closed)."""
    try:
        dup = os.dup(fd)
    except OSError:
        return
    try:
        with socket.socket(fileno=dup) as sock:  # closes the duplicate only
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


WATCHDOG = _Watchdog()


def install(engine) -> None:
    """Give ``engine``'s PostgreSQL statements, checkout pings and connects made on an
    interactive thread the deadline."""
    dialect = engine.dialect
    ping = dialect.do_ping

    def refuse_if_quiet() -> None:
        if time.monotonic() < _quiet_until:
            raise dialect.loaded_dbapi.OperationalError(deadline_text())

    def do_ping(dbapi_conn):
        if not _here():
            return ping(dbapi_conn)
        refuse_if_quiet()
        WATCHDOG.arm(dbapi_conn, DEADLINE_S)
        try:
            result = ping(dbapi_conn)
        except dialect.loaded_dbapi.Error:
            if WATCHDOG.disarm(dbapi_conn):  # not another connection tried for as long again
                raise dialect.loaded_dbapi.OperationalError(deadline_text()) from None
            raise
        if WATCHDOG.disarm(dbapi_conn):
            raise dialect.loaded_dbapi.OperationalError(deadline_text())
        return result

    dialect.do_ping = do_ping

    def bounded(step):  # COMMIT and ROLLBACK go through the connection, not a cursor
        def run(conn, *args):
            if not _here():
                return step(conn, *args)
            # the driver's own connection: SQLAlchemy passes a wrapper here (the first
            # connect's ROLLBACK passes one that takes no weak reference)
            dbapi_conn = getattr(conn, "dbapi_connection", None) or conn
            WATCHDOG.arm(dbapi_conn, DEADLINE_S)
            try:
                return step(conn, *args)
            except dialect.loaded_dbapi.Error:
                if WATCHDOG.disarm(dbapi_conn):
                    raise dialect.loaded_dbapi.OperationalError(deadline_text()) from None
                raise
            finally:
                WATCHDOG.disarm(dbapi_conn)
        return run

    dialect.do_commit = bounded(dialect.do_commit)
    dialect.do_rollback = bounded(dialect.do_rollback)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _rec, _cargs, cparams):
        if _here():
            refuse_if_quiet()
            cparams["connect_timeout"] = min(int(cparams.get("connect_timeout") or DEADLINE_S), max(2, int(DEADLINE_S)))

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(_conn, cursor, *_):
        if _here():
            WATCHDOG.arm(cursor.connection, DEADLINE_S)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(_conn, cursor, *_):
        global _quiet_until
        if not _here():
            _quiet_until = 0.0  # answered: the server is back
        elif not WATCHDOG.disarm(cursor.connection):
            _quiet_until = 0.0

    @event.listens_for(engine, "handle_error")
    def _late(context):
        run = context.execution_context
        dbapi_conn = getattr(getattr(run, "cursor", None), "connection", None) if run is not None else None
        if dbapi_conn is None or not WATCHDOG.disarm(dbapi_conn):
            return None
        context.is_disconnect = True  # the pool throws the connection away
        from sqlalchemy.exc import OperationalError

        return OperationalError(context.statement, context.parameters,
                                dialect.loaded_dbapi.OperationalError(deadline_text()))
