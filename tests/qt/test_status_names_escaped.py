"""Status-bar messages naming an image (a caption that could not be saved, Ask the image)
showed its name's control characters raw: an ESC sequence, a tab, and a newline that cut
the message short at it. They now show the name as the grid does (wording.visible_name)."""
from __future__ import annotations

import re

from test_ask_image import _enable_ask, _select, folder  # noqa: F401 - fixture
from test_ask_oom_note import _chat
from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.wording import visible_name

ODD = "odd\x1b[2J\tname\nhere.png"
RAW = re.compile("[\x00-\x1f\x7f]")


def _with_odd_name(root):
    first = sorted(root.rglob("*.png"))[0]
    first.rename(root / ODD)
    return root


def _odd_image(win):
    return next(i for i in win.project.image_ids() if win.project.image(i).relpath == ODD)


def _unreachable(*_a, **_k):
    raise OSError("connection to server failed: Connection refused")


def test_a_caption_not_saved_names_the_image_escaped(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, _with_odd_name(labelled_folder))
    odd = _select(qtbot, win, _odd_image(win))
    editor = win.panel_ctl.caption
    monkeypatch.setattr(ra, "set_caption", _unreachable)
    monkeypatch.setattr(win, "show_error", lambda text: None)  # (its box: the status bar is checked)
    editor.edit.setPlainText("typed during the outage")
    row = win.model.row_of(odd.id)
    win.grid.select_row(row - 1 if row else row + 1)  # moving on saves the typing first
    qtbot.waitUntil(lambda: win.review.current.id == odd.id, timeout=10000)
    qtbot.waitUntil(lambda: "Stayed on" in win.statusBar().currentMessage(), timeout=10000)
    shown = win.statusBar().currentMessage()
    assert shown.startswith(f"Stayed on {visible_name(ODD)}: what you typed could not be saved"), shown
    assert not RAW.search(shown), repr(shown)


def test_ask_the_image_names_the_image_escaped(qtbot, window, folder, monkeypatch):  # noqa: F811
    win = window
    open_and_index(qtbot, win, _with_odd_name(folder))
    _chat(monkeypatch, {})
    ask = _enable_ask(qtbot, win)
    _select(qtbot, win, _odd_image(win))
    shown = []
    monkeypatch.setattr(win, "show_error", shown.append)
    ask.setText("fails")
    ask.returnPressed.emit()
    job = win.suggest_ctl.asker.ask_job
    assert job.name == f"Ask the image ({visible_name(ODD)})"  # the jobs panel's line
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert shown[0].startswith(f"No answer about {visible_name(ODD)}: "), shown
    assert not RAW.search(shown[0]), shown
