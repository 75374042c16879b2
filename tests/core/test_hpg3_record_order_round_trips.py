"""On a team's PostgreSQL, a label key on an image with a label already makes as many round
trips as on one with none: the record's taxonomy order came with a query of its own (one
round trip more) for two labels or more (tests/core/test_hpg3_record_order_no_query.py)."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import short_waits
from pg_turns import Relay


def test_a_second_label_costs_no_round_trip_more(tmp_path, pg_url):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(4):
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(root / f"i{i}.png")
    with Project.open(root, pg_url) as p:
        p.index()
        p.add_labels(["scratch", "dent", "crack"])
        ids = p.image_ids()
        p.set_labels(ids[1], ["crack"], "setup")
        p.set_labels(ids[3], ["crack"], "setup")
    relay = Relay(pg_url)
    try:
        with Project.open(root, relay.url) as p, short_waits():
            p.images(ids[:1])  # a connection in the pool, as in a window at work
            ra.toggle_label(p, ids[2], "scratch", "alice", on=True)  # (a first action's own costs)
            alone, to_none = relay.count(lambda: ra.toggle_label(p, ids[0], "dent", "alice", on=True))
            beside, to_one = relay.count(lambda: ra.toggle_label(p, ids[1], "dent", "alice", on=True))
            assert alone.record.labels == ("dent",)
            assert beside.record.labels == ("dent", "crack") == p.image(ids[1]).labels  # the grid's order
    finally:
        relay.close()
    assert to_one == to_none, (to_one, to_none)  # was one more: the order's own query
