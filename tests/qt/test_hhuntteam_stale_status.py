"""Enter on an image a teammate had rejected a moment before (this window not yet caught
up) marked it reviewed over their rejection, saying "Marked reviewed; no suggestion was
pending." (/tmp/hunt-hhuntteam/s13.py). It is now refused as a card a teammate decided is:
nothing changed, who marked it what said, the image shown afresh."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


def test_enter_on_an_image_a_teammate_just_rejected_is_refused(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    assert win.review.current.review_status == "new"
    win.team_watch.timer.stop()  # not caught up
    with Project.open(win.project.root, win.project.db_url) as bob:
        ra.reject(bob, cur, "bob")
    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "bob marked this image rejected" in errors[-1] and "Nothing was changed" in errors[-1], errors
    assert win.project.image(cur).review_status == "rejected"
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == cur
                    and win.review.current.review_status == "rejected", timeout=10000)  # shown afresh
    assert win.review.undo_stack.count() == 0
