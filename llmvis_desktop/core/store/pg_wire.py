"""PostgreSQL connections: round trips a transaction need not make (each 50 ms and more
to a team's server across a network; tests/core/test_pg_round_trips.py counts them)."""
from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.engine import Engine

_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (no import of psycopg for SQLite)


def short_waits_with_begin(engine: Engine) -> None:
    """(engine.short_waits) for the transaction only, sent with its BEGIN: psycopg sends BEGIN as
    a round trip of its own before the first statement, and the ``SET LOCAL`` was one
    more before every review action (each 50 ms and more to a server across a network).
    Such a transaction's BEGIN is sent by this hook instead, the SET in the same message
    (the driver switched to autocommit for it, so that it sends no BEGIN of its own;
    switched back before the next transaction begins); as ``SET LOCAL`` it ends with the
    transaction, committed or rolled back."""
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        dbapi = conn.connection.dbapi_connection
        idle = dbapi.info.transaction_status == _PG_IDLE
        if idle and dbapi.autocommit:
            dbapi.autocommit = False  # left on by a short wait's transaction (below)
        wait = options.get("llmvis_wait_ms")
        if wait is None:
            return
        if idle:
            dbapi.autocommit = True
            conn.exec_driver_sql(f"BEGIN; SET LOCAL lock_timeout = {int(wait)}")
        else:  # (not expected: a transaction the driver began already)
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait)}")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi, _record):
        if dbapi is not None and getattr(dbapi, "autocommit", False) and not dbapi.closed \
                and dbapi.info.transaction_status == _PG_IDLE:
            dbapi.autocommit = False


def quiet_ping(dialect) -> None:
    """The pool's check of a pooled connection before use (``pool_pre_ping``) without a
    round trip when nothing came from the server since the connection was last used: a
    server that ends a connection (a restart, an administrator, an idle timeout) says so
    and closes it, and the socket is readable. Only then, or when the driver's state is
    not plainly idle, is the server pinged (a round trip before every transaction, read
    or write, before)."""
    ping = dialect.do_ping

    def do_ping(dbapi_conn):
        try:
            quiet = (not dbapi_conn.closed and dbapi_conn.info.transaction_status == _PG_IDLE
                     and not select.select([dbapi_conn.fileno()], [], [], 0)[0])
        except Exception:  # a closed or odd connection: the server decides
            quiet = False
        return True if quiet else ping(dbapi_conn)

    dialect.do_ping = do_ping
