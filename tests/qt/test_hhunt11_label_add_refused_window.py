"""A label typed in "+ Add label" whose add was refused (the disk under the project database
full, the label list busy) was gone from the box: Enter cleared it before the add was
tried, so the status bar said "Adding “hairline crack” was refused. The disk holding the
project database is full..." over an empty box, the name to be typed again once space was
freed (/tmp/hh11: a 300 KB tmpfs filled with dd). The refused name goes back in the box."""
from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qthelpers import make_images, open_and_index, settle
from sqlalchemy.exc import OperationalError

from llmvis_desktop.core.project import Project


def _type_label(qtbot, win, name):
    # the reviewer clicks into the box: keys reach the focus widget, and the key guard
    # (Return for the box, not Accept) goes on it as it takes the focus
    box = win.panel_ctl.labels.add_edit
    win.activateWindow()
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(box.hasFocus, timeout=10000)
    QTest.keyClicks(box, name)
    QTest.keyClick(box, Qt.Key.Key_Return)
    return box


def test_a_label_refused_by_a_full_disk_stays_in_the_box(qtbot, window, tmp_path, monkeypatch):
    make_images(tmp_path / "imgs", 4, size=(32, 24))
    win = window
    project = open_and_index(qtbot, win, tmp_path / "imgs")

    def full(self, *a, **k):
        raise OperationalError("INSERT INTO labels ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(Project, "add_label", full)
    box = _type_label(qtbot, win, "hairline crack")
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=10000)
    settle(qtbot)
    said = win.statusBar().currentMessage()
    assert "Adding \u201chairline crack\u201d was refused" in said and "disk" in said, said
    assert box.text() == "hairline crack"
    monkeypatch.undo()  # space freed: back in the box (the focus went back to the grid), Enter adds it
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(box.hasFocus, timeout=10000)
    QTest.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [d.name for d in project.labels()] == ["hairline crack"], timeout=10000)
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=10000)
    assert box.text() == ""


def test_a_label_refused_while_the_list_is_busy_stays_in_the_box(qtbot, window, tmp_path):
    make_images(tmp_path / "imgs", 4, size=(32, 24))
    win = window
    open_and_index(qtbot, win, tmp_path / "imgs")
    win.panel_ctl.taxonomy_running = "renaming \u201cdent\u201d"  # another change not yet saved
    try:
        box = _type_label(qtbot, win, "scratch")
        assert "still being saved" in win.statusBar().currentMessage()
        assert box.text() == "scratch"
    finally:
        win.panel_ctl.taxonomy_running = None
