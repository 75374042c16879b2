"""Unloading the models a project no longer uses waits for a running model job: once
per job, however many times it was asked meanwhile (each choice in the Models dialog
asks). Every ask connected the job's ``finished`` again, and run_models had connected it
once already, so the job's end ran the unload once per ask plus once more, each time
reading the project's settings on the GUI thread and queueing an unload."""
from __future__ import annotations

import sys

from qthelpers import open_and_index, running_job


class _Worker:
    def __init__(self) -> None:
        self.unloads = []

    def unload_unused(self, keep, dirs, optins=None, device=None):
        self.unloads.append(list(keep))


def test_a_running_model_job_unloads_unused_models_once_when_it_ends(qtbot, window, labelled_folder, monkeypatch):
    from llmvis_desktop.qt import suggest_models

    open_and_index(qtbot, window, labelled_folder)
    worker = _Worker()
    module = type(sys)("fake_worker")
    module.started_shared = lambda: worker
    real = sys.modules.get(suggest_models._WORKER_MODULE)  # (the window's shutdown ends a real one)
    module.shutdown_shared = getattr(real, "shutdown_shared", lambda: None)
    monkeypatch.setitem(sys.modules, suggest_models._WORKER_MODULE, module)
    sc = window.suggest_ctl
    job = running_job()
    monkeypatch.setattr(sc, "_chosen", lambda: ("a-captioner", None))
    monkeypatch.setattr(window.jobs, "start", lambda name, fn: job)
    sc.run_models("all")
    assert sc.models_job is job
    for _ in range(3):  # three choices in the Models dialog while the job runs
        assert sc.free_unused_models() is False
    assert worker.unloads == []  # not under the running job
    job.is_active = False
    job.signals.finished.emit()
    assert len(worker.unloads) == 1, worker.unloads
