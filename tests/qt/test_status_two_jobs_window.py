"""The status bar's job line with two jobs running: it said the first alone (a suggest
job hid a repair training started beside it); now each, by name and count, cut to fit,
each whole in its tooltip. The Jobs panel still shows both rows."""
from __future__ import annotations

import os
import threading

from qthelpers import open_and_index

from llmvis_desktop.core.tasks import Progress


def _job(done: int, total: int, message: str, release: threading.Event):
    def fn(token, progress):
        progress(Progress("suggest", done, total, message))
        release.wait(10)
        return None
    return fn


def test_two_running_jobs_both_show_in_the_status_bar(qtbot, window, image_folder, tmp_path):
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: not window.jobs.active(), timeout=20000)  # the folder's own jobs
    release = threading.Event()
    ended = []
    window.jobs.job_finished.connect(ended.append)
    try:
        a = window.jobs.start("Suggest", _job(40, 300, "suggesting", release))
        b = window.jobs.start("Repair training", _job(3, 10, "training", release))
        want = "2 jobs: Suggest 40/300 \u00b7 Repair training 3/10"
        qtbot.waitUntil(lambda: window.job_label.text() == want, timeout=10000)
        tip = window.job_label.toolTip().splitlines()
        assert tip[0].startswith("Suggest: suggesting") and tip[1].startswith("Repair training: training"), tip
        assert window.job_bar.isVisible() and window.job_bar.maximum() == 1000
        assert window.job_bar.value() == int((40 / 300 + 3 / 10) / 2 * 1000)
        panel = window.panel_ctl.jobs
        assert panel.row(str(a.id)) is not None and panel.row(str(b.id)) is not None
        if os.environ.get("LLMVIS_SHOTS"):
            window.statusBar().grab().save(str(tmp_path / "two_jobs.png"))
            print(tmp_path / "two_jobs.png")
    finally:
        release.set()
    # both ends handled here (the status bar follows them then): a job's state is set on its
    # own thread before its signals reach the GUI thread
    qtbot.waitUntil(lambda: a in ended and b in ended, timeout=10000)
    assert window.job_label.toolTip() == ""
