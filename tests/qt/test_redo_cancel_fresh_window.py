"""A model job over "All images" cancelled on a folder never suggested before said the
images not reached "keep their earlier suggestions" (they had none) and that only
▸ All images again would finish, redoing what was stored; the job's cancel now says
how many of those images had earlier suggestions, and with none the line says that a
run on images not yet suggested goes on from there."""
from __future__ import annotations

from qthelpers import open_and_index, running_job

from llmvis_desktop.core.suggest.report import SuggestCancelled
from llmvis_desktop.core.tasks import Progress


def _cancel(window, monkeypatch, scope: str, earlier_left) -> str:
    sc = window.suggest_ctl
    job = running_job()
    job.last_progress = None
    monkeypatch.setattr(sc, "_chosen", lambda: ("a-captioner", None))
    monkeypatch.setattr(window.jobs, "start", lambda name, fn: job)
    sc.run_models(scope)
    job.last_progress = Progress("suggest", 8, 12, "suggesting")
    job.signals.progress.emit(job.last_progress)
    job.cancelled_by = SuggestCancelled(10)
    job.cancelled_by.earlier_left = earlier_left
    job.is_active = False
    job.signals.cancelled.emit()
    job.signals.finished.emit()
    return window.statusBar().currentMessage()


def test_a_redo_cancelled_on_a_fresh_folder_says_a_plain_run_goes_on(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    said = _cancel(window, monkeypatch, "all", 0)
    assert "earlier suggestions" not in said and "redoes them all" not in said, said
    assert said == ("Model suggestions cancelled; 10 images' suggestions were stored (the images not reached "
                    "had none from these models yet); running it again on images not yet suggested goes on "
                    "from there"), said
    # images not reached that have them: only the redo again finishes it, as before
    said = _cancel(window, monkeypatch, "all", 2)
    assert said.endswith("(redone), the others keep their earlier suggestions; Run captioner/labeler on "
                         "\u25b8 All images again redoes them all"), said
