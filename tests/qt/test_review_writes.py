"""Enter and Delete never hold the window while the database writes (a team's PostgreSQL
over a network took ~1.3 s a key on the GUI thread): the write runs on the review writer's
thread, the next image is shown at once, the result (undo command, status line, grid row)
comes when it commits; a refused write takes the reviewer back to the image; closing
waits for the writes. The writes here are held by a gate on the core function, so a test
sees the window while a write is under way, with no timing involved."""
from __future__ import annotations

import threading
from typing import Optional

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import Busy
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt import review_writes

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def gate(monkeypatch):
    """The review writes (Enter, Delete, Undo, Redo, a label key, a caption, R) wait for ``gate.open()`` before writing (at most 20 s); records the
    thread each ran on."""

    class Gate:
        def __init__(self) -> None:
            self.event = threading.Event()
            self.threads: list[bool] = []  # True: ran on the main (GUI) thread
            self.entered = threading.Event()
            self.fail: Optional[BaseException] = None  # raised by the write once let through

        def open(self) -> None:
            self.event.set()

        def wrap(self, fn):
            def held(*args, **kwargs):
                self.threads.append(threading.current_thread() is threading.main_thread())
                self.entered.set()
                self.event.wait(20)
                if self.fail is not None:
                    raise self.fail
                return fn(*args, **kwargs)
            return held

    g = Gate()
    monkeypatch.setattr(ra, "accept", g.wrap(ra.accept))
    monkeypatch.setattr(ra, "reject", g.wrap(ra.reject))
    monkeypatch.setattr(ra, "apply_state", g.wrap(ra.apply_state))  # undo / redo
    monkeypatch.setattr(ra, "toggle_label", g.wrap(ra.toggle_label))  # 1-9, a chip
    monkeypatch.setattr(ra, "set_caption", g.wrap(ra.set_caption))
    monkeypatch.setattr(ra, "set_status", g.wrap(ra.set_status))  # R
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)  # the window never waits (as on a server)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)
    yield g
    g.open()


def _status(folder, image_id):
    with Project.open(folder) as p:
        return p.image(image_id).status, [e.action for e in p.history(image_id)]


def test_enter_and_delete_move_on_while_the_write_is_held(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # returns while the write is held
    assert not gate.event.is_set()
    second = win.review.current.id
    assert second != first  # the next image is shown at once
    assert gate.entered.wait(20) and gate.threads == [False]  # the write runs off the GUI thread
    assert "Saving 1 review" in win.statusBar().currentMessage()
    assert win.review.undo_stack.count() == 0  # only committed actions go on the stack
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)  # the keys still work meanwhile
    third = win.review.current.id
    assert third not in (first, second)
    assert "Saving 2 reviews" in win.statusBar().currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_Left)
    assert win.review.current.id == second
    gate.open()
    assert win.review.wait_writes(20)
    assert _status(labelled_folder, first)[0] == "reviewed"
    assert _status(labelled_folder, second)[0] == "rejected"
    assert win.review.undo_stack.count() == 2
    assert win.review.current.id == second  # the reviewer's own move stands
    assert win.model.record(first).status == "reviewed"  # the grid row took the committed record
    assert "Marked rejected" in win.statusBar().currentMessage()


def test_finished_signal_brings_the_result_without_a_wait(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    with qtbot.waitSignal(win.review._writer.finished, timeout=20000):
        gate.open()
    qtbot.waitUntil(lambda: win.review.undo_stack.count() == 1, timeout=5000)
    assert win.model.record(first).status == "reviewed"
    assert win.review.writes_in_flight() == 0
    assert win.statusBar().currentMessage().startswith(visible_name(win.model.record(first).relpath) + ": Marked reviewed")


def test_undo_pressed_while_the_write_is_in_flight_undoes_it_after_it_commits(
        qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    was = win.review.current.status
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)  # before the accept has committed
    assert "Undo waits for 1 review" in win.statusBar().currentMessage()
    assert _status(labelled_folder, first) == (was, [])
    gate.open()
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 0 and win.review.undo_stack.count() == 1,
                    timeout=20000)
    status, actions = _status(labelled_folder, first)
    assert status == was
    # in order: the accept, then its undo
    assert actions.index("status") < actions.index("undo:status"), actions
    assert win.review.current.id == first  # undo shows the image it took back
    assert win.statusBar().currentMessage().startswith("Undone: Mark reviewed")  # (no card was pending)


def test_a_refused_write_takes_the_reviewer_back_to_the_image(qtbot, window, labelled_folder, gate):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    name = visible_name(win.model.record(first).relpath)
    [sid] = project.add_suggestions([NewSuggestion(first, "caption", "a scratch", "cap-a", score=0.9)])
    win.review._refresh(first)
    qtbot.waitUntil(lambda: win.panel_ctl.suggestions.card(sid) is not None, timeout=10000)
    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert win.review.current.id != first
    assert gate.entered.wait(20)
    with Project.open(labelled_folder) as other:  # a teammate decides the card meanwhile
        other.decide_suggestion(sid, "rejected", "teammate")
    gate.open()
    assert win.review.wait_writes(20)
    assert errors and name in errors[-1] and "not saved" in errors[-1], errors
    assert win.review.current.id == first  # back on it, as the database has it
    assert win.review.current.status != "reviewed"
    assert win.review.undo_stack.count() == 0
    assert _status(labelled_folder, first)[0] != "reviewed"


