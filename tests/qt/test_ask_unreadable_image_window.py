"""The ask box is off on an image the index could not read, as the suggestion panel says
("this file cannot be read ..., so the models skip it"): it took a question there, a job
started, and the answer was an error box over the window ("No answer about corrupt.png:
... truncated or corrupt image data"). Seen on a tour with a tiny LLaVA:
/tmp/h1/png/230_ask_corrupt_box.png. Back on a readable image, the box is on again."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qthelpers import open_and_index
from test_ask_image import _enable_ask, _fake_chat, _pump, _select


def test_the_ask_box_is_off_on_an_unreadable_image(qtbot, window, labelled_folder, monkeypatch):
    win = window
    (labelled_folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    project = open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    ask = _enable_ask(qtbot, win)
    good = win.review.current.id
    broken = next(r.id for r in project.images(project.image_ids()) if r.name == "broken.png")
    qtbot.waitUntil(lambda: win.model.row_of(broken) is not None, timeout=10000)

    _select(qtbot, win, broken)
    _pump()
    assert win.review.current.status == "error"
    assert not ask.isEnabled()
    assert "cannot be read" in ask.placeholderText()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _pump()
    assert "cannot be read" in win.statusBar().currentMessage()  # the question key says why
    assert win.suggest_ctl.asker.ask_job is None  # no job, no error box

    _select(qtbot, win, good)
    _pump()
    assert ask.isEnabled() and ask.placeholderText() == "Ask the image\u2026"
