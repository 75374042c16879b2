"""A job's ``finished`` reaches every slot connected to it, even when the pool thread
loses its core in the middle of sending it (qt/workers.py: the job is released, its
slots disconnected, only once ``finished`` was sent to all of them)."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from llmvis_desktop.qt.workers import JobManager


def test_finished_reaches_a_slot_connected_after_the_managers_while_the_pool_thread_is_held(qtbot):
    jobs = JobManager()
    try:
        job = jobs.start("held", lambda token, progress: 42)
        go_on = threading.Event()
        # runs on the pool thread while it sends ``finished``, after the manager's own slot
        # was posted: the pool thread is held there as if the scheduler had taken its core
        job.signals.finished.connect(lambda: go_on.wait(10), Qt.ConnectionType.DirectConnection)
        got = []
        job.signals.result.connect(got.append)
        job.signals.finished.connect(lambda: got.append("finished"))
        qtbot.waitUntil(lambda: job.state == "done", timeout=10000)
        qtbot.wait(300)  # the GUI thread runs what was posted so far (the manager's slot and all)
        go_on.set()
        qtbot.waitUntil(lambda: got == [42, "finished"], timeout=10000)
        qtbot.waitUntil(lambda: job.fn is None, timeout=10000)  # and the job was released after
    finally:
        jobs.shutdown()
