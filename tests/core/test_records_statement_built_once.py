"""``repo_images.records`` (the grid's window of rows, read on a worker for every screen)
builds its statement once and binds the ids at each read.

It built the select, its repair subqueries and a new alias of the image table for every
window, and SQLAlchemy then walked all of it for its cache key: more Python than the
query itself (a 48-row window: 2.4-4.3 ms, now 0.74 ms on the shared 2-core machine),
on a thread taking the GIL from the window's paints. The records read are the same:
the order asked for, an id asked twice read once, unknown ids left out, labels in the
taxonomy's order, more than one chunk of ids."""
from __future__ import annotations

from llmvis_desktop.core.store import repo_images as ri


def test_a_second_read_builds_no_statement(labeled_pngs, monkeypatch):
    p, _, ids = labeled_pngs(3)
    p.images(ids)  # (the first read may build it)
    built = []
    real = ri.made_from

    def counted(*a, **k):
        built.append(1)
        return real(*a, **k)

    monkeypatch.setattr(ri, "made_from", counted)
    p.images(ids)
    p.images(ids[:1])
    assert built == []


def test_the_records_read_are_the_same(labeled_pngs):
    p, _, ids = labeled_pngs(4)
    p.add_labels(["crack"])
    p.set_labels(ids[1], ["crack", "scratch"], "rev")
    p.set_labels(ids[3], ["dent"], "rev")
    asked = [ids[3], ids[0], 999_999, ids[1], ids[3]]
    recs = p.images(asked)
    assert [r.id for r in recs] == [ids[3], ids[0], ids[1], ids[3]]
    assert [r.labels for r in recs] == [("dent",), (), ("scratch", "crack"), ("dent",)]
    assert not any(r.has_repair or r.repair_output or r.repair_source for r in recs)
    with p.store.read() as s:  # past one chunk of 500 ids
        many = ri.records(s, list(ids) + list(range(10_000, 10_600)))
    assert [r.id for r in many] == list(ids)
