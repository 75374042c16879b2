"""Ctrl+Z refused over a teammate's rejection, then the teammate took it back and
rejected again (a new decision, at a new time): the next Ctrl+Z, refused over that new
decision, took the step off the undo list as "refused again", its check comparing the
status and who but not when. A new decision keeps the step, to be tried again; the same
one refused twice still takes it off."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import enter_then_bob_rejects, open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project

CTRL = Qt.KeyboardModifier.ControlModifier


def _keys(win, *keys):
    for k, mod in keys:
        QTest.keyClick(win.grid, k, mod)
        assert win.review.wait_writes(20)


def test_a_teammates_new_decision_keeps_the_refused_step(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    image_id, _ = enter_then_bob_rejects(qtbot, win, labelled_folder, timeout=20000)
    said = []
    win.review.error.connect(said.append)  # (the same line twice: the status bar's says nothing)
    _keys(win, (Qt.Key.Key_Z, CTRL))
    qtbot.waitUntil(lambda: any(m.startswith("Not undone") for m in said), timeout=20000)
    assert said[-1].endswith("refused again, it is taken off."), said
    time.sleep(0.01)
    with Project.open(labelled_folder) as bob:  # bob takes his rejection back, then rejects again
        ra.set_status(bob, image_id, "reviewed", "bob", seen="rejected")
        ra.reject(bob, image_id, "bob", seen="reviewed")
    before = len(said)
    _keys(win, (Qt.Key.Key_Z, CTRL))
    qtbot.waitUntil(lambda: any(m.startswith("Not undone") for m in said[before:]), timeout=20000)
    assert (win.review.undo_stack.count(), win.review.undo_stack.index()) == (2, 2), said[-1]
    assert said[-1].endswith("refused again, it is taken off."), said[-1]
    before = len(said)
    _keys(win, (Qt.Key.Key_Z, CTRL))  # the same decision again: taken off now
    qtbot.waitUntil(lambda: win.review.undo_stack.count() == 1, timeout=20000)
    assert "Refused again: it is taken off the undo list" in win.statusBar().currentMessage()
