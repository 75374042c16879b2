"""A window layout saved by an earlier version (before the right docks took the whole
height: the Jobs dock spanned the window's width under them) is restored with the right
docks' column whole: the saved state carried the old corners, and restoring it put the
Jobs dock back under the right column, taking its height from the suggestion cards."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from qthelpers import open_and_index, settle


def test_a_layout_saved_before_the_full_height_right_column_keeps_the_column(qtbot, window, labelled_folder, config):
    from llmvis_desktop.qt.app import build_window

    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 700)
    # the earlier version's corners: the bottom dock area under the right one too
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.TopDockWidgetArea)
    settle(qtbot)
    old_jobs = window.panels["jobs"].parentWidget().geometry()
    assert old_jobs.right() == window.width() - 1  # the old layout indeed
    window.close()  # saves geometry and state as any session does
    assert QSettings("llmvis", "llmvis_desktop").value("state") is not None

    win = build_window(config=config)
    qtbot.addWidget(win)
    try:
        win.show()
        open_and_index(qtbot, win, labelled_folder)
        settle(qtbot)
        assert win.corner(Qt.Corner.BottomRightCorner) == Qt.DockWidgetArea.RightDockWidgetArea
        jobs = win.panels["jobs"].parentWidget().geometry()
        for key in ("labels", "caption", "suggestions", "history"):
            right = win.panels[key].parentWidget().geometry()
            assert not jobs.intersects(right), (key, jobs, right)
            assert jobs.right() < right.left(), (key, jobs, right)
        history = win.panels["history"].parentWidget().geometry()
        assert history.bottom() >= jobs.bottom()  # the column reaches down to the status bar
    finally:
        win.shutdown()
