"""Cancelling a model job in the window said "the images done (at least 16) are kept"
while the window's own counts showed 32 suggested: the job had stored 32 images'
suggestions (its last progress report cut by the cancel, the batches in flight finished
and committed after it). The status bar now says what the job stored."""
from __future__ import annotations

from qthelpers import open_and_index, running_job

from llmvis_desktop.core.suggest.report import SuggestCancelled
from llmvis_desktop.core.tasks import Cancelled, Progress
from llmvis_desktop.qt.workers import STATE_CANCELLED, Job


def test_a_job_keeps_what_cancelled_it():
    def fn(token, progress):
        raise SuggestCancelled(32)

    job = Job("suggest", fn)
    seen = []
    job.signals.cancelled.connect(lambda: seen.append(job.cancelled_by))
    job.run()  # (on this thread: its signals are direct)
    assert job.state == STATE_CANCELLED and isinstance(seen[0], SuggestCancelled)
    assert seen[0].stored_images == 32 and isinstance(seen[0], Cancelled)


def _cancel(window, monkeypatch, scope: str, stored) -> str:
    sc = window.suggest_ctl
    job = running_job()
    monkeypatch.setattr(sc, "_chosen", lambda: ("a-captioner", None))
    monkeypatch.setattr(window.jobs, "start", lambda name, fn: job)
    sc.run_models(scope)
    job.last_progress = Progress("suggest", 16, 80, "suggesting")  # a report behind what was stored
    job.signals.progress.emit(job.last_progress)
    job.is_active = False
    job.cancelled_by = stored
    job.signals.cancelled.emit()
    job.signals.finished.emit()
    return window.statusBar().currentMessage()


def test_the_status_bar_says_what_the_cancelled_job_stored(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    said = _cancel(window, monkeypatch, "unsuggested", SuggestCancelled(32))
    assert said == ("Model suggestions cancelled; 32 images' suggestions were stored; running it again "
                    "on images not yet suggested goes on from there"), said
    said = _cancel(window, monkeypatch, "all", SuggestCancelled(32))
    assert said.startswith("Model suggestions cancelled; 32 images' suggestions were stored (redone), the "
                           "others keep their earlier suggestions;"), said
    said = _cancel(window, monkeypatch, "unsuggested", SuggestCancelled(1))
    assert said.startswith("Model suggestions cancelled; 1 image's suggestions were stored;"), said


def test_cancelled_before_anything_was_stored(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    said = _cancel(window, monkeypatch, "unsuggested", SuggestCancelled(0))
    assert said.startswith("Model suggestions cancelled before any suggestion was stored;"), said
    said = _cancel(window, monkeypatch, "all", SuggestCancelled(0))
    assert said.startswith("Model suggestions cancelled before any suggestion was stored: every image "
                           "keeps its earlier suggestions;"), said
