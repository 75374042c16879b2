"""A failed job's reason in the Jobs dock: it was cut to the dock's one line (the line
was measured before its label was shown, so the dock kept ~1.3 lines of a wrapped
reason) and its line breaks were lost, so the part that says what to do was not on
screen; it now shows whole, line by line, and a Copy button copies it."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication
from qthelpers import open_and_index

REASON = ("the export stopped when the disk holding /home/reviewer/projects/line-3/.llmvis/project.sqlite "
          "filled up; 1,234 images before that are kept;\nfree some space on /home and run the export again "
          "to finish\n(the files written before it are whole; nothing is half-written)")


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


def _run(qtbot, window, panel, fn):
    job = window.jobs.start("Export COCO", fn)
    qtbot.waitUntil(lambda: not job.is_active and not panel.has_job(str(job.id)), timeout=5000)
    _settle(qtbot)
    return panel.row(str(job.id))


def _fail(token, progress):
    raise RuntimeError(REASON)


def test_a_failed_jobs_whole_reason_is_on_screen_and_can_be_copied(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    window.resize(1024, 768)
    _settle(qtbot)
    panel = window.panels["jobs"]
    row = _run(qtbot, window, panel, _fail)
    label = row.done_label
    lines = label.fontMetrics().lineSpacing()
    # each of the reason's three lines begins a line of its own (at 1024 px the first wraps too)
    assert label.heightForWidth(label.width()) >= 4 * lines, (label.width(), label.heightForWidth(label.width()))
    assert label.height() >= label.heightForWidth(label.width())  # the label is as tall as its lines
    view = panel._scroll.viewport()
    top = row.mapTo(view, row.rect().topLeft()).y()
    assert top >= 0 and top + row.height() <= view.height(), (top, row.height(), view.height())  # all in view
    assert label.toolTip() == f"failed: {REASON}"
    row.copy_button.click()
    assert QApplication.clipboard().text() == f"Export COCO failed: {REASON}"
    # a job that ends well after it: the dock goes back to its one line
    row = _run(qtbot, window, panel, lambda token, progress: None)
    assert not hasattr(row, "copy_button") or row.copy_button is None
    assert panel.parentWidget().height() <= 60


def test_a_job_the_window_cancels_says_why(qtbot, window, labelled_folder, tmp_path):
    """A job cancelled because another folder was opened ended with "cancelled" alone, as if
    the reviewer had pressed its Cancel."""
    import threading

    from PIL import Image

    open_and_index(qtbot, window, labelled_folder)
    panel = window.panels["jobs"]
    started = threading.Event()

    def long_job(token, progress):
        started.set()
        while True:
            token.check()
            threading.Event().wait(0.01)

    job = window.jobs.start("Model suggestions (all images)", long_job)
    qtbot.waitUntil(started.is_set, timeout=5000)
    other = tmp_path / "other"
    other.mkdir()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(other / "a.png")
    open_and_index(qtbot, window, other)
    qtbot.waitUntil(lambda: not job.is_active and not panel.has_job(str(job.id)), timeout=10000)
    _settle(qtbot)
    text = panel.row(str(job.id)).done_label.toolTip()
    assert text == "cancelled: its folder was closed (work done so far is kept)", text
    assert panel.row(str(job.id)).copy_button is None
    # the reviewer's own Cancel still says "cancelled" alone
    job = window.jobs.start("Model suggestions (all images)", long_job)
    qtbot.waitUntil(lambda: job.is_active and job.state == "running", timeout=5000)
    panel._on_cancel(str(job.id))
    qtbot.waitUntil(lambda: not job.is_active and not panel.has_job(str(job.id)), timeout=10000)
    _settle(qtbot)
    assert panel.row(str(job.id)).done_label.toolTip() == "cancelled"
