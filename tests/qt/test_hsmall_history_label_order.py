"""The History panel listed an event's label changes by name ("labels: +ok +scratch")
while the grid's tile and the label panel list them by taxonomy position (the user's
order: scratch, dent, crack, ok here): it lists them in that order too."""
from __future__ import annotations

from datetime import datetime, timezone

from qthelpers import open_and_index
from llmvis_desktop.core.store.records import EventRecord


def _event(before, after) -> EventRecord:
    return EventRecord(1, 1, "tester", datetime(2026, 1, 1, tzinfo=timezone.utc), "labels", before, after, None)


def test_the_history_lists_label_changes_in_the_taxonomy_order(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    history = window.panel_ctl.history
    # (the events keep the names sorted, as they were written)
    history.set_events([_event(["crack", "dent"], ["ok", "scratch"])])
    assert [e["what"] for e in history.entries()] == ["labels: +scratch +ok \u2212dent \u2212crack"]
    # a label renamed or added: the order follows the taxonomy
    window.project.add_labels(["blob"])
    window.panel_ctl.reload_labels()
    history.set_events([_event([], ["blob", "crack", "ok"])])
    assert [e["what"] for e in history.entries()] == ["labels: +crack +ok +blob"]
