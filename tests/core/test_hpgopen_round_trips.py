"""Round trips left on opening a team's project and on running a statement again, counted
at the wire (pg_turns.Relay; each 50 ms and more to a server across a site's network).

Opening a made project was 8: the connection's start-up (2 here: SSLRequest and
StartupMessage), SQLAlchemy's first look at the server (5: ``select version()`` with our
BEGIN, ``current_schema()``, the isolation level, ``standard_conforming_strings``, a
ROLLBACK) and the one statement for the schema's revision and the settings. The server's
version and ``standard_conforming_strings`` come with the start-up (psycopg's
``conn.info``); the schema and the isolation level are one statement outside a transaction
(nothing to roll back): 4.

psycopg prepared a statement on the server the 5th time it ran on a connection, one more
round trip of its own then (and again for each statement after a ROLLBACK, which drops
them all with one more, ``DEALLOCATE ALL``): never now (``prepare_threshold=None``)."""
from __future__ import annotations

import psycopg
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import make_engine, short_waits
from pg import _libpq_url
from pg_turns import Relay

#: opening a made project (before: 8)
OPEN = 4
#: a caption typed, each time (before: 9 and 12 now and then, 8 otherwise)
CAPTION = 8


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(12):
        Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(root / f"i{i:02d}.png")
    return root


@pytest.fixture
def relay(folder, pg_url):
    with Project.open(folder, pg_url) as p:
        p.index()
        p.add_label("dent")
    r = Relay(pg_url)
    yield r
    r.close()


def test_opening_a_made_team_project(folder, relay):
    p, turns = relay.count(lambda: Project.open(folder, relay.url))
    try:
        assert len(p.image_ids()) == 12 and [lbl.name for lbl in p.labels()] == ["dent"]
    finally:
        p.close()
    assert relay.connections == 1
    assert turns <= OPEN, turns


def _captions(p, relay, ids, text_):
    with short_waits():
        return [relay.count(lambda i=i: ra.set_caption(p, i, text_, "alice"))[1] for i in ids]


def test_a_statement_run_again_and_again_makes_no_extra_round_trip(folder, relay):
    """A caption typed on image after image: the same round trips each time (before: one
    more at the 5th, for each statement after the transaction's first)."""
    with Project.open(folder, relay.url) as p:
        ids = p.image_ids()
        actions = _captions(p, relay, ids, "a can")
        assert len(set(actions)) == 1 and actions[0] <= CAPTION, actions
        assert [r.caption for r in p.images(ids)] == ["a can"] * 12


def test_a_rolled_back_transaction_costs_no_extra_round_trip(folder, relay):
    """A ROLLBACK (a refused action) made psycopg drop every prepared statement
    (``DEALLOCATE ALL``, a round trip of its own) and prepare them again later, one more
    round trip each."""
    with Project.open(folder, relay.url) as p:
        ids = p.image_ids()
        before = _captions(p, relay, ids[:6], "a can")

        def refused():
            with pytest.raises(ZeroDivisionError), p.store.write() as s:
                s.execute(text("SELECT 1"))
                1 / 0
        _, rollback = relay.count(refused)
        after = _captions(p, relay, ids[6:], "a tin")
        assert rollback <= 2, rollback  # the BEGIN with the statement, the ROLLBACK
        assert set(before) == set(after) and len(set(after)) == 1, (before, after)
        assert [r.caption for r in p.images(ids)] == ["a can"] * 6 + ["a tin"] * 6


@pytest.fixture
def odd_database(pg_url):
    """A database whose sessions start with another schema first on the search path, another
    default isolation level and old-style strings (what SQLAlchemy's own checks find)."""
    with psycopg.connect(_libpq_url(pg_url), autocommit=True) as admin:
        name = admin.execute("SELECT current_database()").fetchone()[0]
        admin.execute("CREATE SCHEMA other")
        admin.execute(f'ALTER DATABASE "{name}" SET search_path = other, public')
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_isolation = \'repeatable read\'')
        admin.execute(f'ALTER DATABASE "{name}" SET standard_conforming_strings = off')
    return pg_url


def _first_look(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        d = engine.dialect
        return (d.server_version_info, d.default_schema_name, d.default_isolation_level,
                d._backslash_escapes, d.supports_identity_columns, d._supports_jsonb_subscripting)


def test_the_first_look_finds_what_sqlalchemys_own_checks_find(odd_database):
    stock = create_engine(odd_database)
    ours = make_engine(odd_database, who="alice")
    try:
        assert _first_look(ours) == _first_look(stock)
        assert _first_look(ours)[1:4] == ("other", "REPEATABLE READ", True)
        with ours.connect() as conn:  # the connection as SQLAlchemy leaves it: no transaction, not autocommit
            dbapi = conn.connection.dbapi_connection
            assert dbapi.info.transaction_status == psycopg.pq.TransactionStatus.IDLE and not dbapi.autocommit
            assert conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar() == "repeatable read"
            assert conn.execute(text("SELECT txid_current_if_assigned() IS NULL")).scalar()
    finally:
        stock.dispose()
        ours.dispose()
