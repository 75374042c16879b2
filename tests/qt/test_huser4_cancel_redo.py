"""A model job over "All images" (or "The filtered images") redoes images that already
have the models' suggestions. Cancelled, the status bar said "the images done (at least 8)
are kept; running it again on images not yet suggested goes on from there", and
Run ▸ Images not yet suggested then said "nothing to do: all 55 images already have
suggestions from these models": the images not reached were never redone
(/tmp/hunt-huser4: 58 images, tiny BLIP + CLIP, cancelled from the Jobs panel at 8 of 55).
The line now says which run finishes a redo; a run over images not yet suggested keeps
its advice."""
from __future__ import annotations

import pytest

from qthelpers import open_and_index, running_job

from llmvis_desktop.core.tasks import Progress


def _cancel(qtbot, window, monkeypatch, scope: str) -> str:
    sc = window.suggest_ctl
    job = running_job()
    job.last_progress = None
    monkeypatch.setattr(sc, "_chosen", lambda: ("a-captioner", None))
    monkeypatch.setattr(window.jobs, "start", lambda name, fn: job)
    sc.run_models(scope)
    assert sc.models_job is job
    job.last_progress = Progress("suggest", 8, 12, "suggesting")
    job.signals.progress.emit(job.last_progress)
    job.is_active = False
    job.signals.cancelled.emit()
    job.signals.finished.emit()
    return window.statusBar().currentMessage()


@pytest.mark.parametrize("scope, menu", [("all", "All images"), ("filtered", "The filtered images")])
def test_a_cancelled_redo_says_the_same_run_finishes_it(qtbot, window, labelled_folder, monkeypatch, scope, menu):
    open_and_index(qtbot, window, labelled_folder)
    said = _cancel(qtbot, window, monkeypatch, scope)
    assert "not yet suggested" not in said, said
    assert said == ("Model suggestions cancelled; at least 8 images' suggestions were stored (redone), the others "
                    f"keep their earlier suggestions; Run captioner/labeler on \u25b8 {menu} again redoes them all"), said


def test_a_cancelled_run_on_new_images_still_says_it_goes_on(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    said = _cancel(qtbot, window, monkeypatch, "unsuggested")
    assert said == ("Model suggestions cancelled; at least 8 images' suggestions were stored; running it again "
                    "on images not yet suggested goes on from there"), said
