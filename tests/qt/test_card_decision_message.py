"""A card's Accept, Reject or saved edit (mouse or Space on the button) says on the status
bar what it decided, on which image: the line left by the previous Enter ("Accepted the
suggested caption and label ok.", about the image before) stayed up as if it were about
this card."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def _cards(qtbot, win, project, image_id, items):
    ids = project.add_suggestions([NewSuggestion(image_id, *it) for it in items])
    win.review._refresh(image_id)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=10000)
    return ids


def test_card_decisions_say_what_they_did(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    first = win.review.current.id
    second = ids[ids.index(first) + 1]
    project.add_suggestions([NewSuggestion(first, "label", "ok", "zero-shot-a", score=0.9),
                             NewSuggestion(first, "caption", "a plate", "cap-a", score=0.9)])
    win.review._refresh(first)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # Enter on the first image, then the second shown
    qtbot.waitUntil(lambda: win.review.current.id == second, timeout=10000)
    assert win.statusBar().currentMessage().startswith("Accepted the suggested caption and label ok")
    cap, lab = _cards(qtbot, win, project, second, [("caption", "a dented plate", "cap-a", 0.4),
                                                   ("label", "dent", "zero-shot-a", 0.3)])
    name = win.review.current.relpath
    panel = win.panel_ctl.suggestions

    QTest.mouseClick(panel.card(lab).accept_button, Qt.MouseButton.LeftButton)
    said = win.statusBar().currentMessage()
    assert "label dent" in said and name in said and "Accepted" in said, said
    assert "caption" not in said

    QTest.mouseClick(panel.card(cap).reject_button, Qt.MouseButton.LeftButton)
    said = win.statusBar().currentMessage()
    assert "Rejected the suggested caption" in said and name in said, said

    win.review.undo()  # the undo line names what it took back ("Undone: Rejected suggestion")
    assert win.statusBar().currentMessage() == "Undone: Reject the suggested caption"
    win.review.undo()
    assert win.statusBar().currentMessage() == "Undone: Accept label dent"
    win.review.redo()
    assert win.statusBar().currentMessage() == "Redone: Accept label dent"
    win.review.undo()
    card = panel.card(cap)
    card.start_edit()
    card.editor.setPlainText("a plate with a dent")
    card.save_edit()
    said = win.statusBar().currentMessage()
    assert "edited" in said and "a plate with a dent" in said and name in said, said


def test_label_keys_say_what_they_did(qtbot, window, labelled_folder):
    """1-9 are review keys too: the previous image's Enter line stayed up while they toggled labels."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    project.add_suggestions([NewSuggestion(first, "label", "ok", "zero-shot-a", score=0.9)])
    win.review._refresh(first)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.review.current.id != first, timeout=10000)
    name = win.review.current.relpath
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    assert win.statusBar().currentMessage() == f"Added label scratch to {name}."
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    assert win.statusBar().currentMessage() == f"Removed label scratch from {name}."
    QTest.keyClick(win.grid, Qt.Key.Key_9)
    assert win.statusBar().currentMessage() == "No label on key 9."
