"""A transaction's BEGIN sent with its first statement (store/pg_wire.one_trip_begin_cursor):
still one transaction whatever starts it (a statement, the indexer's raw executemany, a
COPY, a statement that fails), with the short waits' lock timeout, and the connection
fine for the next one. The round trips saved are pinned in test_pg_round_trips.py."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from llmvis_desktop.core.store import repo_images as ri
from llmvis_desktop.core.store.engine import Store, short_waits


@pytest.fixture
def store(pg_url):
    s = Store(pg_url, who="tester")
    from llmvis_desktop.core.store.migrate import upgrade_to_head

    upgrade_to_head(s.engine, "test")
    with s.write() as w:
        w.execute(text("CREATE TABLE t (x int)"))
    yield s
    s.dispose()


def _rows(store):
    with store.read() as s:
        return s.execute(text("SELECT count(*) FROM t")).scalar(), s.execute(text("SELECT count(*) FROM images")).scalar()


def test_a_read_is_one_transaction(store):
    with store.read() as s:
        first = s.execute(text("SELECT now()")).scalar()
        s.execute(text("SELECT pg_sleep(0.01)"))
        assert s.execute(text("SELECT now()")).scalar() == first  # (outside one: the statement's time)
        assert s.execute(text("SELECT current_setting('transaction_isolation')")).scalar() == "read committed"


@pytest.mark.parametrize("wait", [None, 700])
def test_a_write_begun_by_any_statement_is_rolled_back_whole(store, wait):
    def raw_executemany(s):
        ri.insert_new(s, [("a.png", 1, 1), ("b.png", 2, 2)])  # (the driver's cursor, not SQLAlchemy's)

    def raw_copy(s):
        cursor = s.connection().connection.cursor()
        with cursor.copy("COPY t (x) FROM STDIN") as copy:
            copy.write_row((1,))
        cursor.close()

    def statement(s):
        s.execute(text("INSERT INTO t VALUES (1)"))

    for first in (raw_executemany, raw_copy, statement):
        with pytest.raises(ZeroDivisionError), short_waits(wait) if wait else _nothing():
            with store.write() as s:
                first(s)
                s.execute(text("INSERT INTO t VALUES (2)"))
                assert s.execute(text("SHOW lock_timeout")).scalar() == (f"{wait}ms" if wait else "15s"), first
                1 / 0
        assert _rows(store) == (0, 0), first
    with store.write() as s:  # and kept when committed
        raw_executemany(s)
        statement(s)
    assert _rows(store) == (1, 2)


def test_a_first_statement_that_fails_leaves_the_connection_fine(store):
    with short_waits(900):
        with pytest.raises(Exception, match="nope"), store.write() as s:
            s.execute(text("SELECT * FROM nope"))
        with pytest.raises(ZeroDivisionError), store.write() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            assert s.execute(text("SHOW lock_timeout")).scalar() == "900ms"
            1 / 0
    assert _rows(store) == (0, 0)
    with store.write() as s:
        assert s.execute(text("SHOW lock_timeout")).scalar() == "15s"


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
