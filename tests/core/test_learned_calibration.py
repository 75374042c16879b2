"""The learned suggester's stored scores are calibrated: a card scored p is right about
p of the time (issue #4: "a multi-label classifier with calibrated scores").

On a generated defect set (8 reviewed tiles per class, the linear model: below
``CNN_MIN_PER_LABEL``), the cards stored for held-out tiles are scored against the
tiles' true kind. Before the fix the cards understated their scores: the shared Platt
scaling was calibrated over every (image, label) score, but a card is the image's top
label, and a top label at 0.35 beside rivals at 0.05 was right far more often than 35 %.
"""
from __future__ import annotations

import numpy as np
import pytest

import feature_memo
from defectgen import KINDS, review_first, write_folder
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.core.suggest.learned import LearnedSuggester
from llmvis_desktop.core.suggest.linear import LabelModel, fit_calibration, rival_scores

TRAIN_PER_CLASS = 8
TEST_PER_CLASS = 16


def _ece(scores, right, bins: int = 10) -> float:
    s, r = np.asarray(scores, float), np.asarray(right, float)
    b = np.minimum((s * bins).astype(int), bins - 1)
    return float(sum((b == k).sum() / len(s) * abs(s[b == k].mean() - r[b == k].mean())
                     for k in range(bins) if (b == k).any()))


@pytest.fixture(scope="module")
def stored_cards(tmp_path_factory):
    """(score, right) of every label card the learned suggester stored for the held-out tiles."""
    root = tmp_path_factory.mktemp("calib")
    train = write_folder(root / "train", TRAIN_PER_CLASS, size=80, half="left", seed=3)
    test = write_folder(root / "test", TEST_PER_CLASS, size=80, half="right", seed=4)
    truth = {"test/" + r: k for r, k in test}
    with pytest.MonkeyPatch.context() as mp, Project.open(root) as p:
        feature_memo.memoise(mp)  # (test_learned's tiles: their features already computed)
        p.index()
        for k in KINDS:
            p.add_label(k)
        review_first(p, [("train/" + r, k) for r, k in train], TRAIN_PER_CLASS)
        sugg = LearnedSuggester(p, cache=False)
        sugg.train()
        assert sugg.kind == "linear"
        sugg.run()
        out, top = [], []
        for iid in p.image_ids(ImageFilter(statuses=("new", "suggested"))):
            rec = p.image(iid)
            cards = sorted((s for s in p.suggestions(iid, pending_only=True) if s.kind == "label"),
                           key=lambda s: -s.score)
            out += [(s.score, s.value == truth[rec.relpath]) for s in cards]
            top += [(cards[0].score, cards[0].value == truth[rec.relpath])] if cards else []
    assert len(top) == len(truth)
    return out, top


def test_stored_card_scores_are_calibrated(stored_cards):
    cards, top = stored_cards
    s, r = np.array(cards, float).T
    # before the fix: 83 cards, mean score 0.58 against 81 % right, ECE 0.22; after: 80
    # cards (no second card scores >= 0.5 any more), 0.72 against 81 %, ECE 0.10 (some
    # understatement is left: the out-of-fold fits see 7 of the 8 reviews per class)
    assert abs(s.mean() - r.mean()) < 0.13, (s.mean(), r.mean())
    assert _ece(s, r) < 0.14
    st, rt = np.array(top, float).T
    assert abs(st.mean() - rt.mean()) < 0.13, (st.mean(), rt.mean())


def test_rival_scores_and_calibration_keep_the_ranking():
    S = np.array([[2.0, 1.0, -1.0], [0.0, 3.0, 3.0]])
    assert rival_scores(S).tolist() == [[1.0, 2.0, 2.0], [3.0, 3.0, 3.0]]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    X = np.eye(4)[y] * 1.5 + rng.normal(0, 1, (200, 4))
    m = LabelModel(l2=1.0).fit(X, np.eye(4)[y], list("abcd"))
    assert m.rival < 0 < m.platt[0]
    Xt = rng.normal(0, 1.5, (300, 4))
    assert (m.predict_proba(Xt).argmax(1) == m.decision(Xt).argmax(1)).all()


def test_labels_that_come_together_fall_back_to_plain_platt_scaling():
    """Two labels always on together: a rival's high score says the label is there too
    (c would be > 0 and could reorder an image's labels), so c is 0."""
    rng = np.random.default_rng(1)
    on = rng.random(300) < 0.4
    Y = np.stack([on, on, rng.random(300) < 0.3], 1).astype(float)
    S = Y * 2.0 - 1.0 + rng.normal(0, 1, Y.shape)
    a, c, b = fit_calibration(S, Y)
    assert a > 0 and c == 0.0
