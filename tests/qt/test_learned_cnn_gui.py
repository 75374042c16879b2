"""The main window's learned-suggester job on the CNN path: it trains, suggests, and a
running fit stops when the job is cancelled."""
from __future__ import annotations

import sys
from pathlib import Path

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project

import torch  # noqa: E402,F401 - a runtime dependency: missing means a broken install
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import defectgen  # noqa: E402

KINDS = ("ok", "scratch", "crack")


def _folder(tmp_path) -> Path:
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 12, size=64, kinds=KINDS)
    with Project.open(folder) as p:
        p.scan()
        for k in KINDS:
            p.add_label(k)
        assert defectgen.review_first(p, rows, 10, actor="alice") == 30
    return folder


def test_learned_job_trains_the_cnn_and_cancels(qtbot, window, tmp_path):
    from llmvis_desktop.core.suggest.cnn import CNNConfig
    from llmvis_desktop.core.suggest.learned import LearnedSuggester

    win = window
    open_and_index(qtbot, win, _folder(tmp_path))
    sc = win.suggest_ctl
    sc.learned = LearnedSuggester(win.project, cnn_config=CNNConfig(size=64, min_steps=60, max_steps=60))
    with qtbot.waitSignal(sc.learned_done, timeout=60000) as b:
        win.act_learned.trigger()
    assert not isinstance(b.args[0], BaseException), b.args
    report, written = b.args[0]
    assert report.images == 30 and written > 0 and sc.learned.kind == "cnn"
    with Project.open(win.project.root) as p:
        ids = {s.model_id for i in p.image_ids() for s in p.suggestions(i)}
    assert ids == {"learned:cnn-v1"}

    # a long fit, cancelled from the jobs: the job ends cancelled, well before it would finish
    sc.learned = LearnedSuggester(win.project, cnn_config=CNNConfig(size=64, min_steps=100_000, max_steps=100_000,
                                                                    seed=7))
    sc.run_learned()
    job = sc.learned_job
    def fitting():
        p = job.last_progress
        return job.state == "running" and p is not None and p.stage == "train" and p.done > 0 and p.total > 1000

    qtbot.waitUntil(fitting, timeout=30000)
    with qtbot.waitSignal(job.signals.finished, timeout=20000):
        job.cancel()
    assert job.state == "cancelled"
