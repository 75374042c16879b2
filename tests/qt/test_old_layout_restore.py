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


def test_a_layout_saved_in_a_large_window_restored_at_960x540_shows_a_whole_card(qtbot, window, labelled_folder,
                                                                              config):
    """Saved at 1400x900 and restored on a 1920x1080 screen at 200%: Qt took the whole
    shortfall from the Suggestions dock (down to its minimum, the card's buttons below
    its scroll) while History and Caption kept their room."""
    from PySide6.QtCore import QRect
    from qthelpers import FakeScreen

    from llmvis_desktop.core.store.records import NewSuggestion
    from llmvis_desktop.qt.app import build_window

    open_and_index(qtbot, window, labelled_folder)
    window.resize(1400, 900)
    settle(qtbot)
    window.close()

    win = build_window(config=config)
    qtbot.addWidget(win)
    try:
        win.screen = lambda: FakeScreen(960, 540)
        win.resize(960, 540)
        win.show()
        open_and_index(qtbot, win, labelled_folder)
        settle(qtbot)
        rec = win.review.current
        win.project.add_suggestions([NewSuggestion(rec.id, "caption", "a dented metal plate with a long scratch "
                                                   "along the left edge", "microsoft/Florence-2-base", score=0.8)])
        win.review._refresh(rec.id)
        settle(qtbot)
        assert (win.width(), win.height()) == (960, 540)
        panel = win.panels["suggestions"]
        view = panel.scroll.viewport()
        card = next(c for c in panel._pool if c.isVisible())
        for part in (card.accept_button, card.edit_button, card.reject_button):
            assert view.rect().contains(QRect(part.mapTo(view, part.rect().topLeft()), part.size())), \
                (panel.parentWidget().geometry(), view.height())
    finally:
        win.shutdown()
