"""A model job's progress reports before it has stored anything (its start, "loading
models", "suggesting" once loaded: ``done`` 0) no longer refresh the grid and the panels:
each one re-read the current image on the GUI thread and waited up to 30 ms, twice, for
its cards, while the job's thread imported our modules and spawned its readers (the
session's first job: the GUI's longest stall before torch loaded, 30-40 ms). A report
with rows stored (``done`` > 0) still does, as the learned suggester's job did already."""
from __future__ import annotations

from qthelpers import open_and_index, running_job

from llmvis_desktop.core.tasks import Progress


def test_model_job_refreshes_panels_only_once_rows_are_stored(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    sc = window.suggest_ctl
    job = running_job()
    refreshes = []
    monkeypatch.setattr(sc, "_chosen", lambda: ("a-captioner", None))
    monkeypatch.setattr(window.jobs, "start", lambda name, fn: job)
    monkeypatch.setattr(window.panel_ctl, "refresh_during_job", lambda: refreshes.append(1))
    sc.run_models("all")
    assert sc.models_job is job
    job.signals.progress.emit(Progress("suggest", 0, 3, "loading models"))
    job.signals.progress.emit(Progress("suggest", 0, 3, "suggesting"))
    assert refreshes == []  # nothing stored yet: nothing to show
    job.signals.progress.emit(Progress("suggest", 2, 3, "suggesting"))
    assert refreshes == [1]
    job.is_active = False
    job.signals.finished.emit()
