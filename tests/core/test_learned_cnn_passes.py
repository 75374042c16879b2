"""Scoring on the CNN path runs the network once per rotated/flipped view of an image:
the label scores and the caption-retrieval features come from the same pass (they took
a ninth pass through the body per image, 4 ms of CPU of 34 per image on 2,850 images)."""
from __future__ import annotations

import numpy as np
import torch

from llmvis_desktop.core.suggest.cnn import CNNConfig, CNNModel, _dihedral
from llmvis_desktop.core.suggest.learned_cnn import CombinedModel
from llmvis_desktop.core.suggest.learned_tiles import score
from llmvis_desktop.core.suggest.linear import LabelModel

LABELS = ("ok", "scratch", "stain")


def _fitted(members: int = 1):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2, 32, 32)).astype(np.float32)
    Y = np.eye(3)[np.arange(12) % 3]
    cfg = CNNConfig(size=32, min_steps=3, max_steps=3, batch=8, threads=1, members=members)
    return CNNModel(cfg).fit(X, Y, LABELS), X, Y


def _seen(model):
    """How many images went through each member's body (a forward hook counts them)."""
    seen = [0]
    for net in model.nets:
        net.body.register_forward_hook(lambda _m, inp, _out: seen.__setitem__(0, seen[0] + len(inp[0])))
    return seen


def test_scoring_runs_the_body_once_per_view():
    cnn, X, Y = _fitted()
    feats = np.random.default_rng(1).normal(size=(len(X), 5))
    model = CombinedModel(cnn, LabelModel().fit(feats, Y, LABELS))
    seen = _seen(cnn)
    P, U = score(model, "cnn", (feats, X))
    assert P.shape == (len(X), 3) and U.shape[0] == len(X)
    assert seen[0] == 8 * len(X)  # the 8 rotations/flips; the embedding is the unrotated view's


def test_one_pass_gives_what_the_separate_passes_gave():
    for members in (1, 2):
        cnn, X, _ = _fitted(members)
        logits, emb = cnn.decision_and_embed(X, batch=5)  # batches of 5: a short last one
        with torch.inference_mode():
            xt = torch.from_numpy(X)
            want = sum(net(_dihedral(xt, k)).double() for net in cnn.nets for k in range(8)) / (8 * members)
            want_emb = torch.cat([net.pooled(xt) for net in cnn.nets], 1).double()
        np.testing.assert_allclose(logits, want.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(emb, want_emb.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(emb, cnn.embed(X), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(cnn.decision(X), logits, rtol=1e-12)
