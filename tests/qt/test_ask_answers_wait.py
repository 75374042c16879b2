""""Ask the image": an answer that comes while another, not yet kept or closed, is on
screen waits for it (Keep as note or Close shows it); it replaced the answer shown, which
was then lost (nothing is stored until kept). A question asked after the answer was read
(the box still open) still replaces nothing either: its answer waits the same way."""
from __future__ import annotations

import threading

import pytest
from test_ask_image import _ask, _enable_ask, _pump, _recording_chat, _select, tiny_models

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


@pytest.fixture
def folder(tmp_path):
    return tiny_models.image_folder(tmp_path / "imgs", 6)


def _answers(folder, image_id):
    with Project.open(folder) as p:
        return [(s.prompt, s.outcome) for s in p.suggestions(image_id) if s.kind == "answer"]


def test_an_answer_coming_while_another_is_shown_waits_for_it(qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    ids = win.project.image_ids()
    a = _select(qtbot, win, ids[0])
    _ask(win, ask, "first question?")
    b = _select(qtbot, win, ids[3])
    _ask(win, ask, "second question?")  # asked next
    gate.set()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    _pump()
    box = sc.answer_box
    # the first answer is still the one shown; the box says another waits
    assert "about first question?" in box.text() and a.relpath in box.text().split("\n\n")[0]
    assert "1 more answer waiting" in box.text() and b.relpath in box.text()
    sc.keep_button.click()  # keeps the first, on A, and shows the second
    _pump()
    assert _answers(folder, a.id) == [("first question?", "accepted")]
    assert box.isVisible() and "about second question?" in box.text()
    assert "waiting" not in box.text() and b.relpath in box.text().split("\n\n")[0]
    sc.keep_button.click()
    _pump()
    assert _answers(folder, b.id) == [("second question?", "accepted")]
    assert not box.isVisible()


def test_close_shows_the_answer_waiting_and_a_question_asked_after_reading_replaces(
        qtbot, window, folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)

    def asked(*questions, total):
        for q in questions:
            _ask(win, ask, q)
        gate.set()
        qtbot.waitUntil(lambda: len(got) == total, timeout=20000)
        gate.clear()
        _pump()

    _select(qtbot, win, win.project.image_ids()[1])
    asked("q1?", "q2?", total=2)  # q2 asked before q1's answer was on screen
    box = sc.answer_box
    assert "about q1?" in box.text() and "1 more answer waiting" in box.text()
    box.close_button.click()  # not kept: the one waiting is shown
    _pump()
    assert box.isVisible() and "about q2?" in box.text() and "waiting" not in box.text()
    asked("q3?", total=3)  # asked with q2's answer read: its answer takes the box
    assert "about q3?" in box.text() and "waiting" not in box.text()
    asked("q4?", "q5?", total=5)
    assert "about q4?" in box.text() and "1 more answer waiting" in box.text()
    win.close_project()  # the answers of a closed project are dropped, the one waiting too
    _pump()
    assert not box.isVisible()
    open_and_index(qtbot, win, folder)
    _enable_ask(qtbot, win)
    _select(qtbot, win, win.project.image_ids()[2])
    asked("q6?", total=6)
    assert box.isVisible() and "about q6?" in box.text() and "waiting" not in box.text()
    box.close_button.click()
    _pump()
    assert not box.isVisible()
