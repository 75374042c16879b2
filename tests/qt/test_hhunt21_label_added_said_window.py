"""A label typed in "+ Add label" and saved says so in the status bar, with its number key,
and that the keys are back with the review: nothing was said (the "Adding “ok”…" line
cleared), and an inspector typing the taxonomy by keys (ok, scratch, crack...) typed the
next name into the grid, where S skipped the image and R marked it reviewed."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qthelpers import make_images, open_and_index, settle


def _add(qtbot, win, name):
    box = win.panel_ctl.labels.add_edit
    win.activateWindow()
    box.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(box.hasFocus, timeout=10000)
    QTest.keyClicks(box, name)
    QTest.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=10000)
    settle(qtbot)
    return win.statusBar().currentMessage()


def test_an_added_label_says_its_key_and_where_the_keys_went(qtbot, window, tmp_path):
    make_images(tmp_path / "imgs", 4, size=(32, 24))
    win = window
    project = open_and_index(qtbot, win, tmp_path / "imgs")
    said = _add(qtbot, win, "ok")
    assert said.startswith("Added label \u201cok\u201d, its key 1."), said
    assert "keys are back with the review" in said and "+ Add label" in said
    assert win.grid.hasFocus()
    said = _add(qtbot, win, "scratch")
    assert said.startswith("Added label \u201cscratch\u201d, its key 2."), said
    assert [d.name for d in project.labels()] == ["ok", "scratch"]
