"""A label key (1-9) on an image the index could not read added the label: "Added label
pitting to lot_A/broken.png", kept, exported (CSV, COCO) as that image's label, while Enter
on it said "Not marked: nobody can see it". Adding a label nobody could have seen is
refused the same way ("Not labelled: nobody can see it..."); taking one off still works."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, settle


def test_a_label_key_on_an_unreadable_image_adds_nothing(qtbot, window, labelled_folder):
    (labelled_folder / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    rec = project.image_by_path("a/broken.png")
    assert rec.status == "error"
    win.review.go_to_row(win.model.row_of(rec.id))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == rec.id, timeout=10000)
    settle(qtbot)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    settle(qtbot)
    said = win.statusBar().currentMessage()
    assert said.startswith("Not labelled: nobody can see it. a/broken.png could not be read"), said
    assert project.image(rec.id).labels == ()
    # a label it carries from before (an import, a file that broke since) can be taken off
    project.apply_state(rec.id, {"labels": ["scratch"]}, "tester", "import")
    win.review.show_from_database(rec.id)
    qtbot.waitUntil(lambda: win.review.current.labels == ("scratch",), timeout=10000)
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: project.image(rec.id).labels == (), timeout=10000)
