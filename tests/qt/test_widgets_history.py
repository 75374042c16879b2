"""The history panel and the wording of its events: repairs, moves, imports and provenance
in words, times with their zone, ordered by event id, a model's revision and prompt, a
long trail."""
from __future__ import annotations

from types import SimpleNamespace

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone  # noqa: E402

import pytest  # noqa: E402

from widget_shots import shot  # noqa: E402


def _ev(i, actor, action, before, after, sid=None, minute=0):
    from llmvis_desktop.core.store.records import EventRecord

    return EventRecord(i, 1, actor, datetime(2024, 5, 1, 9, minute, tzinfo=timezone.utc), action, before, after, sid)


def test_history_formats_repairs_moves_and_imports_readably():
    """A repair read "repair: (empty) \u2192 '{'output': 'surfaces/brick/...png', ...'": the
    raw Python dict of the event."""
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    out = "surfaces/brick/brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "ann", "repair", None, {"repair_id": 3, "output": out})) == \
        "repaired \u2192 brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "ann", "unrepair", {"repair_id": 3, "output": out},
                              {"repair_id": 3, "file_deleted": True, "deleted": [out]})) == \
        "repair undone (brick_01_scratch.repaired-2.png deleted)"
    assert describe_event(_ev(1, "ann", "unrepair", {"repair_id": 3, "output": out},
                              {"repair_id": 3, "file_deleted": False})) == \
        "repair undone (brick_01_scratch.repaired-2.png kept)"
    assert describe_event(_ev(1, "ann", "rerepair", {"repair_id": 3, "unlinked_at": "x"},
                              {"repair_id": 3, "output": out})) == \
        "repair redone \u2192 brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "scan", "move", "a/x.png", "b/x.png")) == "moved: 'a/x.png' \u2192 'b/x.png'"
    assert describe_event(_ev(1, "ann", "import", None, {"reviewer": "alice", "time": "2024-05-01T09:00:00"})) == \
        "imported annotations (reviewer alice, reviewed 2024-05-01T09:00:00)"
    # a kind without a sentence of its own: never a Python dict
    text = describe_event(_ev(1, "ann", "relabel", None, {"from": "dent", "to": "scratch"}))
    assert "{" not in text and "from: dent, to: scratch" in text


def test_history_words_the_provenance_events():
    """Renames, forced removals, renewed cards, edits over a kept caption and what the
    indexer saw read as sentences (they showed as "label_renamed: ['dent'] -> ..." or a
    flattened dict)."""
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    arrow, minus = "\u2192", "\u2212"
    assert describe_event(_ev(1, "ann", "label_renamed", ["dent"], ["bruise"])) == \
        f"labels (label renamed): +bruise {minus}dent"
    assert describe_event(_ev(1, "ann", "label_removed", ["dent", "ok"], ["ok"])) == \
        f"labels (label removed from the taxonomy): {minus}dent"
    assert describe_event(_ev(1, "ann", "suggestion_renamed", "dent", "bruise", sid=4)) == \
        f"suggested label renamed: 'dent' {arrow} 'bruise'"
    assert describe_event(_ev(1, "ann", "edit_suggestion", "a benign nevus", "melanoma, refer", sid=4)) == \
        f"edited suggestion 'a benign nevus' {arrow} 'melanoma, refer'"
    assert describe_event(_ev(1, "model:learned", "suggest_revised", {"revision": "a1", "score": 0.55},
                              {"revision": "b2", "score": 0.97, "params": {}}, sid=4)) == \
        f"suggestion renewed: revision a1 {arrow} b2, score 0.55 {arrow} 0.97"
    assert describe_event(_ev(1, "indexer", "file_changed", {"size": 10, "mtime_ns": 1},
                              {"size": 12, "mtime_ns": 2})) == (
        f"file changed on disk: new content (10 {arrow} 12 bytes); earlier suggestions count as made for the old image")
    assert describe_event(_ev(1, "indexer", "file_missing", "present", "missing")) == \
        "file gone from the folder (deleted, moved or renamed outside the tool); its review is kept"
    assert describe_event(_ev(1, "indexer", "file_restored", "missing", "present")) == \
        "file back in the folder; its review status is back"
    # an undone decision names its card (it read "undo: suggestion: 'accepted' -> 'pending'")
    card = SimpleNamespace(kind="caption", value="a scratch")
    assert describe_event(_ev(1, "ann", "undo:suggestion", "accepted", "pending", sid=4), card) == \
        f"undo: caption suggestion 'a scratch': accepted {arrow} pending"


