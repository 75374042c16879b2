"""A label key on an image a teammate had rejected a moment before (this window not yet
caught up): it labelled the image unseen, the window showed Bob's "rejected" as the key's
own result with no word, and the Enter that followed marked it reviewed over his
rejection. Now the key is refused as Enter is: nothing written, who marked it what said,
the image shown afresh."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


def test_a_label_key_on_an_image_a_teammate_just_rejected_is_refused(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    assert win.review.current.review_status == "new"
    win.team_watch.timer.stop()  # not caught up
    with Project.open(win.project.root, win.project.db_url) as bob:
        ra.reject(bob, cur, "bob")
        events = [e.action for e in bob.history(cur)]
    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_2)
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "bob marked this image rejected" in errors[-1] and "Nothing was changed" in errors[-1], errors
    rec = win.project.image(cur)
    assert (rec.review_status, rec.labels) == ("rejected", ())
    assert [e.action for e in win.project.history(cur)] == events
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == cur
                    and win.review.current.review_status == "rejected"
                    and win.review.current.labels == (), timeout=10000)  # shown afresh
    assert win.review.undo_stack.count() == 0
