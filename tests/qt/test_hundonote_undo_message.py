"""Ctrl+Z of a label key whose label a teammate had removed meanwhile (carol's CSV import
with ``--overwrite`` set the image's labels): the window said "Undone: Add label dent mark"
as if it had taken the label off, with no history event and no word that someone else had
changed it, unlike an undone caption a teammate had changed ("left the caption alone:
changed by someone else since"). Seen in /tmp/hunt-hteam3/run7 (bob, a/img_116.png)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project

CTRL = Qt.KeyboardModifier.ControlModifier


def test_undo_of_a_label_a_teammate_removed_says_so(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    image_id = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # scratch
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 1, timeout=20000)
    with Project.open(labelled_folder) as carol:  # her import sets the labels: crack only
        ra.set_labels(carol, image_id, ["crack"], "import:carol.csv by carol")
        events = [e.action for e in carol.history(image_id)]
    said = []
    win.statusBar().messageChanged.connect(lambda m: m and said.append(m))
    QTest.keyClick(win.grid, Qt.Key.Key_Z, CTRL)
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 0, timeout=20000)
    with Project.open(labelled_folder) as p:
        assert p.image(image_id).labels == ("crack",)  # carol's labels stay
        assert [e.action for e in p.history(image_id)] == events  # nothing written
    last = win.statusBar().currentMessage()
    assert last.startswith("Undone: Add label scratch"), said
    assert "label 'scratch' alone: changed by someone else since" in last, said
    assert "labels now: crack" in last, said
    assert win.review.undo_stack.canRedo()
