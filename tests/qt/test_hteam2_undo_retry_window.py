"""A refused undo is tried again (SQLite and PostgreSQL): Alice's Ctrl+Z of her Enter was
refused because Bob had rejected the image since, and it was taken off the undo list for
good, even after Bob took his rejection back. Now it stays there; once Bob undid his
rejection, Alice's next Ctrl+Z goes through. A refused redo alike."""
from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import enter_then_bob_rejects

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, image_folder):
    """The database's URL (None: the folder's own SQLite file), with the label scratch."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_server").create_database()
    with Project.open(image_folder, url) as p:
        p.add_label("scratch")
    yield url
    if url is not None:
        request.getfixturevalue("pg_server").drop_database(url)


def _key(win, key, mod=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(win.grid, key, mod)
    assert win.review.wait_writes(30)


def _said(win) -> list:
    said: list = []
    win.review.error.connect(said.append)
    win.review.message.connect(said.append)
    return said


def _open(qtbot, win, folder, url) -> int:
    with qtbot.waitSignal(win.index_finished, timeout=30000):
        win.open_project(folder, url)
    qtbot.waitUntil(lambda: win.project is not None and win.review.current is not None, timeout=30000)
    win.grid.setFocus()
    return win.review.current.id


def test_a_refused_undo_goes_through_once_the_teammate_takes_theirs_back(qtbot, window, image_folder, db):
    win = window
    _open(qtbot, win, image_folder, db)
    image_id, his = enter_then_bob_rejects(qtbot, win, image_folder, db)
    said = _said(win)
    _key(win, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: any(m.startswith("Not undone") for m in said), timeout=30000)
    assert "bob marked this image rejected" in said[-1] and "stays on the undo list" in said[-1], said
    assert (win.review.undo_stack.count(), win.review.undo_stack.index()) == (2, 2)
    with Project.open(image_folder, db) as bob:  # Bob takes his rejection back
        ra.apply_state(bob, image_id, his.before, "bob", "undo", expect=his.after)
        assert bob.image(image_id).review_status == "reviewed"
    _key(win, Qt.Key.Key_Z, CTRL)  # tried again: goes through
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=30000)
    with Project.open(image_folder, db) as p:
        rec = p.image(image_id)
        assert (rec.review_status, rec.labels) == ("new", ("scratch",))
        assert p.history(image_id)[-1].action == "undo:status" and p.history(image_id)[-1].actor == "tester"
    assert win.statusBar().currentMessage().startswith("Undone: Mark reviewed"), said
    assert win.review.undo_stack.canRedo()  # and it can be redone


def test_a_refused_redo_stays_and_goes_through_later(qtbot, window, image_folder, db):
    win = window
    image_id = _open(qtbot, win, image_folder, db)
    _key(win, Qt.Key.Key_R)  # reviewed (stays on the image)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=30000)
    _key(win, Qt.Key.Key_Z, CTRL)  # undone: new again
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 0, timeout=30000)
    with Project.open(image_folder, db) as bob:
        his = ra.reject(bob, image_id, "bob", seen="new")
    said = _said(win)
    _key(win, Qt.Key.Key_Z, CTRL | SHIFT)
    qtbot.waitUntil(lambda: any(m.startswith("Not redone") for m in said), timeout=30000)
    assert (win.review.undo_stack.count(), win.review.undo_stack.index()) == (1, 0)  # still to redo
    with Project.open(image_folder, db) as bob:
        ra.apply_state(bob, image_id, his.before, "bob", "undo", expect=his.after)
    _key(win, Qt.Key.Key_Z, CTRL | SHIFT)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=30000)
    with Project.open(image_folder, db) as p:
        assert p.image(image_id).review_status == "reviewed"
