"""A caption save refused over a teammate's caption, then the reviewer moved on: the move
saved their text over the teammate's with only "Caption saved (NAME)". The line now says
whose caption it replaced and when."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import caption_refused


def test_moving_on_after_a_refusal_says_it_saved_over_theirs(qtbot, window, labelled_folder):
    win = window
    image = caption_refused(qtbot, win, labelled_folder, "bob")
    name = win.review.current.relpath
    said: list[str] = []
    win.review.message.connect(said.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: win.project.image(image).caption == "scratch near the left edge", timeout=10000)
    qtbot.waitUntil(lambda: any(s.startswith("Caption saved") for s in said), timeout=10000)
    line = [s for s in said if s.startswith("Caption saved")][-1]
    assert line.startswith("Caption saved over bob's (") and f"on {name}; Ctrl+Z undoes it." in line, line
