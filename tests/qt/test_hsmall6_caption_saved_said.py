"""Saving a caption says so on the status bar, as the other review actions do: after F2,
typing and Ctrl+Enter the previous line stayed up ("Marked reviewed..." of the image
before), so a saved caption looked as if nothing had happened. Ctrl+Z says what it undid."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt import review_writes
from qthelpers import open_and_index

CTRL = Qt.KeyboardModifier.ControlModifier


def _type_caption(qtbot, win, text: str) -> None:
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    edit.selectAll()
    QTest.keyClicks(edit, text) if text else QTest.keyClick(edit, Qt.Key.Key_Delete)
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert win.review.wait_writes(20)


def _said(qtbot, win, text: str) -> None:
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == text, timeout=5000)


def test_a_saved_caption_is_said_and_so_is_its_undo(qtbot, window, image_folder):
    win = window
    open_and_index(qtbot, win, image_folder)
    name = visible_name(win.review.current.relpath)
    win.statusBar().showMessage("Marked reviewed; no suggestion was pending.")  # the line before
    _type_caption(qtbot, win, "a scratch near the edge")
    _said(qtbot, win, f"Caption saved ({name}); Ctrl+Z undoes it.")
    assert win.review.current.caption == "a scratch near the edge"
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)
    assert win.review.wait_writes(20)
    _said(qtbot, win, "Undone: Edit caption")
    _type_caption(qtbot, win, "again")
    _type_caption(qtbot, win, "")
    _said(qtbot, win, f"Caption cleared ({name}); Ctrl+Z undoes it.")


def test_a_caption_saved_later_is_said_with_its_image(qtbot, window, image_folder, monkeypatch):
    """On a slow server the window does not wait for the write: the line comes when it commits."""
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    win = window
    open_and_index(qtbot, win, image_folder)
    name = visible_name(win.review.current.relpath)
    _type_caption(qtbot, win, "rust")
    qtbot.waitUntil(lambda: "Caption saved" in win.statusBar().currentMessage(), timeout=5000)
    assert name in win.statusBar().currentMessage()
