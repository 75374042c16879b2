"""The learned suggester's self-training option (core/suggest/learned_pool.py): the
unreviewed images it is sure of are pseudo-labelled and the models fitted again with
them; a project with no unreviewed image trains as before."""
from __future__ import annotations

import numpy as np

import torch  # noqa: F401 - a runtime dependency: missing means a broken install

from defectgen import review_first, write_folder
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.cnn import CNNConfig, CNNModel
from llmvis_desktop.core.suggest.learned import LearnedSuggester
from llmvis_desktop.core.suggest.learned_pool import self_trained_path
from llmvis_desktop.core.suggest.linear import LabelModel
from llmvis_desktop.core.suggest.self_train import SelfTrainConfig

CLASSES = ("ok", "scratch", "crack", "pitting")
# the plumbing, not how well it learns: a short fit; margin 0 takes every image whose top
# label scores >= 0.5, so a 30-step network still pseudo-labels some
FAST = CNNConfig(size=64, min_steps=30, max_steps=30, seed=0, threads=1)
ANY = SelfTrainConfig(margin=0.0, per_label=5.0)


def _spy(monkeypatch):
    """Rows each CNNModel.fit / LabelModel.fit was given."""
    seen = {"cnn": [], "linear": []}
    cnn_fit, lin_fit = CNNModel.fit, LabelModel.fit
    monkeypatch.setattr(CNNModel, "fit", lambda self, X, Y, *a, **k: seen["cnn"].append(len(Y)) or cnn_fit(
        self, X, Y, *a, **k))
    monkeypatch.setattr(LabelModel, "fit", lambda self, X, Y, *a, **k: seen["linear"].append(len(Y)) or lin_fit(
        self, X, Y, *a, **k))
    return seen


def test_unreviewed_images_are_pseudo_labelled_and_fitted_again(tmp_path, monkeypatch):
    folder = tmp_path / "defects"
    rows = write_folder(folder, 14, size=64, half="left", seed=5, kinds=CLASSES)
    with Project.open(folder) as p:
        p.index()
        for k in CLASSES:
            p.add_label(k)
        assert review_first(p, rows, 10) == 40  # 16 left unreviewed
        seen = _spy(monkeypatch)
        sugg = LearnedSuggester(p, cnn_config=FAST, self_train=ANY)
        sugg.train()
        assert sugg.kind == "cnn"
        assert sugg.pool_info["pool"] == 16
        k = sugg.pool_info["pseudo_labelled"]
        assert 0 < k <= 16
        assert seen["cnn"] == [40, 40 + k]  # first on the reviews, then with the pseudo-labelled
        assert seen["linear"] and set(seen["linear"]) <= {40}  # refit "cnn": the linear model keeps to the reviews
        assert self_trained_path(sugg._model_path).exists()
        # nothing was written to the project: the pool images are still unreviewed, unlabelled
        assert sum(1 for rel, _ in rows if p.image_by_path(rel).status == "reviewed") == 40
        assert sugg.run() > 0
        todo = [p.image_by_path(rel).id for rel, _ in rows if p.image_by_path(rel).status != "reviewed"]
        first = [(s.image_id, s.value, round(s.score, 6)) for s in sugg.predict(todo)]

        # started again on the same project: both networks are loaded, none fitted
        seen["cnn"].clear()
        again = LearnedSuggester(p, cnn_config=FAST, self_train=ANY)
        again.train()
        assert seen["cnn"] == [] and again.pool_info == sugg.pool_info
        assert [(s.image_id, s.value, round(s.score, 6)) for s in again.predict(todo)] == first

        # off: one fit on the reviews, the pool untouched
        seen["cnn"].clear()
        plain = LearnedSuggester(p, cnn_config=CNNConfig(size=64, min_steps=30, max_steps=30, seed=1, threads=1),
                                 self_train=None)
        plain.train()
        assert seen["cnn"] == [40] and plain.pool_info == {}


def test_self_training_is_off_by_default_and_its_setting_refits_the_network_only():
    """Off by default: a gain of 1-3 test tiles in 300 (within a draw's spread) for a retrain
    about twice as long and the pool read (bench_learned.py's docstring)."""
    assert LearnedSuggester.__init__.__defaults__[-1] is None
    cfg = SelfTrainConfig()
    assert cfg.refit == "cnn"
    assert (cfg.margin, cfg.per_label, cfg.pool_cap) == (0.1, 10.0, 750)


def test_no_unreviewed_images_trains_as_without_the_option(tmp_path, monkeypatch):
    folder = tmp_path / "all_reviewed"
    rows = write_folder(folder, 10, size=64, half="left", seed=6, kinds=CLASSES)
    with Project.open(folder) as p:
        p.index()
        for k in CLASSES:
            p.add_label(k)
        assert review_first(p, rows, 10) == 40  # every image
        seen = _spy(monkeypatch)
        sugg = LearnedSuggester(p, cnn_config=FAST, self_train=ANY)
        report = sugg.train()
        assert sugg.kind == "cnn" and report.images == 40
        assert sugg.pool_info == {"pool": 0, "pseudo_labelled": 0}
        assert seen["cnn"] == [40]
        assert not self_trained_path(sugg._model_path).exists()
        ids = [p.image_by_path(rel).id for rel, _ in rows[:4]]
        cards = sugg.predict(ids)
        assert {c.image_id for c in cards if c.kind == "label"} == set(ids)
        assert np.isfinite([c.score for c in cards]).all()
