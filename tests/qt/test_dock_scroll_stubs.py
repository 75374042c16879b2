"""No stub scroll bar (arrows, no room for a handle) in the Labels dock of a project
without labels, nor in the Jobs dock showing one line; the Labels hint shown whole."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from qthelpers import open_and_index


def _settle(qtbot) -> None:
    for _ in range(3):  # the docks' heights are asked for on the next event-loop turns
        QApplication.processEvents()
        qtbot.waitUntil(lambda: True)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_the_labels_dock_without_labels_has_no_scroll_bar_and_its_whole_hint(qtbot, window, image_folder, size):
    window.resize(*size)
    open_and_index(qtbot, window, image_folder)
    _settle(qtbot)
    panel = window.panel_ctl.labels
    bar = panel.scroll.verticalScrollBar()
    assert not bar.isVisible() and bar.maximum() == 0
    hint = panel.empty_label
    assert hint.isVisible() and hint.height() >= hint.heightForWidth(hint.width())
    assert hint.geometry().bottom() < panel.scroll.viewport().height()
    assert hint.width() <= panel.scroll.viewport().width()


def test_the_jobs_dock_showing_one_line_has_no_stub_scroll_bar(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    for name in ("one", "two"):  # two done lines: the newest shown, the older one scrolls
        with qtbot.waitSignal(window.jobs.job_finished, timeout=10000):
            window.jobs.start(name, lambda token, progress: None)
    _settle(qtbot)
    panel = window.panel_ctl.jobs
    scroll = panel._scroll
    bar = scroll.verticalScrollBar()
    assert scroll.viewport().height() < bar.sizeHint().height()  # one line: no room for a handle
    assert not bar.isVisible()
    scroll.verticalScrollBar().setValue(bar.maximum())  # (the wheel still scrolls to the older line)
    assert bar.maximum() > 0
