"""Every finished line of the Jobs panel says what its job made: the learned suggester's
said "done" alone (the model jobs their count), an export's and a repair training's too;
counts past a thousand grouped with commas, as the CLI says them."""
from __future__ import annotations

from types import SimpleNamespace

from qthelpers import make_images, open_and_index

from llmvis_desktop.core.suggest.learned import TrainReport


def _done_line(qtbot, win, job) -> str:
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    panel = win.findChild(JobsPanel)
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=60000)
    return panel.row(str(job.id)).done_label.toolTip()


def _learned(qtbot, win, written: int, report: TrainReport) -> str:
    sc = win.suggest_ctl
    sc.learned_ready = True

    class Suggester:
        outcome: dict = {}
        unknown_label_cards = 0

        def status(self):
            return True, "ready"

        def train(self, token, progress):
            return report

        def run(self, *a, **kw):
            return written

    sc.learned = Suggester()
    with qtbot.waitSignal(sc.learned_done, timeout=10000):
        sc.run_learned()
    return _done_line(qtbot, win, sc.learned_job)


def test_a_learned_job_line_says_how_many_suggestions_it_made(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    line = _learned(qtbot, window, 1234, TrainReport(15, ("dent", "scratch"), (), "abc", 0.5, 0))
    assert line == "done: 1,234 new suggestions (2 labels from 15 reviewed images)", line
    assert "1,234 new suggestions" in window.statusBar().currentMessage()


def test_one_learned_suggestion_is_said_in_the_singular(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    line = _learned(qtbot, window, 1, TrainReport(1, ("dent",), (), "abc", 0.5, 0))
    assert line == "done: 1 new suggestion (1 label from 1 reviewed image)", line


def test_an_export_job_line_says_what_it_wrote(qtbot, window, tmp_path):
    from llmvis_desktop.core.interchange.common import ExportReport

    make_images(tmp_path / "imgs", n=2)
    open_and_index(qtbot, window, tmp_path / "imgs")
    report = ExportReport(format="csv", out=tmp_path / "out.csv", images=1500, labels=3, captions=1,
                          files_written=1)
    job = window.jobs.start("Export CSV", lambda token, progress: report)
    line = _done_line(qtbot, window, job)
    assert line == f"done: {report.summary()}", line
    assert "1,500 rows" in line


def test_the_index_line_groups_thousands():
    from llmvis_desktop.qt.project_texts import scan_summary

    found = SimpleNamespace(added=12345, changed=1000, missing=0, moved=0, restored=0, errors=0, needs_decoder=0)
    assert scan_summary(found) == "12,345 new, 1,000 changed, 0 missing"


def test_a_model_job_summary_groups_thousands():
    from llmvis_desktop.core.suggest.report import SuggestReport

    r = SuggestReport(images=1200, suggestions=2400, skipped=3000, seconds=10.0, device="cpu")
    assert r.summary().startswith("2,400 suggestions for 1,200 images in 10.0 s"), r.summary()
    assert "3,000 already done" in r.summary()


def test_a_repair_training_line_says_its_steps(qtbot, window, tmp_path):
    make_images(tmp_path / "imgs", n=3)
    open_and_index(qtbot, window, tmp_path / "imgs")
    job = window.panel_ctl.start_repair_training(0.05, steps=2, tile=32, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    line = _done_line(qtbot, window, job)
    assert line.startswith("done: a repair model of 2 steps"), line


def test_a_cancelled_repair_training_line_says_what_it_kept(qtbot, window, tmp_path):
    from llmvis_desktop.qt.job_actions import cancel_text

    make_images(tmp_path / "imgs", n=3)
    open_and_index(qtbot, window, tmp_path / "imgs")
    job = window.panel_ctl.start_repair_training(0.05, steps=2, tile=32, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    job.cancel()  # before its first step
    line = _done_line(qtbot, window, job)
    assert line == "cancelled before any step was trained; the repair model is unchanged", line
    job.cancelled_text = "at step 1,200; what it trained is kept"
    assert cancel_text(job) == "cancelled at step 1,200; what it trained is kept"
