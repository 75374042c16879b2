"""The review writer on a team's PostgreSQL (the embedded server of tests/core/pg.py): keys
pressed quickly one after the other while their writes are under way (the window does
not wait for a server's write) commit in the order pressed, one connection at a time
from the writer's thread, and the window ends where the reviewer left it."""
from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt import review_writes

CTRL = Qt.KeyboardModifier.ControlModifier


def test_keys_pressed_during_server_writes_commit_in_order(qtbot, window, image_folder, pg_url, monkeypatch):
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)  # the product's: never wait for a server
    with Project.open(image_folder, pg_url) as p:
        p.add_label("scratch")
    win = window
    with qtbot.waitSignal(win.index_finished, timeout=30000):  # its line would replace the undo's
        win.open_project(image_folder, pg_url)
    qtbot.waitUntil(lambda: win.project is not None and win.review.current is not None, timeout=30000)
    ids = list(win.model.ids)
    first = win.review.current.id
    second = ids[ids.index(first) + 1]
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # label scratch on the first image
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # accept it, next
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)  # reject the second, next
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)  # undo the Delete (once it has committed)
    assert win.review.wait_writes(60)
    qtbot.waitUntil(lambda: win.review.writes_in_flight() == 0 and win.review.undo_stack.index() == 2,
                    timeout=60000)
    assert win.review.wait_writes(60)
    assert win.review.undo_stack.count() == 3
    with Project.open(image_folder, pg_url) as p:
        assert p.image(first).labels == ("scratch",) and p.image(first).status == "reviewed"
        assert p.image(second).status == "new"  # rejected, then undone
        actions = [e.action for e in p.history(second)]  # oldest first
    assert actions.index("status") < actions.index("undo:status"), actions
    assert win.review.current.id == second  # the undo shows the image it took back
    assert win.statusBar().currentMessage().startswith("Undone: Reject")
