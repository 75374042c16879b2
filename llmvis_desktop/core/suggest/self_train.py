"""Self-training on the unreviewed images (semi-supervised; an option of the learned suggester's CNN path, off by default).

A project holds many unreviewed images next to the reviewed ones, and the learned
suggester scores them anyway. Self-training uses them as an unlabelled pool: the model
fitted on the reviewed images scores the pool, the pool images it is sure of get its
labels as *pseudo-labels*, and the model is fitted again on the reviewed images plus
those. Nothing here is written to the project: pseudo-labels only live in the fit.

:func:`pseudo_labels` picks the pool images and their labels. An image is taken when
every label's probability is at least ``margin`` away from 0.5 (so 0.9 / 0.1 with the
default 0.4: sure of each label, present or absent; this works the same for several
labels per image and for a one-label "defect or not" taxonomy). Its labels are those
scoring >= 0.5. So that the pseudo-labels do not swamp the reviews, each label keeps
at most ``per_label`` times as many pseudo-labelled images as it has reviewed images
(by its top label, most confident first).

NumPy only; the fits are the caller's (:mod:`.cnn`, :mod:`.linear`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SelfTrainConfig:
    """The setting chosen on bench_learned.py --validate (margin 0.1,
    every sure image, the network fitted again and the linear model left on the reviews); not
    the learned suggester's default: ``LearnedSuggester(self_train=SelfTrainConfig())``."""

    margin: float = 0.1  # every label's probability at least this far from 0.5
    per_label: float = 10.0  # pseudo-labelled images per reviewed image of the same top label, at most
    pool_cap: int = 750  # unreviewed images scored, at most (a fixed sample when there are more)
    refit: str = "cnn"  # what is fitted again with the pseudo-labels: "cnn", "linear" or "both"


def pseudo_labels(P: np.ndarray, Y: np.ndarray, margin: float = 0.4,
                  per_label: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Pool rows to pseudo-label and their 0/1 labels.

    P: (n_pool, n_labels) probabilities of the model fitted on the reviewed images;
    Y: (n_reviewed, n_labels) the reviewed images' 0/1 labels (for the per-label caps).
    Returns (indices into P, (len(indices), n_labels) float 0/1), most confident first
    within each label; empty arrays when none is sure enough."""
    P = np.asarray(P, np.float64)
    Y = np.asarray(Y, np.float64)
    n_labels = P.shape[1] if P.ndim == 2 else 0
    empty = (np.zeros(0, int), np.zeros((0, n_labels)))
    if P.ndim != 2 or len(P) == 0 or n_labels == 0:
        return empty
    sure = np.abs(P - 0.5).min(1) >= margin
    L = (P >= 0.5).astype(np.float64)
    if n_labels > 1:
        sure &= L.sum(1) >= 1  # with several labels, "none of them" is not a label
    top = P.argmax(1)
    reviewed = np.bincount(Y.argmax(1), minlength=n_labels) if len(Y) else np.zeros(n_labels, int)
    conf = np.abs(P - 0.5).min(1)
    keep = []
    for c in range(n_labels):
        rows = np.where(sure & (top == c))[0]
        rows = rows[np.argsort(-conf[rows], kind="stable")]
        keep.append(rows[:int(round(per_label * reviewed[c]))])
    idx = np.concatenate(keep) if keep else np.zeros(0, int)
    if len(idx) == 0:
        return empty
    return idx.astype(int), L[idx]


def sample_pool(ids, cap: int) -> list:
    """At most ``cap`` of ``ids``: all of them, or an evenly spaced sample of the sorted ids
    (the same sample for the same ids, so a refit sees the same pool)."""
    ids = sorted(ids)
    if cap <= 0:
        return []
    if len(ids) <= cap:
        return ids
    pick = np.linspace(0, len(ids) - 1, cap).round().astype(int)
    return [ids[i] for i in pick]
