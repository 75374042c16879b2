"""An answer that comes while the reviewer goes on with the review keys does not take
them: the box showed itself as the active window with "Keep as note" its default button,
so the next Enter, meant to accept the image shown, kept the answer as a note instead
(and the image was not accepted)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from qthelpers import open_and_index, set_setting

from test_keep_note_undo import _answers, _fake_chat, _pump


def _ask_a_question(qtbot, win, folder, monkeypatch):
    """The window on ``folder`` with a (fake) chat captioner, a question typed into the ask
    box: (project, the image shown, the asker, the ask box)."""
    project = open_and_index(qtbot, win, folder)
    _fake_chat(monkeypatch)
    set_setting(win, "captioner", "/m/llava")
    asker = win.suggest_ctl.asker
    asker.refresh()
    ask = win.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(ask.isEnabled, timeout=20000)
    win.activateWindow()
    ask.setFocus()
    QTest.keyClicks(ask, "is there a scratch?")
    return project, win.review.current.id, asker, ask


def test_enter_after_an_answer_pops_up_reviews_the_image_not_the_note(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project, first, asker, ask = _ask_a_question(qtbot, win, labelled_folder, monkeypatch)
    with qtbot.waitSignal(asker.answer_ready, timeout=10000):
        QTest.keyClick(ask, Qt.Key.Key_Return)  # asked: the keys go back to the review
    _pump()
    assert asker.answer_box.isVisible()
    assert QApplication.activeWindow() is win, "the answer box took the keys"
    target = QApplication.focusWidget() or win
    QTest.keyClick(target, Qt.Key.Key_Return)  # the reviewer's next Enter
    _pump()
    assert project.image(first).status == "reviewed"
    assert _answers(labelled_folder, first) == [], "Enter kept the answer as a note"
    assert asker.answer_box.isVisible()  # still there, to keep or close
    # the box's own keys: Enter there presses no button (Keep as note, or Close, by accident)
    box = asker.answer_box
    box.activateWindow()
    box.answer_view.setFocus()
    _pump()
    QTest.keyClick(box.answer_view, Qt.Key.Key_Return)
    _pump()
    assert _answers(labelled_folder, first) == [] and box.isVisible()
    QTest.mouseClick(asker.keep_button, Qt.MouseButton.LeftButton)  # the button itself keeps it
    (s,) = _answers(labelled_folder, first)
    assert s.outcome == "accepted"


def test_the_answer_box_is_reached_from_the_keyboard(qtbot, window, labelled_folder, monkeypatch):
    """Shown without the keys, the box is one shortcut away (Ctrl+Shift+A), its Keep as
    note focused: Space keeps the answer; the status bar says the shortcut when it comes."""
    win = window
    project, first, asker, ask = _ask_a_question(qtbot, win, labelled_folder, monkeypatch)
    with qtbot.waitSignal(asker.answer_ready, timeout=10000):
        QTest.keyClick(ask, Qt.Key.Key_Return)
    _pump()
    assert "Ctrl+Shift+A" in win.statusBar().currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _pump()
    assert QApplication.activeWindow() is asker.answer_box
    assert QApplication.focusWidget() is asker.keep_button
    QTest.keyClick(asker.keep_button, Qt.Key.Key_Space)
    _pump()
    (s,) = _answers(labelled_folder, first)
    assert s.outcome == "accepted" and not asker.answer_box.isVisible()
    QTest.keyClick(win.grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.statusBar().currentMessage() == "No answer is shown (Ask the image, under the suggestions)."
