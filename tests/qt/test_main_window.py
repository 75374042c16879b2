"""The real main window: open a folder, index it, show grid and viewer, close cleanly."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


def test_welcome_then_open_folder(qtbot, window, image_folder):
    assert window.stack.currentWidget() is window.welcome
    project = open_and_index(qtbot, window, image_folder)
    assert window.stack.currentWidget() is window.browse_page
    assert window.model.rowCount() == 12
    qtbot.waitUntil(lambda: "12 images" in window.counts_label.text())
    # first image selected, shown in the viewer
    assert window.review.current is not None
    qtbot.waitUntil(lambda: window.viewer.mode() == "image", timeout=10000)
    # thumbnails arrive for the visible rows
    qtbot.waitUntil(lambda: window.thumbs.pending() == 0 and len(window.thumbs._lru) > 0, timeout=10000)
    assert project.info()["headers_pending"] == 0


def test_deleted_file_shows_error_not_crash(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    rec = window.review.current
    (image_folder / rec.relpath).unlink()
    window.review.next()
    window.review.prev()
    qtbot.waitUntil(lambda: window.viewer.mode() == "error", timeout=10000)
    assert "not found" in window.viewer.error_text()


def test_position_remembered(qtbot, window, image_folder, config):
    open_and_index(qtbot, window, image_folder)
    for _ in range(3):
        QTest.keyClick(window.grid, Qt.Key.Key_Right)
    rel = window.review.current.relpath
    window.close_project()
    with Project.open(image_folder) as p:
        assert p.settings()["position"] == rel
    open_and_index(qtbot, window, image_folder)
    assert window.review.current.relpath == rel


def test_close_while_indexing_joins_threads(qtbot, window, tmp_path):
    from qthelpers import make_images

    folder = tmp_path / "many"
    make_images(folder, n=300, size=(32, 32))
    window.open_project(folder)
    assert window.index_job is not None
    window.close()
    assert window.jobs.pool.activeThreadCount() == 0
