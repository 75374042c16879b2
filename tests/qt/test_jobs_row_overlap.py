"""A job's row in the Jobs panel once the job ended.

The running row's bold title and Cancel button were painted over the done line that
   replaced them: ``finish`` took them out of the row's layout and only asked Qt to
   delete them later, so they stayed shown where they were until the event loop next
   ran its deferred deletes (a grab right after "Model suggestions (all images)" ended
   showed both in one place).
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget
from qthelpers import settle

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

