"""Undo of "Keep as note" takes the note back as if the answer had been closed: nothing
was stored before Keep, so nothing is left pending after its undo. Undone, the answer
card stayed on the image as a pending answer card (on a reviewed image too), which Enter
leaves pending and Delete rejects. A keep that fails leaves nothing stored and the answer
on screen: it stored the answer card pending and closed the box."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, set_setting

from llmvis_desktop.core.project import Project

from test_ask_image import CHAT_PATH, _fake_chat, _pump  # the window's ask set-up


def _ask(qtbot, win, question="is there a scratch?"):
    set_setting(win, "captioner", CHAT_PATH)
    asker = win.suggest_ctl.asker
    asker.refresh()
    ask = win.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(ask.isEnabled, timeout=20000)
    with qtbot.waitSignal(asker.answer_ready, timeout=10000):
        ask.setText(question)
        ask.returnPressed.emit()
    _pump()
    return asker


def _answers(folder, image_id):
    with Project.open(folder) as p:
        return [s for s in p.suggestions(image_id) if s.kind == "answer"]


def test_undo_keep_as_note_leaves_no_pending_answer(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    cur = win.review.current.id
    win.review.set_status("reviewed")
    asker = _ask(qtbot, win)
    asker.keep_button.click()
    _pump()
    (s,) = _answers(labelled_folder, cur)
    assert s.outcome == "accepted"

    win.review.undo()
    _pump()
    (s,) = _answers(labelled_folder, cur)
    assert s.outcome != "pending", "the undone note stayed on the image as a pending answer card"
    assert s.outcome != "accepted"
    with Project.open(labelled_folder) as p:
        rec = p.image(cur)
        assert rec.status == "reviewed" and rec.max_score is None
    panel = win.panel_ctl.suggestions
    assert panel.card(s.id) is None and panel.pending_card_ids() == set()

    win.review.redo()  # the note back, kept as before
    _pump()
    (s,) = _answers(labelled_folder, cur)
    assert s.outcome == "accepted" and s.final_value == "yes, a scratch"
    win.review.undo()
    _pump()
    # Delete afterwards rejects nothing it was not shown: the undone note is not among its cards
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    (s,) = _answers(labelled_folder, cur)
    assert s.outcome not in ("pending", "rejected", "accepted")


def test_undo_keep_on_a_new_image_leaves_it_new(qtbot, window, labelled_folder, monkeypatch):
    """A new image stays new: the note's card, pending for a moment, made it "suggested"."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    cur = win.review.current.id
    asker = _ask(qtbot, win)
    asker.keep_button.click()
    _pump()
    win.review.undo()
    _pump()
    with Project.open(labelled_folder) as p:
        assert p.image(cur).status == "new"
        events = [e.action for e in p.history(cur)]
    assert "note" in events and events[-1] == "undo:suggestion"  # the trail keeps both


def test_keep_that_fails_stores_nothing_and_keeps_the_answer_shown(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    cur = win.review.current.id
    asker = _ask(qtbot, win)
    from llmvis_desktop.core.store import repo_suggest

    def refuse(*_a, **_kw):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(repo_suggest, "decide", refuse)
    errors = []
    win.review.error.connect(errors.append)
    asker.keep_button.click()
    _pump()
    assert errors and "the disk is full" in errors[-1]
    assert _answers(labelled_folder, cur) == [], "a failed keep left the answer stored as a pending card"
    assert asker.answer_box.isVisible(), "the answer was closed though it was not kept"
    monkeypatch.undo()
    _fake_chat(monkeypatch)
    asker.keep_button.click()  # tried again, it is kept
    _pump()
    (s,) = _answers(labelled_folder, cur)
    assert s.outcome == "accepted" and not asker.answer_box.isVisible()