def test_closing_the_project_waits_for_the_writes_in_flight(qtbot, window, labelled_folder, gate, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    monkeypatch.setattr(review_writes, "CLOSE_SAY_AFTER_S", 0.0)
    said = []

    def on_message(text):
        said.append(text)
        if text.startswith("Closing: waiting for 1 review"):
            gate.open()  # the write ends once the window has said it waits for it

    win.review.message.connect(on_message)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert gate.entered.wait(20)
    win.close_project()
    assert any(t.startswith("Closing: waiting") for t in said), said
    assert _status(labelled_folder, first)[0] == "reviewed"


def test_closing_the_window_waits_for_the_writes_in_flight(qtbot, window, labelled_folder, gate, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    monkeypatch.setattr(review_writes, "CLOSE_SAY_AFTER_S", 0.0)
    said = []
    win.review.message.connect(lambda text: said.append(text) or text.startswith("Closing: waiting") and gate.open())
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    assert gate.entered.wait(20)
    win.shutdown()
    assert any(t.startswith("Closing: waiting for 1 review") for t in said), said
    assert _status(labelled_folder, first)[0] == "rejected"


def test_undo_does_not_hold_the_window_and_moves_the_stack_when_committed(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    was = win.review.current.status
    gate.open()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    assert win.review.wait_writes(20)
    assert win.review.undo_stack.index() == 1
    gate.event.clear()
    gate.entered.clear()
    del gate.threads[:]
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)  # returns while the undo's write is held
    assert gate.entered.wait(20) and gate.threads == [False]
    assert win.review.undo_stack.index() == 1  # the stack moves once the database has the undo
    assert _status(labelled_folder, first)[0] == "rejected"
    QTest.keyClick(win.grid, Qt.Key.Key_Right)  # keys work meanwhile
    gate.open()
    assert win.review.wait_writes(20)
    assert win.review.undo_stack.index() == 0
    assert _status(labelled_folder, first)[0] == was
    assert win.review.current.id == first  # the image undone is shown
    assert win.statusBar().currentMessage() == "Undone: Reject"
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)  # redo, held open
    assert win.review.wait_writes(20)
    assert win.review.undo_stack.index() == 1 and _status(labelled_folder, first)[0] == "rejected"


def test_a_label_key_shows_its_label_at_once_and_is_said_when_committed(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # returns while the write is held
    assert gate.entered.wait(20) and gate.threads == [False]
    assert win.review.current.labels == ("scratch",)  # shown at once
    assert win.model.record(first).labels == ("scratch",)
    with Project.open(labelled_folder) as p:
        assert p.image(first).labels == ()
    assert "Saving 1 review" in win.statusBar().currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_2)  # a second key: written after the first
    gate.open()
    assert win.review.wait_writes(20)
    with Project.open(labelled_folder) as p:
        assert set(p.image(first).labels) == {"scratch", "dent"}
    assert win.review.undo_stack.count() == 2
    assert win.statusBar().currentMessage() == f"Added label dent to {visible_name(win.review.current.relpath)}."
    QTest.keyClick(win.grid, Qt.Key.Key_R)  # R too: shown at once, said when committed
    assert win.review.wait_writes(20)
    assert win.statusBar().currentMessage() == "Marked reviewed."
    assert _status(labelled_folder, first)[0] == "reviewed"


def test_a_refused_label_key_takes_the_reviewer_back_shown_as_the_database_has_it(
        qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    QTest.keyClick(win.grid, Qt.Key.Key_Right)  # the reviewer goes on meanwhile
    assert win.review.current.id != first
    gate.fail = Busy("carol is changing this image right now. Nothing was changed; try again in a moment")
    gate.open()
    assert win.review.wait_writes(20)
    assert errors and visible_name(win.model.record(first).relpath) in errors[-1] and "carol" in errors[-1]
    assert win.review.current.id == first and win.review.current.labels == ()  # as the database has it
    assert win.model.record(first).labels == ()
    assert win.review.undo_stack.count() == 0


def test_a_refused_caption_goes_back_on_screen_unsaved(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "crack along the weld")
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)  # stored: on its way
    assert gate.entered.wait(20) and gate.threads == [False]
    assert win.review.current.caption == "crack along the weld"  # shown at once
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    assert win.review.current.id != first
    gate.fail = Busy("the writer's turn is taken")
    gate.open()
    assert win.review.wait_writes(20)
    assert errors and visible_name(win.model.record(first).relpath) in errors[-1]
    assert win.review.current.id == first and win.review.current.caption is None
    assert edit.toPlainText() == "crack along the weld"  # what was typed is not lost
    assert win.panel_ctl.caption.is_dirty()  # kept unsaved: moving on tries again
    with Project.open(labelled_folder) as p:
        assert p.image(first).caption is None


def test_an_undo_waiting_for_a_refused_write_is_not_done_and_said(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    gate.open()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)  # committed: the one before
    assert win.review.wait_writes(20) and win.review.undo_stack.count() == 1
    gate.event.clear()
    gate.entered.clear()
    errors = []
    win.review.error.connect(errors.append)
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)  # meant the Enter, which will be refused
    assert gate.entered.wait(20)
    gate.fail = Busy("the writer's turn is taken")
    gate.open()
    assert win.review.wait_writes(20)
    assert errors and "Undo pressed meanwhile: not done" in errors[-1], errors
    assert win.review.undo_stack.index() == 1  # the Delete before it was not undone
    assert _status(labelled_folder, first)[0] == "rejected"