def test_history_formatting():
    from llmvis_desktop.qt.widgets.history_panel import describe_event, format_when, is_model_event

    assert describe_event(_ev(1, "ann", "labels", ["ok"], ["scratch"])) == "labels: +scratch \u2212ok"
    assert describe_event(_ev(1, "ann", "caption", "a", "b")) == "caption: 'a' \u2192 'b'"
    assert describe_event(_ev(1, "ann", "caption", None, "b")) == "caption: (empty) \u2192 'b'"
    assert describe_event(_ev(1, "ann", "status", "new", "reviewed")) == "status: new \u2192 reviewed"
    # a withdrawn card and a revised one read as sentences, not raw dicts
    assert describe_event(_ev(1, "alice", "withdraw", {"kind": "label", "value": "dent"}, "alice")) == \
        "withdrew label 'dent' (alice)"
    assert "newer revision" in describe_event(_ev(1, "model:learned:x", "withdraw", {"kind": "label", "value": "dent"}, None))
    assert describe_event(_ev(1, "ann", "undo:labels", ["dent"], [])) == "undo: labels: \u2212dent"
    assert describe_event(_ev(1, "model:blip", "suggest", None,
                              {"kind": "caption", "value": "a crack", "score": 0.871}, sid=4)) == \
        "suggested caption 'a crack' (score 0.87)"
    assert describe_event(_ev(1, "ann", "reject_suggestion", "dent", None, sid=4)) == "rejected suggestion 'dent'"
    assert is_model_event(_ev(1, "model:blip", "suggest", None, {}))
    assert is_model_event(_ev(1, "ann", "caption", None, "x", sid=3))
    assert not is_model_event(_ev(1, "ann", "caption", None, "x"))
    naive = datetime(2024, 5, 1, 9, 0)
    assert format_when(naive) == format_when(naive.replace(tzinfo=timezone.utc))
    assert format_when(naive)[:19].count(":") == 2 and len(format_when(naive)) > 19  # a zone after it


def test_history_times_name_their_zone(monkeypatch):
    """Local times had no zone: 09:00 read as UTC at one site was 09:00 CET at another."""
    import time

    from llmvis_desktop.qt.widgets.history_panel import format_when, zone_label

    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    try:
        monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        time.tzset()
        assert format_when(datetime(2024, 1, 15, 13, 3, tzinfo=timezone.utc)) == "2024-01-15 14:03:00 CET"
        assert format_when(datetime(2024, 7, 15, 12, 3, tzinfo=timezone.utc)) == "2024-07-15 14:03:00 CEST"
        monkeypatch.setenv("TZ", "<+0530>-5:30")  # a zone with no letters: its offset
        time.tzset()
        assert format_when(datetime(2024, 1, 15, 8, 33, tzinfo=timezone.utc)) == "2024-01-15 14:03:00 UTC+05:30"
    finally:
        monkeypatch.undo()
        time.tzset()
    from datetime import timedelta

    west = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30), "Newfoundland Std"))
    assert zone_label(west) == "UTC-03:30"


def test_history_panel_orders_by_event_id_not_clock(qtbot):
    """Two reviewers on one database, bob's machine 3 minutes slow: by the writers' clocks
    bob's v2 showed as the newest change although alice's v3 replaced it (and replay,
    by id, says v3)."""
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([_ev(1, "alice", "caption", None, "v1", minute=10),
                  _ev(2, "bob", "caption", "v1", "v2", minute=7),  # his clock, 3 min behind
                  _ev(3, "alice", "caption", "v2", "v3", minute=11)])
    assert [e["id"] for e in p.entries()] == [3, 2, 1]
    assert p.entries()[0]["what"] == "caption: 'v2' \u2192 'v3'"


