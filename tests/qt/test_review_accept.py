"""Enter (Accept) takes the label cards scoring >= 0.5, or else the best one, and rejects
the others; the status bar says so (``core.review_actions._pick_for_accept``)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def test_enter_accepts_the_best_label_card_not_every_one(qtbot, window, labelled_folder):
    """Enter saved every label card of every model: scratch 0.35, ok 0.48 and crack 0.19
    left the image labelled scratch + crack + ok."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    ids = project.add_suggestions([NewSuggestion(cur, "label", "scratch", "learned:handcrafted-v6", score=0.35),
                                   NewSuggestion(cur, "label", "ok", "zero-shot-a", score=0.48),
                                   NewSuggestion(cur, "label", "crack", "zero-shot-b", score=0.19)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=3000)
    messages = []
    win.review.message.connect(messages.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    with Project.open(labelled_folder) as p:
        rec = p.image(cur)
        outcomes = {s.value: s.outcome for s in p.suggestions(cur)}
    assert rec.labels == ("ok",) and rec.status == "reviewed"
    assert outcomes == {"scratch": "rejected", "ok": "accepted", "crack": "rejected"}
    said = [m for m in messages if m.startswith("Accepted")]
    assert said and "label ok" in said[-1] and "Rejected 2 label cards" in said[-1], messages
    assert "Rejected 2 label cards" in win.statusBar().currentMessage()
    # undo puts the image and all three cards back
    win.review.undo()
    with Project.open(labelled_folder) as p:
        assert p.image(cur).labels == ()
        assert {s.outcome for s in p.suggestions(cur)} == {"pending"}
