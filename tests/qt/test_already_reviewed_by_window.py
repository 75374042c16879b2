"""Enter on an image a teammate already reviewed says who marked it and when (it said
"Already reviewed" without naming anyone)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.when import short_when


def test_enter_on_an_image_bob_reviewed_names_bob_and_when(qtbot, window, labelled_folder):
    with Project.open(labelled_folder) as p:
        p.index()
        ids = p.image_ids(sort="name")
        for i in ids:
            ra.set_status(p, i, "reviewed", "bob")
        ats = {i: next(e.at for e in p.history(i) if e.action == "status") for i in ids}
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.review.go_to_row(0)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    said = win.statusBar().currentMessage()
    assert said.startswith("Already reviewed by bob at "), said
    assert any(said.startswith(f"Already reviewed by bob at {short_when(at)};") for at in ats.values()), said
