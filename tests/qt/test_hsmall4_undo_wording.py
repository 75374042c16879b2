"""Enter on an image with no suggestion pending only marks it reviewed ("Marked reviewed;
no suggestion was pending."), yet Undo said "Undone: Accept" and the Edit menu "Undo
Accept": nothing was accepted. The step is named for what it did: "Mark reviewed"."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index


def test_undo_of_an_enter_that_only_marked_reviewed_says_so(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.review.undo_stack.count() == 1, timeout=20000)
    assert "no suggestion was pending" in win.statusBar().currentMessage()
    undo = win.review.actions()["undo"]
    assert undo.text() == "Undo Mark reviewed"
    undo.trigger()
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 0, timeout=20000)
    assert win.review.current.id == first
    assert win.statusBar().currentMessage() == "Undone: Mark reviewed"
    win.review.actions()["redo"].trigger()
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=20000)
    assert win.statusBar().currentMessage() == "Redone: Mark reviewed"
