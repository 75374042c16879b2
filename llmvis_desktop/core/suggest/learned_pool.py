"""Self-training of the learned suggester's CNN path on the project's unreviewed images
(an option, off by default: ``LearnedSuggester(self_train=SelfTrainConfig())``; see :mod:`.self_train`
for the rule and ``tests/benchmarks/bench_learned.py`` for what it measured).

After the network and the linear model are fitted on the reviewed images, up to
``pool_cap`` unreviewed images (new or suggested, not repair outputs; a fixed sample of
their ids when there are more) are read and scored; those the two are sure of become
pseudo-labelled images, and the network and/or the linear model are fitted again on the
reviewed images plus those. The second network is saved next to the first under its own
revision (the first's plus the pseudo-labelled images and their labels), so a suggester
started again on the same project loads both instead of fitting. Nothing is written to
the project: pseudo-labels live only in the fit.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Optional

import numpy as np

from ..store.records import ImageFilter, queue_filter
from ..tasks import Progress
from .learned_cnn import CombinedModel, fit_or_load, unit_rows
from .linear import LabelModel
from .self_train import SelfTrainConfig, pseudo_labels, sample_pool

log = logging.getLogger(__name__)


def pool_ids(project, cap: int) -> list[int]:
    """The unreviewed images' ids (new or suggested, no repair outputs), at most ``cap``."""
    ids = project.image_ids(queue_filter(ImageFilter(statuses=("new", "suggested"))), "name")
    return sample_pool(ids, cap)


def self_trained_path(model_path):
    return None if model_path is None else model_path.with_name(model_path.stem + "-selftrained.safetensors")


def self_train(sugg, cfg: SelfTrainConfig, net, lin: LabelModel, X: tuple, Y: np.ndarray, labels, revision: str,
               recs, total: int, check, progress) -> tuple[object, LabelModel, Optional[np.ndarray], dict]:
    """(network, linear model, the reviewed images' unit embeddings or None when the
    network is the first one, what it did): the models fitted again with the sure
    pool images' pseudo-labels, or the ones given when the pool is empty or none is sure."""
    info = {"pool": 0, "pseudo_labelled": 0}
    ids = pool_ids(sugg.project, cfg.pool_cap)
    if not ids:
        return net, lin, None, info
    pool = sugg.project.images(ids)
    (Fp, Cp), keep = sugg._read(pool, True, check,
                                lambda d: progress(Progress("features", d, len(pool), "reading unreviewed images")),
                                training=False)
    info["pool"] = len(keep)
    if not len(keep):
        return net, lin, None, info
    P = CombinedModel(net, lin).predict_proba(Cp, Fp)
    sel, Yp = pseudo_labels(P, Y, cfg.margin, cfg.per_label)
    info["pseudo_labelled"] = len(sel)
    if not len(sel):
        return net, lin, None, info
    Y2 = np.concatenate([np.asarray(Y, np.float64), Yp])
    if cfg.refit in ("both", "linear"):
        lin = LabelModel(l2=lin.l2).fit(np.concatenate([X[0], Fp[sel]]), Y2, labels, check)
    ref = None
    if cfg.refit in ("both", "cnn"):
        chosen = [[pool[keep[i]].id, pool[keep[i]].mtime_ns, Yp[j].tolist()] for j, i in enumerate(sel)]
        rev2 = hashlib.sha1(json.dumps([revision, chosen]).encode()).hexdigest()[:12]
        net, _, _ = fit_or_load(sugg._inputs, self_trained_path(sugg._model_path), np.concatenate([X[1], Cp[sel]]),
                             Y2, labels, rev2, total, recs, check,
                             lambda d, t: progress(Progress("train", d, t, "fitting the network again with "
                                                            f"{len(sel)} pseudo-labelled unreviewed images")))
        ref = unit_rows(net.embed(X[1]))
    log.info("learned suggester: self-training pseudo-labelled %d of %d unreviewed images", len(sel), len(keep))
    return net, lin, ref, info
