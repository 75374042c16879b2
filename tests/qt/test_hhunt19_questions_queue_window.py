"""Questions asked while the model answers another are each asked in turn: a third
question asked while the first was being answered took the place of the second, which
was never asked and nothing said so (the status bar had said it was "asked next")."""
from __future__ import annotations

import threading

from test_ask_image import _ask, _enable_ask, _recording_chat, _select, folder  # noqa: F401
from qthelpers import open_and_index


def test_every_question_asked_meanwhile_is_answered_in_turn(qtbot, window, folder, monkeypatch):  # noqa: F811
    win = window
    open_and_index(qtbot, win, folder)
    gate = threading.Event()
    _chat, calls = _recording_chat(monkeypatch, gate=gate)
    ask = _enable_ask(qtbot, win)
    sc = win.suggest_ctl.asker
    got = []
    sc.answer_ready.connect(got.append)
    ids = win.project.image_ids()
    a = _select(qtbot, win, ids[0])
    _ask(win, ask, "first question?")
    b = _select(qtbot, win, ids[2])
    _ask(win, ask, "second question?")
    assert "asked next" in win.statusBar().currentMessage()
    c = _select(qtbot, win, ids[4])
    _ask(win, ask, "third question?")
    status = win.statusBar().currentMessage()
    gate.set()  # (before any assertion: the window's shutdown waits for the job)
    assert c.relpath in status and "2 questions wait" in status, status
    qtbot.waitUntil(lambda: len(got) == 3, timeout=20000)
    assert [(r.image_id, r.prompt) for r in got] == [
        (a.id, "first question?"), (b.id, "second question?"), (c.id, "third question?")]
    assert [c_[:2] for c_ in calls] == [(r.image_id, r.prompt) for r in got]

