"""The learned suggester's network fit resumes after a kill (core.suggest.cnn_resume).

Before, "run again to resume" kept only the features read: a fit killed at step 500 of
600 (two minutes on a shared 2-core machine) started again at step 0. Now the fit saves
a checkpoint every ``CHECKPOINT_EVERY`` steps next to the saved network, a fit of the
same reviewed set goes on from it, ends with the weights of a fit never stopped, and
deletes it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from defectgen import review_first, tiles, write_folder
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest import cnn_resume
from llmvis_desktop.core.suggest.cnn import CNNConfig, CNNModel
from llmvis_desktop.core.tasks import Cancelled

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ("ok", "scratch")
SMALL = dict(size=32, min_steps=120, max_steps=120, seed=0, threads=1)


@pytest.fixture(scope="module")
def data():
    train = list(tiles(6, size=32, half="left", seed=3, kinds=CLASSES))
    X = [a for a, _, _ in train]
    Y = np.eye(len(CLASSES))[[CLASSES.index(k) for _, k, _ in train]]
    return X, Y


def _stop_after(n: int):
    calls = [0]

    def check():
        calls[0] += 1
        if calls[0] > n:
            raise Cancelled()
    return check


def test_a_stopped_fit_resumes_and_ends_as_an_unbroken_one(data, tmp_path):
    X, Y = data
    whole = CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES)
    ck = tmp_path / "fit.partial.safetensors"
    with pytest.raises(Cancelled):
        CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES, _stop_after(75), checkpoint=ck, key="rev1")
    assert ck.exists()  # saved at step 50
    seen = []
    resumed = CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES, on_step=lambda d, t: seen.append(d),
                                               checkpoint=ck, key="rev1")
    assert seen[0] == cnn_resume.CHECKPOINT_EVERY  # went on from the checkpoint, not from 0
    assert not ck.exists()  # done: the checkpoint is gone
    np.testing.assert_array_equal(resumed.decision(X), whole.decision(X))


def test_a_checkpoint_of_another_fit_is_not_used(data, tmp_path):
    X, Y = data
    ck = tmp_path / "fit.partial.safetensors"
    with pytest.raises(Cancelled):
        CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES, _stop_after(60), checkpoint=ck, key="rev1")
    seen = []
    CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES, on_step=lambda d, t: seen.append(d), checkpoint=ck, key="rev2")
    assert seen[0] == 0  # another reviewed set: from the start
    ck.write_bytes(b"not a checkpoint")
    seen.clear()
    CNNModel(CNNConfig(**SMALL)).fit(X, Y, CLASSES, on_step=lambda d, t: seen.append(d), checkpoint=ck, key="rev1")
    assert seen[0] == 0 and not ck.exists()  # unreadable: ignored, then replaced and removed


CHILD = textwrap.dedent("""
    import sys
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.cnn import CNNConfig
    from llmvis_desktop.core.suggest.learned import LearnedSuggester
    cfg = CNNConfig(size=32, min_steps=400, max_steps=400, seed=0, threads=1)
    with Project.open(sys.argv[1]) as p:
        LearnedSuggester(p, cnn_config=cfg).train()
""")


def test_a_killed_suggester_fit_goes_on_where_it_stopped(tmp_path):
    folder = tmp_path / "defects"
    rows = write_folder(folder, 10, size=32, half="left", seed=5, kinds=CLASSES)
    with Project.open(folder) as p:
        p.index()
        for k in CLASSES:
            p.add_label(k)
        review_first(p, rows, 10)
        from llmvis_desktop.core.suggest.learned_cnn import model_path_for

        ck = cnn_resume.partial_path(model_path_for(p))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], env=env, cwd=str(ROOT))
    try:
        while not ck.exists():  # the fit's first checkpoint (step 50)
            assert child.poll() is None, "the fit ended without a checkpoint"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert ck.exists()
    from llmvis_desktop.core.suggest.learned import LearnedSuggester

    steps = []
    with Project.open(folder) as p:
        sugg = LearnedSuggester(p, cnn_config=CNNConfig(size=32, min_steps=400, max_steps=400, seed=0, threads=1))
        sugg.train(progress=lambda pr: steps.append(pr.done) if pr.stage == "train" and pr.total > 1 else None)
        assert sugg.kind == "cnn" and sugg._model_path.exists()
    assert steps[0] >= cnn_resume.CHECKPOINT_EVERY and steps[0] % cnn_resume.CHECKPOINT_EVERY == 0
    assert not ck.exists()


def test_the_cli_says_what_an_interrupted_fit_kept(png_folder, capsys, monkeypatch):
    from llmvis_desktop.cli import main
    from llmvis_desktop.core.suggest import learned
    from llmvis_desktop.core.tasks import Progress

    def fit_then_interrupt(project, progress, **kw):
        progress(Progress("features", 20, 20, "reading reviewed images"))
        progress(Progress("train", 0, 1, "fitting 2 labels"))
        for done in (0, 20, 40, 60, 80, 100, 120):
            progress(Progress("train", done, 600, "fitting a network for 2 labels"))
        raise KeyboardInterrupt

    monkeypatch.setattr(learned, "run", fit_then_interrupt)
    assert main(["index", str(png_folder)]) == 0  # (--no-index refuses a folder never indexed)
    assert main(["suggest", str(png_folder), "--learned", "--no-index"]) == 130
    err = [ln for ln in capsys.readouterr().err.splitlines() if "interrupted" in ln]
    assert err[-1] == ("llmvis suggest: interrupted; no suggestion was stored by the learned suggester, the network's fit is saved "
                       "every 50 steps: 100 or more of its 600 are kept; run again to resume")
