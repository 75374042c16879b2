"""A model job cancelled while its models loaded said "the images done (at least 0) are
kept" in the status bar, and the Jobs panel said "cancelled" of every suggest job, early
or late; a learned job's cancel said nothing in the status bar. Each now says
"cancelled before any suggestion was stored" or "N images' suggestions were stored"."""
from __future__ import annotations

import pytest

from qthelpers import open_and_index

from llmvis_desktop.core.suggest import batch
from llmvis_desktop.core.suggest.report import SuggestCancelled
from llmvis_desktop.core.tasks import Progress


def _line(qtbot, win, job) -> str:
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    panel = win.findChild(JobsPanel)
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=10000)
    return panel.row(str(job.id)).done_label.toolTip()


@pytest.mark.parametrize("stored, said", [
    (0, "cancelled before any suggestion was stored"),
    (32, "cancelled; 32 images' suggestions were stored")])
def test_a_model_job_cancelled_early_or_late(qtbot, window, labelled_folder, monkeypatch, stored, said):
    win = window
    open_and_index(qtbot, win, labelled_folder)

    def run_suggest(project, *_a, progress, **_k):
        progress(Progress("suggest", 0, 80, "loading models"))
        raise SuggestCancelled(stored)

    monkeypatch.setattr(batch, "run_suggest", run_suggest)
    monkeypatch.setattr(batch, "resolve_spec", lambda spec, dirs: spec)
    monkeypatch.setattr(win.suggest_ctl, "_chosen", lambda: ("a-captioner", None))
    win.suggest_ctl.run_models("unsuggested")
    job = win.suggest_ctl.models_job
    assert _line(qtbot, win, job) == said
    qtbot.waitUntil(lambda: win.statusBar().currentMessage().startswith("Model suggestions cancel"), timeout=5000)
    assert win.statusBar().currentMessage().startswith(f"Model suggestions {said}; running it again")


def test_a_learned_job_cancelled_while_it_trains(qtbot, window, labelled_folder, monkeypatch):
    from llmvis_desktop.core.suggest import learned

    win = window
    open_and_index(qtbot, win, labelled_folder)
    sc = win.suggest_ctl
    sc.learned_ready = True

    class Suggester:
        def status(self):
            return True, "ready"

        def train(self, token, progress):
            token.cancel()
            token.check()

    monkeypatch.setattr(sc._holder, "get", lambda: Suggester())
    sc.run_learned()
    assert _line(qtbot, win, sc.learned_job) == "cancelled before any suggestion was stored"
    qtbot.waitUntil(lambda: "Learned suggestions" in win.statusBar().currentMessage(), timeout=5000)
    assert win.statusBar().currentMessage() == "Learned suggestions cancelled before any suggestion was stored"
    assert learned.SuggestCancelled is SuggestCancelled
