"""Storing many suggestions at once: each returned id is the row of the suggestion at its
place, and each history event points at its own suggestion (SQLite numbers the rows of
one multi-row insert itself; PostgreSQL's ids come back in the order of the rows)."""
from __future__ import annotations

from sqlalchemy import select

from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store.records import NewSuggestion


def test_ids_follow_the_rows_given(project):
    ids = project.image_ids()
    # more rows than one insert page takes on SQLite (999 parameters, 10 a row), in an order
    # that is neither the images' nor the values'
    items = [NewSuggestion(ids[(k * 7) % len(ids)], "caption", f"caption {(k * 37) % 251}", f"model-{k % 5}",
                           k / 300, "rev", None, {"k": k}) for k in range(250)]
    stored = project.add_suggestions(items)
    assert len(stored) == len(items) == len(set(stored))
    with project.store.read() as s:
        rows = {r.id: r for r in s.execute(select(m.Suggestion.id, m.Suggestion.value, m.Suggestion.image_id,
                                                  m.Suggestion.params_json))}
        events = dict(s.execute(select(m.Event.suggestion_id, m.Event.image_id)
                                .where(m.Event.action == "suggest")).all())
    for sid, item in zip(stored, items):
        assert (rows[sid].value, rows[sid].image_id) == (item.value, item.image_id)
        assert rows[sid].params_json == '{"k": %d}' % item.params["k"]
        assert events[sid] == item.image_id
