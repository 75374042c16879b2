"""Ctrl+Z with a caption typed and not yet saved (a refused caption kept in the editor after
the team's server came back, or text typed then Ctrl+Z pressed on the grid): the caption is
saved first and is what Undo takes back. On a server (the window never waits for a write)
the step picked the command on top of the undo list *before* the caption's write had
committed and pushed its own: it undid the reviewer's previous action (a label key) instead,
and the list was left out of step with the database ("... was undone in the database, but
the undo list had changed meanwhile; it was not moved."). Seen with three reviewers on one
PostgreSQL (/tmp/hunt-hteam3/orchestrate.sh, alice's log). The writes here are held by a
gate on the core functions, so the test sees the window while the caption's write is under
way, with no timing involved."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import Busy
from llmvis_desktop.qt import review_writes

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def gate(monkeypatch):
    """The caption and undo writes wait for ``gate.set()`` (at most 20 s); the window never
    waits for a write (as on a server)."""
    g = threading.Event()
    fail: list = []

    def wrap(fn):
        def held(*args, **kwargs):
            g.wait(20)
            if fail:
                raise fail.pop()
            return fn(*args, **kwargs)
        return held

    monkeypatch.setattr(ra, "set_caption", wrap(ra.set_caption))
    monkeypatch.setattr(ra, "apply_state", wrap(ra.apply_state))  # undo / redo
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    g.fail = fail
    return g


def _typed_then_undo(qtbot, win, gate, text: str) -> int:
    """A label key (committed), then ``text`` typed as the caption and refused (the server
    gone a moment: the text stays in the editor, unsaved), then Ctrl+Z on the grid (the
    server back): returns the image."""
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # scratch
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=20000)
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)  # on its way...
    gate.fail.append(Busy("the project database cannot be reached"))
    gate.set()  # ...refused
    assert win.review.wait_writes(20)
    assert win.panel_ctl.caption.is_dirty() and win.review.undo_stack.count() == 1
    gate.clear()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)
    return first


def test_undo_takes_back_the_caption_typed_not_the_action_before(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    errors = []
    win.review.error.connect(errors.append)
    first = _typed_then_undo(qtbot, win, gate, "rust along the weld")
    gate.set()
    assert win.review.wait_writes(20)
    # the caption's write, then the undo waiting for it (its own write) have landed
    qtbot.waitUntil(lambda: win.review.writes_in_flight() == 0 and not win.review._steps_waiting, timeout=20000)
    assert win.review.wait_writes(20)
    assert not any("undo list had changed" in e for e in errors), errors
    with Project.open(labelled_folder) as p:
        rec = p.image(first)
        actions = [e.action for e in p.history(first)]
    assert rec.labels == ("scratch",)  # the label key before the caption stays
    assert rec.caption is None  # the caption saved by Ctrl+Z, then taken back by it
    assert actions == ["labels", "caption", "undo:caption"], actions
    stack = win.review.undo_stack
    assert (stack.count(), stack.index()) == (2, 1)
    assert stack.command(0).text().startswith("Add label") and stack.canRedo()
    assert win.statusBar().currentMessage().startswith("Undone: Edit caption")


def test_undo_waiting_for_a_refused_caption_is_not_done(qtbot, window, labelled_folder, gate):
    """The caption's write refused (the server gone): the Undo pressed with it meant that
    caption; it is not done (the label key before it stays) and the caption is kept typed."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    errors = []
    win.review.error.connect(errors.append)
    first = _typed_then_undo(qtbot, win, gate, "rust along the weld")
    gate.fail.append(Busy("the writer's turn is taken"))
    gate.set()
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.writes_in_flight() == 0, timeout=20000)
    with Project.open(labelled_folder) as p:
        rec = p.image(first)
    assert rec.labels == ("scratch",) and rec.caption is None
    assert win.review.undo_stack.index() == 1
    assert win.panel_ctl.caption.text() == "rust along the weld" and win.panel_ctl.caption.is_dirty()
    assert "(Undo pressed meanwhile: not done.)" in errors[-1], errors


def test_redo_with_a_caption_typed_redoes_nothing_behind_the_list(qtbot, window, labelled_folder, gate):
    """Ctrl+Shift+Z with a caption typed, unsaved: the caption saved first is a new action,
    which ends the redo branch (as any action does); the redo was written anyway (the label
    key undone came back in the database) while the list had dropped it."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    errors = []
    win.review.error.connect(errors.append)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # scratch
    gate.set()
    assert win.review.wait_writes(20)
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)  # undone: redo available
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.undo_stack.canRedo(), timeout=20000)
    gate.clear()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "rust along the weld")
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)
    gate.fail.append(Busy("the project database cannot be reached"))
    gate.set()  # refused: kept in the editor, unsaved
    assert win.review.wait_writes(20)
    assert win.panel_ctl.caption.is_dirty() and win.review.undo_stack.canRedo()
    gate.clear()
    errors.clear()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    gate.set()
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.writes_in_flight() == 0 and not win.review._steps_waiting, timeout=20000)
    assert win.review.wait_writes(20)
    assert not any("list had changed" in e for e in errors), errors
    with Project.open(labelled_folder) as p:
        rec = p.image(first)
    assert rec.caption == "rust along the weld"  # saved by the flush
    assert rec.labels == ()  # the redo branch ended: nothing redone behind the list
    stack = win.review.undo_stack
    assert not stack.canRedo() and stack.command(stack.index() - 1).text() == "Edit caption"
