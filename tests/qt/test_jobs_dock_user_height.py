"""The Jobs dock sizes itself to its lines only until the reviewer drags its height: a
job ending shrank it back to one line, undoing a height the reviewer had dragged it to."""
from __future__ import annotations

import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from qthelpers import open_and_index


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


def _drag_top_edge(qtbot, window, dock, dy: int) -> None:
    """Drag the separator above the dock by ``dy`` px (negative: up, the dock taller),
    as the reviewer does with the mouse."""
    geo = dock.geometry()
    start = QPoint(geo.center().x(), geo.top() - 2)
    QTest.mouseMove(window, start)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):  # Qt applies a separator move on its next event loop pass
        QTest.mouseMove(window, start + QPoint(0, dy * step // 5))
        qtbot.wait(20)
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(0, dy))
    _settle(qtbot)


def _run_a_job(qtbot, window, panel, during=None):
    release = threading.Event()
    job = window.jobs.start("long job", lambda token, progress: release.wait(30))
    qtbot.waitUntil(lambda: panel.has_job(str(job.id)), timeout=10000)
    _settle(qtbot)
    if during is not None:
        during()
    release.set()
    qtbot.waitUntil(lambda: not panel.has_job(str(job.id)), timeout=5000)
    _settle(qtbot)


def test_a_height_the_reviewer_dragged_the_jobs_dock_to_is_kept(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    panel = window.panels["jobs"]
    dock = panel.parentWidget()
    auto = dock.height()
    assert auto <= 60  # one line, fitted
    _drag_top_edge(qtbot, window, dock, -120)
    dragged = dock.height()
    assert dragged >= auto + 100, (auto, dragged)  # the drag took
    seen = []
    _run_a_job(qtbot, window, panel, during=lambda: seen.append(dock.height()))
    assert seen[0] >= dragged  # never below the reviewer's height while it runs
    assert dock.height() == dragged, (dragged, dock.height())  # nor after it ends
    _run_a_job(qtbot, window, panel)
    assert dock.height() == dragged


def test_until_the_reviewer_drags_it_the_dock_still_fits_its_lines(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    panel = window.panels["jobs"]
    dock = panel.parentWidget()
    window.resizeDocks([dock], [200], Qt.Orientation.Vertical)  # the program, not the reviewer
    _settle(qtbot)
    _run_a_job(qtbot, window, panel)
    assert dock.height() <= 60


def test_a_click_on_a_separator_that_moves_nothing_is_no_drag(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    panel = window.panels["jobs"]
    dock = panel.parentWidget()
    _drag_top_edge(qtbot, window, dock, 0)
    assert window.panel_ctl.jobs_fit.user_height is None
    window.resizeDocks([dock], [200], Qt.Orientation.Vertical)
    _settle(qtbot)
    _run_a_job(qtbot, window, panel)
    assert dock.height() <= 60
