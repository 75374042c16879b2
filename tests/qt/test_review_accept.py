"""Enter (Accept) takes the label cards scoring >= 0.5, or else the best one, and rejects
the others; the status bar says so (``core.accept_pick._pick_for_accept``)."""
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
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=10000)
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


def test_every_review_key_replaces_the_status_line(qtbot, window, labelled_folder):
    """After Enter on an image with cards, the line "Accepted ... Rejected 1 label card"
    stayed up through Enter on an image with nothing pending, Delete and R on the next
    ones (4 s), as if it were about them; Delete never said what it rejected."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    first = win.review.current.id
    third = ids[ids.index(first) + 2]
    project.add_suggestions([NewSuggestion(first, "label", "scratch", "zero-shot-a", score=0.9),
                             NewSuggestion(first, "label", "dent", "zero-shot-a", score=0.1),
                             NewSuggestion(third, "label", "dent", "zero-shot-a", score=0.7),
                             NewSuggestion(third, "caption", "a dent", "cap-a", score=0.7)])
    win.review._refresh(first)
    win.grid.setFocus()
    bar = win.statusBar()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert "Rejected 1 label card" in bar.currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # the second image: no card pending
    assert bar.currentMessage() == "Marked reviewed; no suggestion was pending."
    assert win.review.current.id == third
    win.review._refresh(third)
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    assert bar.currentMessage() == "Marked rejected; rejected 2 suggestions."
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    assert bar.currentMessage() == "Marked rejected; no suggestion was pending."
    QTest.keyClick(win.grid, Qt.Key.Key_R)
    assert bar.currentMessage() == "Marked reviewed."


def test_redo_of_an_image_no_longer_listed_leaves_the_place_alone(qtbot, window, labelled_folder):
    """In a re-applied "Unreviewed" queue, each Ctrl+Y of an Enter or Delete whose image
    had dropped out moved the reviewer's unrelated selection on one row (0 -> 1 -> 2),
    skipping images never looked at."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    fb = win.filter_bar
    fb.status.setCurrentIndex(fb.status.findText("Unreviewed"))
    qtbot.waitUntil(lambda: win.model.rowCount() > 4, timeout=10000)
    total = win.model.rowCount()
    win.grid.select_row(0)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    # the filter applied again: the two drop out
    fb.status.setCurrentIndex(0)
    fb.status.setCurrentIndex(fb.status.findText("Unreviewed"))
    qtbot.waitUntil(lambda: win.model.rowCount() == total - 2, timeout=10000)
    win.grid.select_row(0)
    place = win.review.current.id
    QTest.keyClick(win.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(win.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.review.current.id == place
    QTest.keyClick(win.grid, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(win.grid, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert win.statusBar().currentMessage().startswith("Redone")
    assert win.review.current.id == place


def test_an_image_a_model_judged_clean_says_so_in_the_panel(qtbot, window, labelled_folder):
    """An image the learned suggester scored and judged free of every label read "No
    suggestions for this image yet": the reviewer could not tell "the model says clean"
    from "not looked at"."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    cur = win.review.current.id
    other = next(i for i in ids if i != cur)
    project.record_suggest_runs([cur], "learned:handcrafted-v6", "abc123", ["scratch", "dent"],
                                without_cards=[cur])
    win.review._refresh(cur)
    text = win.panel_ctl.suggestions.placeholder.text()
    assert "learned:handcrafted-v6 (revision abc123) scored this image and judged it free of every label" in text
    assert "(dent, scratch)" in text and "No suggestions for this image yet" not in text
    win.grid.select_row(win.model.row_of(other))
    qtbot.waitUntil(lambda: win.review.current.id == other, timeout=10000)
    assert "No suggestions for this image yet" in win.panel_ctl.suggestions.placeholder.text()
    # a card on the image: the cards, not the verdict
    project.add_suggestions([NewSuggestion(cur, "caption", "a tile", "cap-a", score=0.5)])
    win.grid.select_row(win.model.row_of(cur))
    qtbot.waitUntil(lambda: win.review.current.id == cur, timeout=10000)
    assert not win.panel_ctl.suggestions.is_empty()


def test_enter_says_which_cards_it_left_pending(qtbot, window, labelled_folder):
    """Enter decides no answer card (and takes one caption of two): it said only "Accepted
    the suggested caption and label ok.", as if nothing were left on the image."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    first = win.review.current.id
    second = ids[ids.index(first) + 1]
    project.add_suggestions([
        NewSuggestion(first, "caption", "a bolt", "cap-a", score=0.9),
        NewSuggestion(first, "caption", "a screw", "cap-b", score=0.4),
        NewSuggestion(first, "label", "scratch", "zero-shot-a", score=0.9),
        NewSuggestion(first, "answer", "no crack is visible", "chat-a", prompt="Is there a crack?"),
        NewSuggestion(second, "answer", "yes, on the left", "chat-a", prompt="Is there a crack?")])
    win.review._refresh(first)
    win.grid.setFocus()
    bar = win.statusBar()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    said = bar.currentMessage()
    assert said.startswith("Accepted the suggested caption and label scratch."), said
    assert "1 caption card and 1 answer card left pending" in said, said
    assert "Accept on its card keeps it as a note" in said
    with Project.open(labelled_folder) as p:
        assert sorted(s.outcome for s in p.suggestions(first)) == ["accepted", "accepted", "pending", "pending"]
    assert win.review.current.id == second
    win.review._refresh(second)
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # only an answer: "no suggestion was pending" was false
    said = bar.currentMessage()
    assert said.startswith("Marked reviewed; accepted no suggestion: 1 answer card left pending"), said
