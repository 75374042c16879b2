"""The window sets a repair's output apart from the review queue as N does: the status
bar counts it apart from "new" ("· repair outputs 1"), the Unreviewed filter leaves it
out, and reviewing it moves the counts from "repair output" to "reviewed"."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import folder_with_a_repair, open_and_index

import cv2  # noqa: F401 - a runtime dependency of the classical repair



def test_counts_and_unreviewed_filter_set_a_repair_output_apart(qtbot, window, tmp_path):
    root, out_id = folder_with_a_repair(tmp_path)
    project = open_and_index(qtbot, window, root)
    assert out_id in window.model.ids  # listed under All images
    qtbot.waitUntil(lambda: "repair output" in window.counts_label.text(), timeout=5000)
    assert window.counts_label.text() == "3 images · new 2 · repair outputs 1"
    window.grab().save(str(tmp_path / "counts.png"))
    window.filter_bar.status.setCurrentIndex(1)  # Unreviewed
    qtbot.waitUntil(lambda: sorted(window.model.ids) == sorted(
        project.image_by_path(n).id for n in ("a.png", "b.png")), timeout=5000)
    window.filter_bar.status.setCurrentIndex(0)  # All images: reviewing the output moves the counts
    qtbot.waitUntil(lambda: out_id in window.model.ids, timeout=5000)
    window.grid.select_row(window.model.ids.index(out_id))
    qtbot.waitUntil(lambda: window.review.current is not None and window.review.current.id == out_id, timeout=5000)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_Return)  # marked reviewed: the counts move with no read
    qtbot.waitUntil(lambda: project.image(out_id).status == "reviewed", timeout=5000)
    qtbot.waitUntil(lambda: window.counts_label.text() == "3 images · new 2 · reviewed 1", timeout=5000)
