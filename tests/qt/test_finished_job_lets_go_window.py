"""A finished job lets go of what its run needed: the function, its arguments and every
slot connected to its signals. The manager keeps the last finished jobs for the Jobs
panel, and each job's signals object held, out of the collector's sight, a lambda
holding the job: a closed project (the function was ``project.index``), its database
engine and caches stayed alive for the rest of the session."""
from __future__ import annotations

import errno
import gc
import weakref

import pytest

from qthelpers import open_and_index


class _Owner:
    """Stands for a project: its bound method is the job's function."""

    def work(self, token, progress, *_args):
        return 7

    def fail(self, token, progress):  # (a failure said in words: no traceback in the log)
        raise OSError(errno.ENOSPC, "No space left on device")


def _finish(qtbot, jobs, job) -> None:
    with qtbot.waitSignal(jobs.job_finished, timeout=10000):
        pass
    qtbot.waitUntil(lambda: job.fn is None, timeout=5000)  # (released on the next turn)


@pytest.mark.parametrize("how", ["done", "failed", "cancelled"])
def test_a_finished_job_holds_neither_its_function_nor_its_arguments(qtbot, how):
    from llmvis_desktop.qt.workers import JobManager

    jobs = JobManager()
    owner, arg = _Owner(), _Owner()
    if how == "failed":
        job = jobs.start("Fail", owner.fail)
    else:
        job = jobs.start("Work", owner.work, arg)
    seen = []
    job.signals.result.connect(lambda r, owner=owner: seen.append(r))  # as a controller does
    if how == "cancelled":
        job.cancel()
    _finish(qtbot, jobs, job)
    assert job in jobs.jobs  # still listed for the Jobs panel, with its outcome
    assert job.state == {"done": "done", "failed": "failed", "cancelled": "cancelled"}[how]
    assert seen == ([7] if how == "done" else [])
    if how == "failed":
        assert "No space left" in str(job.error) and job.error.__traceback__ is None
    gone = [weakref.ref(owner), weakref.ref(arg)]
    del owner, arg
    gc.collect()
    assert [r() for r in gone] == [None, None]
    jobs.shutdown()


def test_the_windows_finished_jobs_hold_no_project(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    assert window.jobs.jobs  # (the index ran as a job of the window: project.index)
    qtbot.waitUntil(lambda: all(j.fn is None and j.args == () and j.kwargs == {}
                                for j in window.jobs.jobs if not j.is_active), timeout=5000)