def test_history_panel_names_model_revision_and_prompt(qtbot):
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import PREFERRED_HEIGHT, HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    sug = SuggestionRecord(4, 1, "caption", "a dent", 0.8, "Salesforce/blip-base", "rev-abc123", "a photo of", {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "accepted", None, None, None)
    p.set_events([_ev(1, "model:Salesforce/blip-base", "suggest", None, {"kind": "caption", "value": "a dent"}, 4),
                  _ev(2, "dr_alice", "caption", None, "a dent", 4, 2)], {4: sug})
    text = p.browser.toPlainText()
    assert "proposed by Salesforce/blip-base @ rev-abc123 \u00b7 prompt 'a photo of' (score 0.80)" in text
    assert "revision rev-abc123 \u00b7 prompt 'a photo of'" in text  # under the model's own event
    # several events fit: in the default window the dock showed one and a half (asked
    # for, not a hard minimum: the docks must fit a 1024x768 screen)
    assert p.sizeHint().height() >= PREFERRED_HEIGHT >= 150


def test_history_panel_names_the_revision_that_made_an_old_suggestion(qtbot):
    """After a retrain renewed a card, its old "suggested label 'crack' (score 0.57)" row
    was captioned with the card's new revision (the row's current one), next to
    "suggestion renewed: revision 366ef644f120 → 7b6fd40b4f6c": the event's own
    revision is shown."""
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    actor = "model:learned:handcrafted-v6"
    sug = SuggestionRecord(4, 1, "label", "crack", 0.92, "learned:handcrafted-v6", "7b6fd40b4f6c", None, {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "pending", None, None, None)
    p.set_events([_ev(1, actor, "suggest", None, {"kind": "label", "value": "crack", "score": 0.57,
                                                   "model_id": "learned:handcrafted-v6",
                                                   "revision": "366ef644f120", "prompt": None}, 4),
                  _ev(2, actor, "suggest_revised", {"revision": "366ef644f120", "score": 0.57},
                      {"revision": "7b6fd40b4f6c", "score": 0.92}, 4)], {4: sug})
    rows = p.browser.toPlainText().split("suggested label")
    assert len(rows) == 2
    assert "(score 0.57)\nrevision 366ef644f120" in rows[1] and "7b6fd40b4f6c" not in rows[1]
    assert "revision 366ef644f120 → 7b6fd40b4f6c" in rows[0]


def test_history_panel(qtbot):
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.resize(420, 360)
    sug = SuggestionRecord(4, 1, "caption", "a long scratch near the left edge", 0.87, "blip2-opt", None, None, {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "accepted", None, None, None)
    events = [
        _ev(1, "model:blip2-opt", "suggest", None, {"kind": "caption", "value": sug.value, "score": 0.87}, 4, 1),
        _ev(2, "alice", "caption", None, sug.value, 4, 2),
        _ev(3, "alice", "labels", ["ok"], ["dent", "scratch"], None, 3),
        _ev(4, "alice", "status", "suggested", "reviewed", None, 4),
        _ev(5, "bob", "undo:status", "reviewed", "suggested", None, 5),
    ]
    p.set_events(events, {4: sug})
    p.show()
    entries = p.entries()
    assert [e["who"] for e in entries] == ["bob", "alice", "alice", "alice", "model:blip2-opt"]
    assert entries[0]["what"] == "undo: status: reviewed \u2192 suggested"
    assert entries[-1]["model"] and entries[-2]["model"] and not entries[0]["model"]
    text = p.browser.toPlainText()
    assert "MODEL" in text and "proposed by blip2-opt" in text and "+dent +scratch \u2212ok" in text
    shot(p, "history_panel")
    p.clear()
    assert p.entries() == [] and p.placeholder.isVisibleTo(p)


def test_history_panel_long_trail_renders_newest_then_all(qtbot):
    from PySide6.QtCore import QUrl

    from llmvis_desktop.qt.widgets import history_panel as hp

    p = hp.HistoryPanel()
    qtbot.addWidget(p)
    n = hp.SHOWN + 7
    p.set_events([_ev(i, "alice", "caption", f"c{i - 1}", f"c{i}", None, i) for i in range(1, n + 1)])
    assert len(p.entries()) == n and p.shown_count() == hp.SHOWN
    text = p.browser.toPlainText()
    assert f"'c{n}'" in text and "'c0'" not in text and f"Show all {n} events (7 older)" in text
    p.browser.anchorClicked.emit(QUrl("history:all"))
    assert p.shown_count() == n and "Show all" not in p.browser.toPlainText()
    assert "'c0' \u2192 'c1'" in p.browser.toPlainText()
