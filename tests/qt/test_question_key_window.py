"""The "Ask the image" question box is one shortcut away (Ctrl+Shift+Q, Suggestions menu).
Only Tab through every card's buttons reached it: the one key named "(Ask the image)",
Ctrl+Shift+A, goes to the answer box, and with no answer shown it left the keys in the
grid; the question then typed there ran as review keys ("is there a scratch?": r marked
the image reviewed, s skipped to the next one, ? opened the help). Seen on a tour with a
tiny LLaVA: /tmp/h1/png/33_ask_answer.png, the status bar "Marked reviewed; 2
suggestions left pending." after typing a question."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from qthelpers import open_and_index
from test_ask_image import _enable_ask, _fake_chat, _pump

from llmvis_desktop.qt.dialogs.shortcuts_dialog import shortcut_rows

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _keys(qtbot, win):
    win.activateWindow()
    win.grid.setFocus()
    qtbot.waitUntil(win.grid.hasFocus, timeout=5000)


def test_the_question_key_puts_a_typed_question_in_the_question_box(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    first = win.review.current.id
    suggestions_dock = ask.parentWidget()
    while suggestions_dock is not None and not hasattr(suggestions_dock, "toggleViewAction"):
        suggestions_dock = suggestions_dock.parentWidget()
    suggestions_dock.hide()  # closed from its title bar: shown again by the key
    _keys(qtbot, win)
    QTest.keyClick(win.grid, Qt.Key.Key_Q, CTRL_SHIFT)
    _pump()
    assert suggestions_dock.isVisible()
    assert QApplication.focusWidget() is ask
    QTest.keyClicks(QApplication.focusWidget(), "is there a scratch?")
    _pump()
    assert ask.text() == "is there a scratch?"
    assert win.review.current.id == first  # no s (skip), no r (mark reviewed)
    assert project.image(first).status != "reviewed"
    QTest.keyClick(ask, Qt.Key.Key_Escape)  # changed their mind: the keys back to the review
    _pump()
    assert win.grid.hasFocus() and ask.text() == "is there a scratch?"
    QTest.keyClick(win.grid, Qt.Key.Key_Q, CTRL_SHIFT)
    _pump()
    assert QApplication.focusWidget() is ask
    with qtbot.waitSignal(win.suggest_ctl.asker.answer_ready, timeout=10000):
        QTest.keyClick(ask, Qt.Key.Key_Return)
    _pump()
    assert win.suggest_ctl.asker.answer_box.isVisible()
    rows = {(section, key): words for section, key, words in shortcut_rows(win)}  # F1 lists it
    assert "Ask the image" in rows[("Suggestions", "Ctrl+Shift+Q")]


def test_without_a_chat_model_the_question_key_says_why_and_leaves_the_keys(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    _keys(qtbot, win)
    QTest.keyClick(win.grid, Qt.Key.Key_Q, CTRL_SHIFT)
    _pump()
    assert win.grid.hasFocus()
    assert "needs a chat model" in win.statusBar().currentMessage()
    assert win.review.current.id == first and project.image(first).status != "reviewed"
