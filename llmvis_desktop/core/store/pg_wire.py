"""PostgreSQL connections: round trips a transaction need not make (each 50 ms and more
to a team's server across a network; tests/core/test_pg_round_trips.py counts them)."""
from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.engine import Engine

_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (no import of psycopg for SQLite)


#: attribute of a psycopg connection: what its next transaction sends after its BEGIN, in
#: the same round trip as its first statement (:class:`OneTripBegin`)
_WITH_BEGIN = "_llmvis_with_begin"


def one_trip_begin_cursor():
    """psycopg's cursor class (``cursor_factory``), a transaction's BEGIN sent with its
    first statement: psycopg sent BEGIN as a round trip of its own before it (a pipeline's
    too: it syncs after BEGIN), in every transaction, read or write (each 50 ms and more
    to a server across a network). Here the statement that starts a transaction goes in a
    pipeline behind our own BEGIN (and what :data:`_WITH_BEGIN` holds: the short waits'
    ``SET LOCAL``), one round trip; the driver is switched to autocommit for the rest of
    that transaction so that it sends no BEGIN of its own (switched back before the next
    transaction begins, :func:`short_waits_with_begin`); its COMMIT and ROLLBACK are sent
    as before. Only ``execute`` and ``executemany`` fold it; a COPY starting a transaction
    (no pipeline for it) has the BEGIN sent first, with what goes with it, as before."""
    import psycopg

    class OneTripBegin(psycopg.Cursor):
        def _starts(self) -> bool:
            conn = self.connection
            return not conn.autocommit and conn.info.transaction_status == _PG_IDLE

        def _begin(self, then=None):
            conn = self.connection
            with_begin = getattr(conn, _WITH_BEGIN, None)
            setattr(conn, _WITH_BEGIN, None)
            conn.autocommit = True  # (the BEGIN is ours)
            with conn.pipeline():
                conn.execute("BEGIN")
                if with_begin:
                    conn.execute(with_begin)
                if then is not None:
                    then()

        def execute(self, query, params=None, **kwargs):
            if not self._starts():
                return super().execute(query, params, **kwargs)
            self._begin(lambda: super(OneTripBegin, self).execute(query, params, **kwargs))
            return self

        def executemany(self, query, params_seq, **kwargs):
            if not self._starts():
                return super().executemany(query, params_seq, **kwargs)
            self._begin(lambda: super(OneTripBegin, self).executemany(query, params_seq, **kwargs))

        def copy(self, statement, params=None, **kwargs):
            if self._starts():
                self._begin()
            return super().copy(statement, params, **kwargs)

    OneTripBegin.__name__ = OneTripBegin.__qualname__ = "OneTripBegin"
    return OneTripBegin


def _folds_begin(dbapi) -> bool:
    factory = getattr(dbapi, "cursor_factory", None)
    return getattr(factory, "__name__", "") == "OneTripBegin"


def short_waits_with_begin(engine: Engine) -> None:
    """(engine.short_waits) for the transaction only, sent with its BEGIN: psycopg sends BEGIN as
    a round trip of its own before the first statement, and the ``SET LOCAL`` was one
    more before every review action (each 50 ms and more to a server across a network).
    With :func:`one_trip_begin_cursor` the SET goes with the BEGIN and the transaction's
    first statement, one round trip. Another cursor: such a transaction's BEGIN is sent by
    this hook, the SET in the same message (the driver switched to autocommit for it, so
    that it sends no BEGIN of its own; switched back before the next transaction begins).
    As ``SET LOCAL`` it ends with the transaction, committed or rolled back."""
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        dbapi = conn.connection.dbapi_connection
        idle = dbapi.info.transaction_status == _PG_IDLE
        if idle and dbapi.autocommit:
            dbapi.autocommit = False  # left on by the last transaction (its BEGIN ours)
        wait = options.get("llmvis_wait_ms")
        if _folds_begin(dbapi) and idle:
            setattr(dbapi, _WITH_BEGIN, None if wait is None else f"SET LOCAL lock_timeout = {int(wait)}")
            return
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
        if dbapi is not None and getattr(dbapi, _WITH_BEGIN, None):
            setattr(dbapi, _WITH_BEGIN, None)


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


#: SQLAlchemy's first look at the server (the schema and the isolation level are what the
#: server's start-up does not say), one statement
_FIRST_LOOK_SQL = "SELECT current_schema(), current_setting('transaction_isolation')"


def _version_tuple(number: int) -> tuple[int, ...]:
    """The server's version number (``conn.info.server_version``: 160004, 90624) as
    SQLAlchemy reads it from ``version()``: (16, 4), (9, 6, 24)."""
    if number >= 100000:
        return number // 10000, number % 10000
    return number // 10000, number // 100 % 100, number % 100


def one_trip_first_look(dialect) -> None:
    """SQLAlchemy's first look at the server (``dialect.initialize``, on the engine's first
    connection) in one round trip instead of five: it asked for the server's version
    (``select version()``, with a BEGIN), ``current_schema()``, the isolation level and
    ``standard_conforming_strings`` one after the other, then rolled back. The version and
    ``standard_conforming_strings`` came already with the connection's start-up
    (ParameterStatus: psycopg's ``conn.info``); the schema and the isolation level are one
    statement outside a transaction (nothing to roll back). SQLAlchemy's own check is kept
    for what the start-up did not say, or a connection already in a transaction."""
    own_version = dialect._get_server_version_info
    own_schema = dialect._get_default_schema_name
    own_isolation = dialect.get_default_isolation_level
    own_escapes = dialect._set_backslash_escapes
    looked: dict[int, tuple] = {}  # id(dbapi connection) -> (schema, isolation level)

    def _dbapi(connection):
        return connection.connection.dbapi_connection

    def server_version(connection):
        number = getattr(_dbapi(connection).info, "server_version", 0)
        return _version_tuple(number) if number else own_version(connection)

    def default_schema(connection):
        dbapi = _dbapi(connection)
        if dbapi.info.transaction_status != _PG_IDLE:
            return own_schema(connection)
        was = dbapi.autocommit
        dbapi.autocommit = True  # (no BEGIN: nothing to roll back)
        try:
            with dbapi.cursor() as cur:
                cur.execute(_FIRST_LOOK_SQL)
                schema, isolation = cur.fetchone()
        finally:
            dbapi.autocommit = was
        looked[id(dbapi)] = schema, isolation
        return schema

    def default_isolation(dbapi_conn):
        got = looked.pop(id(dbapi_conn), None)
        return got[1].upper() if got else own_isolation(dbapi_conn)

    def backslash_escapes(connection):
        standard = _dbapi(connection).info.parameter_status("standard_conforming_strings")
        if standard is None:
            return own_escapes(connection)
        dialect._backslash_escapes = standard == "off"

    dialect._get_server_version_info = server_version
    dialect._get_default_schema_name = default_schema
    dialect.get_default_isolation_level = default_isolation
    dialect._set_backslash_escapes = backslash_escapes
