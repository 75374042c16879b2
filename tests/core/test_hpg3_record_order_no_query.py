"""An action's record lists the image's labels in taxonomy order (the grid's): that order
was read with a query of its own (repo_images.in_taxonomy_order: a round trip on a team's
PostgreSQL) for every action on an image with two labels or more. The labels' positions
now come with the reads the action makes anyway (its labels, the labels it holds), so the
record is built with no statement more. Counted on SQLite, every statement the action makes."""
from __future__ import annotations

import re

from sqlalchemy import event

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion

ORDER_READ = re.compile(r"SELECT labels\.name\s+FROM labels\s+WHERE labels\.name IN", re.S)


def _statements(p, fn):
    seen = []

    def note(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(p.store.engine, "before_cursor_execute", note)
    try:
        return fn(), seen
    finally:
        event.remove(p.store.engine, "before_cursor_execute", note)


def test_an_actions_record_is_in_taxonomy_order_with_no_query_of_its_own(labeled_pngs):
    p, _, ids = labeled_pngs(3)  # the taxonomy: scratch, dent
    p.add_labels(["crack", "blob"])  # then crack, blob: not alphabetical
    i, j = ids[0], ids[1]
    for name in ("blob", "dent", "crack"):
        ra.toggle_label(p, i, name, "rev", on=True)
    p.add_suggestions([NewSuggestion(j, "label", "crack", "m", score=0.9),
                       NewSuggestion(j, "label", "blob", "m", score=0.8),
                       NewSuggestion(j, "caption", "a can", "m", score=0.8)])
    ra.toggle_label(p, j, "scratch", "rev", on=True)
    shown = {s.id for s in p.suggestions(j)}
    actions = {
        "label key on": lambda: ra.toggle_label(p, i, "scratch", "rev", on=True),
        "label key off": lambda: ra.toggle_label(p, i, "dent", "rev", on=False),
        "caption": lambda: ra.set_caption(p, i, "a bent lid", "rev"),
        "status": lambda: ra.set_status(p, i, "reviewed", "rev"),
        "enter": lambda: ra.accept(p, j, "rev", shown=shown),
    }
    for what, act in actions.items():
        res, seen = _statements(p, act)
        image = res.image_id
        assert res.record.labels == p.image(image).labels, (what, res.record.labels)  # the grid's read
        extra = [s for s in seen if ORDER_READ.search(s)]
        assert not extra, (what, extra)
    assert p.image(i).labels == ("scratch", "crack", "blob")
    assert p.image(j).labels == ("scratch", "crack", "blob")
    # undo (apply_state) of Enter: its labels put back, in order, with no query of their own
    res, seen = _statements(p, lambda: ra.apply_state(p, j, {"labels": ["scratch"]}, "rev", "undo"))
    assert res.record.labels == ("scratch",) and not [s for s in seen if ORDER_READ.search(s)]
    res, seen = _statements(p, lambda: ra.apply_state(p, j, {"labels": ["blob", "crack", "dent"]}, "rev", "redo"))
    assert res.record.labels == ("dent", "crack", "blob") == p.image(j).labels, res.record.labels
    assert not [s for s in seen if ORDER_READ.search(s)], seen
