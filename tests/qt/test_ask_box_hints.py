""""Ask the image": the box says why nothing was asked (an empty question) and that a
question longer than it takes was cut (a pasted 2,400 characters were cut to 1,000 with
no word, an empty Enter did nothing and said nothing)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_ask_image import _enable_ask, _pump, _recording_chat, tiny_models

from qthelpers import open_and_index

from llmvis_desktop.qt.ask_controller import ASK_MAX_CHARS


@pytest.fixture
def folder(tmp_path):
    return tiny_models.image_folder(tmp_path / "imgs", 4)


def test_an_empty_question_says_so_in_the_ask_box(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    _chat, calls = _recording_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    hint = win.panel_ctl.suggestions.ask_hint
    ask.setFocus()
    QTest.keyClicks(ask, "   ")
    QTest.keyClick(ask, Qt.Key.Key_Return)
    _pump()
    assert not calls and win.suggest_ctl.asker.ask_job is None
    assert hint.isVisible() and "Type a question" in hint.text()
    QTest.keyClicks(ask, "is there a crack?")  # typing takes the hint away
    assert not hint.isVisible()


def test_a_pasted_question_over_the_limit_is_cut_and_says_so(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    _chat, calls = _recording_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    hint = win.panel_ctl.suggestions.ask_hint
    question = ("Is there a scratch near the edge of the plate? " * 60)[:2400]
    QApplication.clipboard().setText(question)
    ask.setFocus()
    QTest.keyClick(ask, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert ask.text() == question[:ASK_MAX_CHARS]
    assert hint.isVisible(), "the cut was not said"
    said = hint.text()
    assert "1,000" in said and "2,400" in said and "cut" in said, said
    with qtbot.waitSignal(win.suggest_ctl.asker.answer_ready, timeout=10000):
        QTest.keyClick(ask, Qt.Key.Key_Return)  # the cut question is asked as shown
    assert calls[-1][1] == question[:ASK_MAX_CHARS].strip()
