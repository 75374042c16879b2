"""A suggestion card's Accept / Reject / Edit and "Keep as note" never hold the window while
the database writes (a team's PostgreSQL 25 ms away froze it ~0.75-1.25 s a click): they
go on the review writer, in order with the review keys; the card shows its decision at
once ("saving…"), the undo step, grid row and status line come when it commits, and a
refused one names the image and shows its cards afresh. The writes are held by a gate on
the core functions (no timing). Also: one refresh of the image shown rebuilds its panels
once (it did twice: two card reads)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt import review_writes


@pytest.fixture
def gate(monkeypatch):
    """The writes wait for ``gate.open()``; one run on the GUI thread is recorded and not
    held (the test fails on it instead of freezing)."""

    class Gate:
        def __init__(self) -> None:
            self.event, self.entered = threading.Event(), threading.Event()
            self.threads: list[bool] = []  # True: ran on the GUI thread
            self.order: list[str] = []

        def open(self) -> None:
            self.event.set()

        def wrap(self, name, fn):
            def held(*args, **kwargs):
                on_gui = threading.current_thread() is threading.main_thread()
                self.threads.append(on_gui)
                self.entered.set()
                if not on_gui:
                    self.event.wait(20)
                self.order.append(name)
                return fn(*args, **kwargs)
            return held

    g = Gate()
    for name in ("accept", "decide_suggestion", "keep_note"):
        monkeypatch.setattr(ra, name, g.wrap(name, getattr(ra, name)))
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)  # the window never waits (as on a server)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)
    yield g
    g.open()


def _with_cards(qtbot, win, folder):
    project = open_and_index(qtbot, win, folder)
    first = win.review.current.id
    cap, lab = project.add_suggestions([NewSuggestion(first, "caption", "a scratch", "cap-a", score=0.9),
                                        NewSuggestion(first, "label", "dent", "lab-a", score=0.8)])
    win.review._refresh(first)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(cap) is not None and panel.card(lab) is not None, timeout=5000)
    return first, cap, lab, panel


def _outcomes(folder, image_id) -> dict:
    with Project.open(folder) as p:
        return {s.id: s.outcome for s in p.suggestions(image_id)}


def test_a_card_click_does_not_wait_for_the_held_writer_and_shows_saving(qtbot, window, labelled_folder, gate):
    win = window
    first, cap, lab, panel = _with_cards(qtbot, win, labelled_folder)
    QTest.mouseClick(panel.card(lab).accept_button, Qt.MouseButton.LeftButton)  # returns while held
    assert gate.entered.wait(20) and gate.threads == [False], "the card's write ran on the GUI thread"
    card = panel.card(lab)
    assert not card.pending and "saving" in card.outcome_label.text()  # its decision shown at once
    assert lab not in panel.pending_card_ids()
    assert win.review.undo_stack.count() == 0  # only committed actions go on the stack
    assert "Saving 1 review" in win.statusBar().currentMessage()
    assert _outcomes(labelled_folder, first)[lab] == "pending"
    gate.open()
    assert win.review.wait_writes(20)
    assert _outcomes(labelled_folder, first)[lab] == "accepted"
    assert win.review.undo_stack.count() == 1 and win.review.undo_stack.text(0) == "Accept label dent"
    assert "Accepted label dent" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: panel.card(lab) is not None and "saving" not in panel.card(lab).outcome_label.text(),
                    timeout=5000)  # the cards read once committed replace the "saving" one


def test_a_card_decision_then_enter_commit_in_that_order(qtbot, window, labelled_folder, gate):
    win = window
    first, cap, lab, panel = _with_cards(qtbot, win, labelled_folder)
    QTest.mouseClick(panel.card(lab).reject_button, Qt.MouseButton.LeftButton)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # accepts the cards left pending: the caption
    assert win.review.current.id != first  # the next image at once
    gate.open()
    assert win.review.wait_writes(20)
    assert gate.threads == [False, False]  # both on the writer
    assert gate.order == ["decide_suggestion", "accept"]
    assert _outcomes(labelled_folder, first) == {cap: "accepted", lab: "rejected"}
    with Project.open(labelled_folder) as p:
        assert p.image(first).status == "reviewed"
    assert win.review.undo_stack.count() == 2 and win.review.undo_stack.text(0) == "Reject label dent"


def test_a_refused_card_names_the_image_and_shows_the_cards_afresh(qtbot, window, labelled_folder, gate):
    win = window
    first, cap, lab, panel = _with_cards(qtbot, win, labelled_folder)
    name = visible_name(win.model.record(first).relpath)
    errors = []
    win.review.error.connect(errors.append)
    QTest.mouseClick(panel.card(lab).accept_button, Qt.MouseButton.LeftButton)
    assert gate.entered.wait(20) and gate.threads == [False]
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)  # the reviewer goes on meanwhile
    assert win.review.current.id != first
    with Project.open(labelled_folder) as other:  # a teammate decides the card meanwhile
        other.decide_suggestion(lab, "rejected", "teammate")
    gate.open()
    assert win.review.wait_writes(20)
    assert errors and name in errors[-1] and "not saved" in errors[-1], errors
    assert win.review.current.id == first  # back on it, its cards as the database has them
    qtbot.waitUntil(lambda: panel.card(lab) is not None and "teammate" in panel.card(lab).outcome_label.text(),
                    timeout=5000)
    assert win.review.undo_stack.count() == 0


def test_a_refused_card_edit_keeps_the_text_typed(qtbot, window, labelled_folder, gate):
    win = window
    first, cap, lab, panel = _with_cards(qtbot, win, labelled_folder)
    card = panel.card(cap)
    card.start_edit()
    card.editor.setPlainText("a scratch along the weld")
    card.save_edit()  # returns while held
    assert gate.entered.wait(20) and gate.threads == [False]
    assert "saving" in panel.card(cap).outcome_label.text()
    with Project.open(labelled_folder) as other:
        other.decide_suggestion(cap, "rejected", "teammate")
    gate.open()
    assert win.review.wait_writes(20)
    editor = win.panel_ctl.caption
    assert editor.edit.toPlainText() == "a scratch along the weld" and editor.is_dirty()  # not lost, unsaved
    assert _outcomes(labelled_folder, first)[cap] == "rejected"


def test_keep_note_gives_its_id_to_a_callback_once_committed(qtbot, window, labelled_folder, gate):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    got = []
    item = NewSuggestion(cur, "answer", "yes, a scratch", "chat", 0.7, "r1", "is there a scratch?")
    assert win.review.keep_note(item, "Keep answer as note", on_kept=got.append)  # returns while held
    assert gate.entered.wait(20) and gate.threads == [False]
    assert got == [] and "Saving 1 review" in win.statusBar().currentMessage()
    gate.open()
    assert win.review.wait_writes(20)
    assert len(got) == 1 and _outcomes(labelled_folder, cur) == {got[0]: "accepted"}
    assert win.review.undo_stack.count() == 1


def test_one_refresh_of_the_image_shown_rebuilds_its_panels_once(qtbot, window, labelled_folder):
    win = window
    first, cap, lab, panel = _with_cards(qtbot, win, labelled_folder)
    calls, reads = [], []
    real_set, real_read = win.panel_ctl.set_record, win.project.cards_and_history
    win.panel_ctl.set_record = lambda rec: (calls.append(rec.id if rec else None), real_set(rec))[1]
    # every read of the cards goes through cards_and_history: alone (suggestion_cards calls
    # it), or with the image's trail in the same transaction once the History has shown it
    # (its timer fired before the refresh). Counting suggestion_cards alone missed the
    # second kind: the test failed about 1 run in 8, on timing (reads == [])
    win.project.cards_and_history = lambda *a, **k: (reads.append(a), real_read(*a, **k))[1]
    win.review._refresh(first)
    win.panel_ctl.flush_cards()
    assert calls == [first], calls
    assert len(reads) == 1, reads


def test_keep_as_note_in_the_answer_box_waits_for_its_commit_then_closes(qtbot, window, labelled_folder, gate,
                                                                         monkeypatch):
    from test_keep_note_undo import _ask, _fake_chat, _pump

    win = window
    open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    cur = win.review.current.id
    asker = _ask(qtbot, win)
    asker.keep_button.click()  # returns while held
    assert gate.entered.wait(20) and gate.threads == [False]
    assert asker.answer_box.isVisible() and not asker.keep_button.isEnabled()  # not kept twice
    assert asker.keep_answer() is None and len(gate.threads) == 1
    gate.open()
    assert win.review.wait_writes(20)
    _pump()
    assert not asker.answer_box.isVisible() and asker.keep_button.isEnabled()
    assert list(_outcomes(labelled_folder, cur).values()) == ["accepted"]
