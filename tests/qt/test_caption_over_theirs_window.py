"""A caption save refused over a teammate's caption, then the reviewer moved on: the move
saved their text over the teammate's with only "Caption saved (NAME)". The line now says
whose caption it replaced and when."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from qthelpers import open_and_index, settle


def test_moving_on_after_a_refusal_says_it_saved_over_theirs(qtbot, window, labelled_folder):
    from llmvis_desktop.core.project import Project

    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    settle(qtbot)
    image = win.review.current.id
    name = win.review.current.relpath
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    box = win.focusWidget()
    QTest.keyClicks(box, "scratch near the left edge")
    with Project.open(labelled_folder) as other:
        other.set_caption(image, "teammate caption", "bob")
    QTest.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    editor = win.panel_ctl.caption
    qtbot.waitUntil(lambda: any("Esc shows theirs" in w.text() for w in editor.findChildren(QLabel)), timeout=10000)
    settle(qtbot)
    said: list[str] = []
    win.review.message.connect(said.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: win.project.image(image).caption == "scratch near the left edge", timeout=10000)
    qtbot.waitUntil(lambda: any(s.startswith("Caption saved") for s in said), timeout=10000)
    line = [s for s in said if s.startswith("Caption saved")][-1]
    assert line.startswith("Caption saved over bob's (") and f"on {name}; Ctrl+Z undoes it." in line, line
