"""A job's row in the Jobs panel once the job ended.

1. The running row's bold title and Cancel button were painted over the done line that
   replaced them: ``finish`` took them out of the row's layout and only asked Qt to
   delete them later, so they stayed shown where they were until the event loop next
   ran its deferred deletes (a grab right after "Model suggestions (all images)" ended
   showed both in one place).
2. A done line wrapped to more lines when the dock got narrower (the window resized to
   960x540) and the dock kept the height of its lines at the old width: the last line of
   the message was cut off.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtWidgets import QWidget
from qthelpers import open_and_index, settle

LONG = ("done: 0 suggestions for 4 images in 0.4 s (models loaded in 0.3 s, then 12.1 images/s on cpu), 0 already done; "
        "8 suggestions were the same as cards still pending: kept, with the new score")


def _overlapping(panel) -> list:
    """Pairs of shown child widgets of one job row that share pixels."""
    pairs = []
    for row in panel.findChildren(QWidget, "jobRow"):
        if not row.isVisible():
            continue
        kids = [w for w in row.findChildren(QWidget) if w.parentWidget() is row and w.isVisible()]
        for i, a in enumerate(kids):
            pairs += [(a, b) for b in kids[i + 1:] if a.geometry().intersects(b.geometry())]
    return pairs


def test_a_finished_rows_running_widgets_are_gone_at_once(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.resize(860, 140)
    panel.show()
    qtbot.waitExposed(panel)
    for ok, message in ((True, LONG), (False, "cancelled"), (False, "failed: disk full")):
        panel.add_job("a", "Model suggestions (all images)")
        panel.update_job("a", 2, 4, "scoring img002.png", eta_s=3, rate=1.5)
        settle(qtbot)
        row = panel.row("a")
        panel.finish_job("a", ok, message)  # no turn of the event loop: a grab now
        assert _overlapping(panel) == [], message
        assert not row.cancel_button.isVisible() and not row.title_label.isVisible()
        assert [w for w in row.findChildren(QWidget) if w.isVisible()
                and w not in (row.done_label, row.copy_button)] == []
        settle(qtbot)
        assert _overlapping(panel) == []


def test_a_done_line_that_wraps_to_more_lines_in_a_narrower_window_is_shown_whole(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    panel = window.panels["jobs"]
    release = threading.Event()
    job = window.jobs.start("Model suggestions (all images)", lambda token, progress: release.wait(30))
    job.done_text = LONG[len("done: "):]  # what the suggestions job says of its result
    release.set()
    qtbot.waitUntil(lambda: panel.row(str(job.id)) is not None and panel.row(str(job.id)).finished, timeout=5000)
    settle(qtbot)
    label = panel.row(str(job.id)).done_label
    wide_lines, wide_width = label.height() // label.fontMetrics().lineSpacing(), label.width()
    window.resize(960, 540)  # the window's smallest supported size
    qtbot.waitUntil(lambda: label.width() < wide_width and label.height() >= label.heightForWidth(label.width())
                    and label.visibleRegion().boundingRect().height() >= label.heightForWidth(label.width()),
                    timeout=10000)
    assert label.height() // label.fontMetrics().lineSpacing() > wide_lines  # it did wrap to more lines
    assert panel.height() >= panel.wanted_height()
    shots = os.environ.get("LLMVIS_SHOTS")
    if shots:
        window.grab().save(str(Path(shots) / "jobs_done_line_narrow.png"))
