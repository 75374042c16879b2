"""Python-made QRunnables that the pool never deletes (qt/workers.py KeptRunnable):
the owner's thread lets go of them once their run has long ended."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool

from llmvis_desktop.qt.workers import JobManager, KeptRunnable, RunnableKeeper


class _Work(KeptRunnable):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.thread = None

    def work(self) -> None:
        self.thread = threading.current_thread()
        if self.fail:
            raise RuntimeError("stand-in failure")


def test_runnables_are_kept_until_their_run_has_long_ended(qapp, monkeypatch):
    pool = QThreadPool()
    keeper = RunnableKeeper()
    runs = [_Work(), _Work()]
    for r in runs:
        assert not r.autoDelete()  # the pool never deletes it on its thread
        keeper.start(pool, r)
    assert pool.waitForDone(10000)
    assert all(r.ended_at is not None for r in runs)
    assert all(r.thread is not threading.main_thread() for r in runs)
    keeper.start(pool, _Work())  # both ended under KEEP_S ago: still kept
    assert len(keeper) == 3
    assert pool.waitForDone(10000)
    monkeypatch.setattr(RunnableKeeper, "KEEP_S", 0.0)
    keeper.start(pool, _Work())  # now the ended ones are let go, here, on this thread
    assert len(keeper) == 1
    assert pool.waitForDone(10000)


def test_a_run_that_raises_has_ended_too():
    r = _Work(fail=True)
    with pytest.raises(RuntimeError):
        r.run()
    assert r.ended_at is not None


def test_a_job_that_just_ended_is_not_forgotten_yet(qtbot, monkeypatch):
    jobs = JobManager()
    try:
        started = [jobs.start(f"job {i}", lambda token, progress: None) for i in range(25)]
        qtbot.waitUntil(lambda: not jobs.active(), timeout=10000)
        jobs.start("one more", lambda token, progress: None)
        assert all(j in jobs.jobs for j in started)  # all ended under KEEP_S ago
        monkeypatch.setattr(RunnableKeeper, "KEEP_S", 0.0)
        jobs.start("and another", lambda token, progress: None)
        assert len([j for j in started if j in jobs.jobs]) < 25  # old finished jobs forgotten
    finally:
        jobs.shutdown()


def test_a_jobs_rate_does_not_count_the_time_before_any_item(qapp, monkeypatch):
    """A suggestion job reports 0 done while its models load: its images/s and ETA
    counted that time as work (the jobs panel showed 28 images/s beside the job's own 410)."""
    import types

    from llmvis_desktop.core.tasks import Progress
    from llmvis_desktop.qt import workers
    from llmvis_desktop.qt.workers import Job

    now = [1000.0]  # the jobs' clock, moved by the job itself: a slow machine's sleeps do not count
    monkeypatch.setattr(workers, "time", types.SimpleNamespace(monotonic=lambda: now[0]))

    def fn(token, progress):
        progress(Progress("suggest", 0, 10, "loading models"))
        now[0] += 0.6
        progress(Progress("suggest", 0, 10, "suggesting"))
        now[0] += 0.3
        progress(Progress("suggest", 6, 10))

    job = Job("rate", fn)
    job.run()
    assert job.rate() == pytest.approx(20)  # 6 items in 0.3 s; counted from the first report: 6.7
