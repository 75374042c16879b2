"""Round trips each common action makes to a team's PostgreSQL (each 50 ms and more over
a site's network), counted at the wire (pg_turns.Relay): the driver's BEGIN, the pool's
checkout ping and the short waits' lock timeout included, which no statement counter
sees. Pinned, so that they cannot grow back silently. Before: a grid window of records
6, a label key 16, an accept 24, a suggest job's 32-image commit 14, opening 30 (then 25,
on two connections: the open lock's own; now 8 on one). psycopg's BEGIN was a round trip
of its own in every transaction (a read's too): now sent with the first statement
(pg_wire.one_trip_begin_cursor), one fewer in each (window 3 -> 2, label key 14 -> 13,
accept 22 -> 21, suggest commit 13 -> 12, caption 9 -> 8, rename 13 -> 12, setting 4 -> 3).
Opening 8 -> 4: SQLAlchemy's first look at the server in one statement (pg_wire.one_trip_first_look).
An action's image cards read once and kept for it (store/action_cards.py), its labels written
as what changed, its changes flushed once: label key 13 -> 10, accept 21 -> 13, caption 8 -> 7;
its record from its row as flushed, the orphan check with the cards, Enter's taxonomy lock
with its look for label cards: 10 -> 9, 13 -> 10, 7 -> 6
(tests/core/test_hpgaccept_round_trips.py: Delete, undo)."""
from __future__ import annotations

import pytest
from PIL import Image
from sqlalchemy import event, text

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import short_waits
from llmvis_desktop.core.store.records import NewSuggestion
from pg_turns import Relay

#: the most round trips each may make (before: 6, 16, 24, 14, 30, then 8; label key 13, accept 21, caption 8)
WINDOW, LABEL_KEY, ACCEPT, SUGGEST_COMMIT, OPEN = 2, 9, 10, 12, 4
CAPTION, RENAME, SETTING = 6, 12, 3


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(40):
        Image.new("RGB", (8, 8), (i * 6, 0, 0)).save(root / f"i{i:02d}.png")
    return root


@pytest.fixture
def relay(folder, pg_url):
    with Project.open(folder, pg_url) as p:
        p.index()
        for name in ("scratch", "dent"):
            p.add_label(name)
        p.add_suggestions([x for i in p.image_ids()[:4] for x in (
            NewSuggestion(i, "caption", "a dented can", "m", score=0.9),
            NewSuggestion(i, "caption", "a can", "m", score=0.3),
            NewSuggestion(i, "label", "dent", "m", score=0.8),
            NewSuggestion(i, "label", "scratch", "m", score=0.2))])
    r = Relay(pg_url)
    yield r
    r.close()


@pytest.fixture
def project(folder, relay):
    with Project.open(folder, relay.url) as p:
        p.images(p.image_ids()[:1])  # a connection in the pool, as in a window at work
        yield p


def test_opening_a_team_project(folder, relay):
    """A made project of this version: one connection (its start-up, SQLAlchemy's first
    look at the server, one statement for the schema's revision and the settings); the
    open lock's second connection is for a database to set up (tests/core/test_pg_open_lock.py)."""
    p, turns = relay.count(lambda: Project.open(folder, relay.url))
    connections = relay.connections
    try:
        assert len(p.image_ids()) == 40
    finally:
        p.close()
    assert turns <= OPEN, turns
    assert connections == 1


def test_a_grid_window_of_records_is_one_statement(project, relay):
    ids = project.image_ids()
    with project.store.write() as s:  # a repaired image and labels, to be read back
        s.execute(text("INSERT INTO image_labels (image_id, label_id) SELECT :i, id FROM labels"), {"i": ids[3]})
    seen = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731
    event.listen(project.store.engine, "before_cursor_execute", listener)
    try:
        recs, turns = relay.count(lambda: project.images(ids[::-1]))
    finally:
        event.remove(project.store.engine, "before_cursor_execute", listener)
    assert [r.id for r in recs] == ids[::-1]
    assert recs[-4].labels == ("scratch", "dent") and all(r.labels == () for r in recs[:-4])
    assert len(seen) == 1, seen
    assert turns <= WINDOW, turns


def test_a_label_key(project, relay):
    image_id = project.image_ids()[1]
    with short_waits():
        res, turns = relay.count(lambda: ra.toggle_label(project, image_id, "dent", "alice", on=True))
    assert res.record.labels == ("dent",)
    assert turns <= LABEL_KEY, turns


def test_an_accept(project, relay):
    image_id = project.image_ids()[0]
    shown = {s.id for s in project.suggestions(image_id)}
    with short_waits():
        res, turns = relay.count(lambda: ra.accept(project, image_id, "alice", shown=shown))
    assert res.after["caption"] == "a dented can" and res.after["labels"] == ["dent"]
    assert turns <= ACCEPT, turns


def test_a_suggest_jobs_commit_of_32_images(project, relay):
    batch = [x for i in project.image_ids()[4:36] for x in (
        NewSuggestion(i, "caption", "c", "m2", score=0.9), NewSuggestion(i, "label", "dent", "m2", score=0.7))]
    stored, turns = relay.count(lambda: project.add_suggestions(batch, True, supersede=True))
    assert len(stored) == 64
    assert turns <= SUGGEST_COMMIT, turns


def test_a_caption_a_rename_and_a_setting(project, relay):
    image_id = project.image_ids()[2]
    with short_waits():
        res, caption = relay.count(lambda: ra.set_caption(project, image_id, "a can", "alice"))
        _, rename = relay.count(lambda: project.update_label("scratch", new_name="scuff", actor="alice"))
    _, setting = relay.count(lambda: project.set_setting("x", 1))
    assert res.record.caption == "a can" and [lbl.name for lbl in project.labels()] == ["scuff", "dent"]
    assert project.settings()["x"] == 1
    assert caption <= CAPTION and rename <= RENAME and setting <= SETTING, (caption, rename, setting)


def _lock_timeout(project) -> str:
    with project.store.write() as s:
        return s.execute(text("SHOW lock_timeout")).scalar()


def test_short_waits_hold_for_their_transaction_only(project):
    """The short wait goes with the BEGIN now: still for that transaction only, on the
    same pooled connection, committed or rolled back."""
    with short_waits(700):
        assert _lock_timeout(project) == "700ms"
    assert _lock_timeout(project) == "15s"
    with pytest.raises(ZeroDivisionError), short_waits(900), project.store.write() as s:
        assert s.execute(text("SHOW lock_timeout")).scalar() == "900ms"
        1 / 0
    assert _lock_timeout(project) == "15s"
    with short_waits(), project.store.write() as s:  # a transaction, as before
        s.execute(text("CREATE TEMP TABLE t (x int)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
        assert s.execute(text("SELECT txid_current_if_assigned() IS NOT NULL")).scalar()
    with project.store.read() as s:
        assert s.execute(text("SELECT current_setting('transaction_isolation')")).scalar() == "read committed"


def test_a_pooled_connection_the_server_ended_is_replaced_unnoticed(project, pg_url):
    """What the pool's ping was for (a server restart): a connection the server ended
    while it sat in the pool is noticed before use, without a round trip when it did not."""
    import psycopg

    from pg import _libpq_url

    with project.store.read() as s:
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
    with psycopg.connect(_libpq_url(pg_url), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]
    with project.store.read() as s:
        assert s.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    assert len(project.images(project.image_ids())) == 40
