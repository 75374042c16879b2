"""An experimental label model (kept with the tests, not part of the product) that adds reference-based patch anomaly features (:mod:`.patchbank`)
to an image feature vector before the :class:`~.learned.LabelModel`.

The bank is rebuilt on every fit from the training images of the *reference* label (a
defect-free class: "ok", "good", "normal", ... or the ``reference`` given); its
anomaly features are transductive (they depend on the training set), so a reference
image is scored leave-one-out at fit time and every other image against the whole
bank. Without a reference label among the labels (or fewer than two of its images)
the model is the plain :class:`~.learned.LabelModel` on the given vectors.

Not the product default: on the generated defect benchmark it did not beat the
handcrafted features alone (``tests/benchmarks/bench_learned.py --model patchbank``:
70.9 / 79.4 / 81.3 / 86.6 % top-1 at 5/10/20/50 per class against 70.9 / 78.7 / 81.8 /
87.7 % for handcrafted-v5 + LabelModel in the same protocol). Pitting and cracks stand
far from every normal patch; a painted stain on grass or gravel does not stand out
from the same texture's naturally dark patches (per-texture AUC ok-vs-stain ~0.75).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from llmvis_desktop.core.suggest.learned import DEFAULT_L2, LabelModel
from patchbank import PatchBank

REFERENCE_NAMES = ("ok", "good", "normal", "clean", "pass", "defect-free", "defect_free", "no defect",
                   "no_defect", "none", "negative", "background")


def reference_label(labels: Sequence[str]) -> Optional[str]:
    """The first label whose name says "defect-free", or None."""
    by_name = {lab.strip().lower(): lab for lab in labels}
    for name in REFERENCE_NAMES:
        if name in by_name:
            return by_name[name]
    return None


@dataclass
class PatchBankModel:
    """``fit(X, descs, Y, labels)`` / ``predict_proba(X, descs)``: X (n, dim) image vectors,
    descs (n, MAX_CELLS, DESC_DIM) :func:`~.patchbank.patch_descriptors`."""

    l2: float = DEFAULT_L2
    reference: Optional[str] = None
    bank: Optional[PatchBank] = None
    model: LabelModel = field(default_factory=LabelModel)

    @property
    def labels(self) -> list[str]:
        return self.model.labels

    def fit(self, X: np.ndarray, descs: np.ndarray, Y: np.ndarray, labels: Sequence[str],
            check=lambda: None) -> "PatchBankModel":
        labels = list(labels)
        Y = np.asarray(Y, np.float64)
        ref = self.reference if self.reference in labels else reference_label(labels)
        self.bank = None
        Z = np.asarray(X, np.float32)
        if ref is not None and Y[:, labels.index(ref)].sum() >= 2:
            is_ref = Y[:, labels.index(ref)] > 0
            check()
            self.bank = PatchBank().fit(descs[is_ref])
            self_ids = np.full(len(X), -1)
            self_ids[is_ref] = np.arange(int(is_ref.sum()))
            Z = np.concatenate([Z, self.bank.features(descs, self_ids)], 1)
        self.model = LabelModel(l2=self.l2).fit(Z, Y, labels, check)
        return self

    def design(self, X: np.ndarray, descs: np.ndarray) -> np.ndarray:
        Z = np.asarray(X, np.float32)
        if self.bank is not None:
            Z = np.concatenate([Z, self.bank.features(descs)], 1)
        return Z

    def predict_proba(self, X: np.ndarray, descs: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.design(X, descs))
