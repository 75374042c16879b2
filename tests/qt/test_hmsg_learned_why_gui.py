"""A learned job that stored no suggestion said "0 new suggestions" in the status bar and
"done" in the Jobs panel. Both now say why (core.suggest.learned_outcome.why_none)."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core.suggest.learned import TrainReport


def test_the_window_says_why_a_learned_job_stored_none(qtbot, window, labelled_folder):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    win = window
    open_and_index(qtbot, win, labelled_folder)
    sc = win.suggest_ctl
    sc.learned_ready = True

    class Suggester:  # a run over images that all have this fit's suggestions already
        outcome: dict = {}
        unknown_label_cards = 0

        def status(self):
            return True, "ready"

        def train(self, token, progress):
            return TrainReport(15, ("dent", "scratch"), (), "abc", 0.5, 0)

        def run(self, *a, **kw):
            self.outcome = {"listed": 9, "done_before": 9, "to_do": 0, "cards": 0}
            return 0

    sc.learned = Suggester()
    with qtbot.waitSignal(sc.learned_done, timeout=10000):
        sc.run_learned()
    why = "nothing to do: all 9 images it suggests for already have this fit's suggestions"
    assert win.statusBar().currentMessage() == ("Learned suggester: 2 labels from 15 reviewed images (0.5 s); "
                                                f"0 new suggestions: {why}"), win.statusBar().currentMessage()
    panel = win.findChild(JobsPanel)
    job = sc.learned_job
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=10000)
    assert panel.row(str(job.id)).done_label.toolTip() == f"done: 0 new suggestions: {why}"
    panel.grab().save("/tmp/hmsg_jobs_learned.png")
