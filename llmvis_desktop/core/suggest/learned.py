"""The learned suggester: labels and captions learned from the project's own reviewed images.

No download, no pretrained weights. Once every learned label has ``cnn_min_per_label``
reviewed images (and torch is installed), a small convolutional network is trained from
scratch on them (:mod:`.cnn`; saved with safetensors next to the feature cache, reused
while the reviewed set is unchanged) and its probabilities are averaged with those of
the linear model (:class:`~.learned_cnn.CombinedModel`). An option, off by default, fits the network
again with the unreviewed images the two are sure of, pseudo-labelled (self-training:
:mod:`.learned_pool`; a gain of 1-3 test tiles in 300 for a retrain about twice as long:
``tests/benchmarks/bench_learned.py``). Before that, or with ``model="linear"``, or
with a local CLIP/SigLIP encoder: each reviewed image becomes a feature vector
(:class:`~.features.HandcraftedFeatures` by default, the encoder's embedding when one
is given); :class:`~.linear.LabelModel` fits one L2-regularised logistic
regression per label (one-vs-rest, so an image may carry several labels) by Newton's
method, and one shared calibration fitted on out-of-fold scores (Platt scaling with the
label's strongest rival as a second input: :func:`~.linear.fit_calibration`) makes its
scores calibrated probabilities, the top label's too. Caption suggestions are retrieved: the caption of the most
similar reviewed image with the predicted labels (else with the top one; else none), scored
by the cosine similarity of the two feature vectors (the network's pooled features on
the CNN path).

It only ever writes *suggestions* (``Project.add_suggestions``), never annotations.
A label is learned once ``min_per_label`` reviewed images carry it; until two labels
have that many (or one label has, and as many reviewed images are without it: a
"defect or not" taxonomy), :meth:`LearnedSuggester.status` says how many more are
needed and nothing is suggested.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Collection, Optional, Sequence

import numpy as np
from sqlalchemy import select

from ..store import db_wait
from ..store import models as sm
from ..store.engine import describe_url
from ..store.records import ImageFilter, NewSuggestion, queue_filter
from ..store.repo_runs import runs_done
from ..store.repo_suggest import same_request_done
from ..tasks import Cancelled, CancelToken, Progress, ProgressFn, no_progress
from . import learned_pool
from .cnn import NAME as CNN_NAME
from .cnn import CNNConfig
from .features import FeatureCache, FeatureExtractor, HandcraftedFeatures, cache_path_for, features_for
from .learned_cnn import CNNInputs, CombinedModel, fit_or_load, model_path_for, read_both, torch_available
from .learned_fits import FIT_KEY, history_mark
from .learned_outcome import count_batch, new_outcome
from .learned_ready import MIN_PER_LABEL, Readiness, _missing_note  # noqa: F401 (importable from here)
from .learned_store import fit_label_keys, stopped_by_full_disk, store_batch
from .learned_tiles import score_all, tile_cache_for, tile_side
from .linear import DEFAULT_L2, LabelModel, _unit  # noqa: F401 - DEFAULT_L2 re-exported
from .report import SuggestCancelled
from .self_train import SelfTrainConfig
from .strip_tiles import PARAM, max_tiles_of

log = logging.getLogger(__name__)

MODEL_PREFIX = "learned:"
#: a suggestion job saves the features it read at least this often (and at its end):
#: after every batch the whole file was rewritten, a growing cost; only at the end, a
#: killed job lost them all (10 minutes of reading per 10k images)
FEATURES_SAVE_EVERY_S = 120.0
CNN_MIN_PER_LABEL = 10  # below this many reviewed images per label the linear model does as well


class NotReady(RuntimeError):
    """The suggester has not learned enough yet; the message says what it needs."""


# --------------------------------------------------------------------------- the suggester
@dataclass(frozen=True)
class TrainReport:
    images: int
    labels: tuple[str, ...]
    skipped_labels: tuple[str, ...]
    revision: str
    seconds: float
    captions: int
    #: reviewed images whose file could not be read (relative paths): left out of the fit
    unreadable: tuple[str, ...] = ()
    #: the taxonomy's labels not learned, each with how many more reviewed images it needs
    not_learned: tuple[tuple[str, int], ...] = ()
    #: the network was the saved fit of this reviewed set, loaded (not trained): ``seconds`` is no fit's time
    reused: bool = False


class LearnedSuggester(Readiness):
    """Learns the project's labels (and retrieves captions) from its reviewed images."""

    def __init__(self, project, extractor: Optional[FeatureExtractor] = None, min_per_label: int = MIN_PER_LABEL,
                 l2: float = DEFAULT_L2, cache: bool = True, model: str = "auto",
                 cnn_min_per_label: int = CNN_MIN_PER_LABEL, cnn_config: Optional[CNNConfig] = None,
                 self_train: Optional[SelfTrainConfig] = None) -> None:
        """``model``: "auto" (the CNN once every label has ``cnn_min_per_label`` reviewed
        images, when torch is installed and no encoder is given), "cnn" or "linear".
        ``self_train``: on the CNN path, fit the network again with the unreviewed images
        it is sure of, pseudo-labelled (:mod:`.learned_pool`; ``SelfTrainConfig()`` is the
        setting chosen on the benchmark's validation); None (the default): off."""
        if model not in ("auto", "cnn", "linear"):
            raise ValueError(f"model must be auto, cnn or linear, not {model!r}")
        self.project = project
        self.extractor = extractor or HandcraftedFeatures()
        self.min_per_label = max(1, int(min_per_label))
        self.l2 = float(l2)
        self.model_kind = model
        self.cnn_min_per_label = max(self.min_per_label, int(cnn_min_per_label))
        self.self_train = self_train
        self.pool_info: dict = {}  # the last fit's self-training: pool images read, pseudo-labelled
        self._inputs = CNNInputs(cnn_config)
        self._inputs_cache = FeatureCache(None, self._inputs.name)  # in memory only
        self._model_path = model_path_for(project) if cache else None
        self.model = None  # LabelModel, or (self.kind == "cnn") CombinedModel: CNN and LabelModel
        self.kind: Optional[str] = None
        self.revision: Optional[str] = None
        self.trained_reviews = 0
        self.fit_mark = 0  # the history the fit saw (learned_fits): a newer fit's cards are left alone
        self._label_keys: dict = {}  # the learned labels' keys at the fit (learned_store)
        self._lock = threading.Lock()
        self._cache = FeatureCache(cache_path_for(project, self.extractor.name) if cache else None,
                                   self.extractor.name)
        self._tiles = tile_cache_for(project, self.extractor.name, cache)  # a strip's tiles' rows (learned_tiles)
        # the reviewed set the model was fitted on, for caption retrieval
        self._ref_feats: Optional[np.ndarray] = None
        self._ref_ids: list[int] = []
        self._ref_captions: list[Optional[str]] = []
        self._ref_labels: list[frozenset[str]] = []
        # strips: scored in tiles of this side, at most max_tiles (None: the project's setting; learned_tiles)
        self.tile_side, self.max_tiles, self.tiled = None, None, []
        self.outcome: dict = {}  # the last run's counts (learned_outcome): why it stored none, when none

    @property
    def model_id(self) -> str:
        return f"{MODEL_PREFIX}{CNN_NAME if self.kind == 'cnn' else self.extractor.name}"

    def _use_cnn(self, counts: dict[str, int], labels: Sequence[str]) -> bool:
        if self.model_kind == "linear" or not isinstance(self.extractor, HandcraftedFeatures):
            return False
        if not torch_available():
            if self.model_kind == "cnn":
                log.warning("torch is not installed: the learned suggester uses the linear model")
            return False
        return self.model_kind == "cnn" or min(counts[k] for k in labels) >= self.cnn_min_per_label

    def should_retrain(self, n_new_reviews: Optional[int] = None, every: int = 10) -> bool:
        """True when a model is missing or ``every`` reviews were made since it was trained.

        ``n_new_reviews``: the caller's own count; by default the reviewed images now
        minus those the model was trained on.
        """
        if n_new_reviews is None:
            if self.model is None:
                return self.status()[0]
            n_new_reviews = abs(self.project.count(ImageFilter(statuses=("reviewed",))) - self.trained_reviews)
        return n_new_reviews >= max(1, every)

    # --- training ---------------------------------------------------------------
    def train(self, token: Optional[CancelToken] = None, progress: ProgressFn = no_progress) -> TrainReport:
        """Fit on every reviewed image; raises :class:`NotReady` (with the reason) when too few."""
        t0 = time.perf_counter()
        check = token.check if token is not None else (lambda: None)
        with self.project.store.read() as s:  # before the reviewed set is read: what this fit saw at least
            mark = history_mark(s)
        ready, message, recs, missing = self._readiness()
        if not ready:
            raise NotReady(message)
        counts = self._label_counts(recs)
        labels = sorted(k for k, v in counts.items() if v >= self.min_per_label)
        skipped = tuple(sorted(k for k, v in counts.items() if 0 < v < self.min_per_label))
        total = len(recs)
        use_cnn = self._use_cnn(counts, labels)
        self._prune()
        X, keep = self._read(recs, use_cnn, check,
                             lambda done: progress(Progress("features", done, total, "reading reviewed images")))
        kept = set(keep)
        unreadable = tuple(r.relpath for i, r in enumerate(recs) if i not in kept)
        recs = [recs[i] for i in keep]
        labels, skipped = self._drop_unreadable(labels, recs, counts, skipped, unreadable)
        if missing:
            log.warning("learned suggester: left out%s", _missing_note(missing)[1:])
        unreadable = tuple(missing) + unreadable
        keys = fit_label_keys(self.project, labels)  # (after the records: see fit_label_keys)
        Y = np.array([[1.0 if name in r.labels else 0.0 for name in labels] for r in recs]).reshape(len(recs), len(labels))
        key = json.dumps({
            "extractor": self.extractor.name, "min": self.min_per_label, "l2": self.l2,
            **({"cnn": repr(self._inputs.cfg)} if use_cnn else {}),
            **({"self_train": repr(self.self_train)} if use_cnn and self.self_train is not None else {}),
            "train": [(r.id, r.mtime_ns, r.size, sorted(r.labels), r.caption or "") for r in recs],
        }, sort_keys=True)
        revision = hashlib.sha1(key.encode()).hexdigest()[:12]
        progress(Progress("train", 0, 1, f"fitting {len(labels)} labels"))
        reused = False
        if use_cnn:
            net, ref, reused = fit_or_load(self._inputs, self._model_path, X[1], Y, labels, revision, total, recs, check,
                                   lambda d, t: progress(Progress("train", d, t, f"fitting a network for {len(labels)} labels")))
            lin = LabelModel(l2=self.l2).fit(X[0], Y, labels, check)
            if self.self_train is not None:
                net, lin, ref2, self.pool_info = learned_pool.self_train(
                    self, self.self_train, net, lin, X, Y, labels, revision, recs, total, check, progress)
                ref = ref if ref2 is None else ref2
            model = CombinedModel(net, lin)
        else:
            model = LabelModel(l2=self.l2).fit(X, Y, labels, check)
            ref = _unit(model, X)
        progress(Progress("train", 1, 1, "done"))
        with self._lock:
            self.model = model
            self.kind = "cnn" if use_cnn else "linear"
            self.revision = revision
            self.trained_reviews = total
            self.fit_mark = mark
            self._label_keys = keys
            self._ref_feats = ref
            self._ref_ids = [r.id for r in recs]
            self._ref_captions = [r.caption if (r.caption or "").strip() else None for r in recs]
            self._ref_labels = [frozenset(r.labels) for r in recs]
            self.tile_side = tile_side(recs)
        have = {k: sum(k in r.labels for r in recs) for k in counts if k not in labels}
        short = tuple((k, max(1, self.min_per_label - v)) for k, v in sorted(have.items()))
        return TrainReport(len(recs), tuple(labels), skipped, revision, time.perf_counter() - t0,
                           sum(c is not None for c in self._ref_captions), unreadable, short,
                           reused and self.self_train is None)  # (self-training fits a network again)

    def _drop_unreadable(self, labels, recs, counts, skipped, unreadable):
        """Unreadable reviewed files (deleted or moved outside the tool, not re-indexed yet)
        can leave a label below ``min_per_label``: it is skipped, as a label with too few
        reviews is, and the readiness rule is checked again on what is left (raises
        :class:`NotReady` naming the files). Returns (labels, skipped)."""
        if not unreadable:
            return labels, skipped
        readable = {k: sum(1 for r in recs if k in r.labels) for k in labels}
        kept = [k for k in labels if readable[k] >= self.min_per_label]
        files = ", ".join(unreadable[:3]) + (f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else "")
        note = f"could not read {len(unreadable)} reviewed image{'s' if len(unreadable) != 1 else ''}: {files}"
        log.warning("learned suggester: %s", note)
        one_label = len(counts) == 1  # "defect" or not: learned against the images without it
        if not kept or (len(kept) < 2 and not one_label) or len(recs) < 2:
            short = ", ".join(f"'{k}' has {readable[k]} readable of {self.min_per_label}"
                              for k in labels if k not in kept)
            raise NotReady(f"needs more readable reviewed images ({short or 'too few left'}); {note}")
        if one_label and len(recs) - readable[kept[0]] < self.min_per_label:
            raise NotReady(f"needs more readable reviewed images without '{kept[0]}'; {note}")
        if len(kept) < len(labels):
            skipped = tuple(sorted(set(skipped) | (set(labels) - set(kept))))
        return kept, skipped

    def _prune(self) -> None:
        """Drop the cached features of files deleted since (marked missing by the index) and
        of the older content of changed ones (the key holds the file's mtime and size, so a
        changed file is read again; its old vector was kept for good): once per fit."""
        with self.project.store.read() as s:
            live = {(int(i), int(t), int(n)) for i, t, n in s.execute(
                select(sm.Image.id, sm.Image.mtime_ns, sm.Image.size).where(sm.Image.status != sm.STATUS_MISSING))}
        dropped = self._cache.prune(live) + self._inputs_cache.prune(live) + self._tiles.prune(live)
        if dropped:
            log.info("learned suggester: dropped %d cached feature vectors of deleted or changed files", dropped)

    def _read(self, recs, cnn: bool, check, on_item, training: bool = True):
        """(handcrafted features, or with ``cnn`` (features, network inputs)), readable indices.
        The network inputs of the reviewed images are kept in memory for the next fit;
        those of images suggested for are not (72 KiB each, for every image of the folder)."""
        if cnn:
            kept = self._inputs_cache if training else FeatureCache(None, self._inputs.name)
            Xh, Xc, keep = read_both(self.project, recs, self.extractor, self._cache, self._inputs,
                                     kept, check, on_item)
            X = (Xh, Xc)
        else:
            X, keep = features_for(self.project, recs, self.extractor, self._cache, check, on_item)
        if training:  # a suggestion job saves once at its end: rewriting the whole file after
            self._cache.save()  # every batch grew with the square of the folder's size
        return X, keep

    # --- prediction ---------------------------------------------------------------
    def predict(self, image_ids: Sequence[int], token: Optional[CancelToken] = None,
                progress: ProgressFn = no_progress, ran: Optional[dict] = None) -> list[NewSuggestion]:
        """Label suggestions (the top label, plus any other scoring >= 0.5; with a one-label
        taxonomy, the label only when it scores >= 0.5: "defect" on every clean image
        would be no suggestion at all) and a retrieved caption. ``ran``: a dict given gets
        what the model scored: "ids" (the images it could read), "model_id", "revision"
        and "labels", for :meth:`Project.record_suggest_runs` (a "no" leaves no card)."""
        with self._lock:
            model, revision, kind, model_id = self.model, self.revision, self.kind, self.model_id
            ref, ref_ids, ref_caps = self._ref_feats, self._ref_ids, self._ref_captions
            ref_labels, keys, side, mark = self._ref_labels, self._label_keys, self.tile_side, self.fit_mark
        if model is None:
            raise NotReady(self.status()[1] if not self.status()[0] else "the learned suggester is not trained yet")
        check = token.check if token is not None else (lambda: None)
        recs = self.project.images(list(image_ids))
        # (a strip is scored in tiles: a small defect anywhere on it decides; learned_tiles)
        keep, P, U, tiled = score_all(
            self.project, recs, lambda rs: self._read(rs, kind == "cnn", check, lambda d: progress(
                Progress("features", d, len(recs))), training=False),
            model, kind, self.extractor, self._inputs, side, max_tiles_of(self.project, self.max_tiles), check, self._tiles)
        self.tiled += [v[2][0][PARAM]["tiles"] for v in tiled.values()]
        if ran is not None:
            ran.update(ids=[recs[i].id for i in keep], model_id=model_id, revision=revision,
                       labels=list(model.labels), keys=keys, fit=mark)
        if not keep:
            return []
        sims = U @ ref.T if ref is not None and len(ref_ids) else np.zeros((len(keep), 0))
        out: list[NewSuggestion] = []
        # the CNN's score is the mean with the linear model on the handcrafted features
        base = ({"extractor": CNN_NAME, "model": "cnn", "averaged_with": self.extractor.name}
                if kind == "cnn" else {"extractor": self.extractor.name})
        base.update(l2=self.l2, min_per_label=self.min_per_label, **{FIT_KEY: mark})
        for row, i in enumerate(keep):
            rec = recs[i]
            order = np.argsort(-P[row])
            predicted: list[str] = []  # best first
            for rank, j in enumerate(order):
                p = float(P[row, j])
                if p < 0.5 and (rank > 0 or len(model.labels) == 1):
                    break
                predicted.append(model.labels[j])
                out.append(NewSuggestion(
                    image_id=rec.id, kind="label", value=model.labels[j], model_id=model_id,
                    score=round(p, 4), model_revision=revision, prompt=None,
                    params={**base, "rank": rank + 1, "top1": rank == 0, **(tiled[i][2][j] if i in tiled else {})},
                ))
            cap = self._retrieve(sims[row], rec.id, ref_ids, ref_caps,
                                 self._agreeing(predicted, model.labels, ref_labels))
            if cap is not None:
                j, caption, sim, agree = cap
                out.append(NewSuggestion(
                    image_id=rec.id, kind="caption", value=caption, model_id=model_id,
                    score=round(sim, 4), model_revision=revision, prompt=None,
                    # the source, its labels and how it was chosen (see _agreeing)
                    params={**base, "retrieved_from": ref_ids[j], "retrieved_labels": sorted(ref_labels[j]),
                            "retrieved_among": agree},
                ))
        return out

    @staticmethod
    def _agreeing(predicted: Sequence[str], learned: Sequence[str], ref_labels: list[frozenset[str]]):
        """The reference images a caption may be retrieved from, tier by tier: those whose
        learned labels are exactly the predicted ones (none predicted: those with none of
        them, "clean"), else those carrying the top predicted label. A caption of a clean
        tile on an image whose card says 'crack' contradicted the card, and Enter saved both."""
        want, known = frozenset(predicted), frozenset(learned)
        same = [j for j, labs in enumerate(ref_labels) if labs & known == want]
        top = [j for j, labs in enumerate(ref_labels) if predicted and predicted[0] in labs]
        return [("same labels", same), ("top label", top)]

    @staticmethod
    def _retrieve(sims: np.ndarray, image_id: int, ref_ids: list[int], caps: list[Optional[str]],
                  tiers: Sequence[tuple[str, list[int]]] = ()):
        """(reference index, caption, similarity, tier name) of the most similar captioned
        reference image of the first tier that has one, or None; with no tiers, of all of
        them ("any"). A tier is never widened to any captioned image: a team that had
        captioned only its dent images got a dent's caption on every stain and 'ok' image."""
        order = [int(j) for j in np.argsort(-sims) if caps[j] is not None and ref_ids[j] != image_id]
        for name, allowed in (tiers or (("any", None),)):
            ok = set(allowed) if allowed is not None else None
            j = next((j for j in order if ok is None or j in ok), None)
            if j is None:
                continue  # no captioned reference image in this tier
            if float(sims[j]) <= 0:  # no reviewed image is anywhere near: no caption
                return None
            return j, caps[j], min(1.0, float(sims[j])), name
        return None

    # --- the batch job ------------------------------------------------------------
    def run(self, flt: Optional[ImageFilter] = None, only_unsuggested: bool = True,
            token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
            batch_size: int = 64, limit: Optional[int] = None,
            hold: Optional[Callable[[], Collection[int]]] = None, include_repairs: bool = False) -> int:
        """Suggest for the images in ``flt`` (default: new and suggested ones); returns how many
        suggestions were written. Trains first when there is no model yet. Resumable: with
        ``only_unsuggested`` an image this model already suggested for is skipped.
        ``limit``: at most that many images this run. ``hold``: called before each batch is
        stored, the ids of images to leave alone this run (the one on the reviewer's
        screen: its cards are not renewed or withdrawn under the reviewer; a later run
        covers it). A card of a label renamed since the fit is stored under its name now;
        one of a label removed since is not (``unknown_label_cards`` counts them; see
        :mod:`.learned_store`). The outputs of linked repairs are left out unless
        ``include_repairs`` or ``flt`` asks for them (``outcome["repair_outputs"]`` counts them).
        A batch that finds the database held by another writer past its wait is kept and
        stored once it is free, the wait said as a ``Progress.waiting`` report of the
        suggest stage (:mod:`..store.db_wait`, as the model jobs; ``outcome["waited_s"]``: the
        seconds waited in all); ``token`` cancels the wait."""
        if self.model is None:
            train_cancellable(self, token, progress)
        if flt is None or not flt.statuses:  # a folder or text filter alone keeps to unreviewed images:
            # suggestions for the images the model was trained on would grade its own homework
            flt = replace(flt or ImageFilter(), statuses=("new", "suggested"))
        # picked as unreviewed: one reviewed while a batch is predicted gets nothing (checked
        # when it is stored); a run asked for reviewed images (--status reviewed) still stores
        unreviewed_only = not set(flt.statuses) & {"reviewed", "rejected"}
        asked = queue_filter(flt, include_repairs)  # repaired copies: not work to review
        left_out = self.project.count(replace(asked, repair_output=True)) if asked != flt else 0
        flt = asked
        ids = self.project.image_ids(flt, "name")
        outcome = self.outcome = new_outcome(self.project, flt, ids)  # what it did: why none, when none
        outcome["repair_outputs"] = left_out
        if only_unsuggested:  # done: this revision scored the file's current content (with a
            # label card, or without: judged free of every label, recorded in suggest_runs)
            with self.project.store.read() as s:
                done = same_request_done(s, self.model_id, self.revision, "label", None)
                done |= runs_done(s, self.model_id, self.revision)
            ids = [i for i in ids if i not in done]
        outcome["done_before"] = outcome["listed"] - len(ids)
        if limit is not None:
            ids = ids[:max(0, limit)]
        outcome["to_do"] = len(ids)
        written, stats, start, stored = 0, {}, 0, 0  # stored: images whose cards (or "no") were stored
        progress(Progress("suggest", 0, len(ids), self.model_id))
        saved, waits, database = time.monotonic(), token or CancelToken(), describe_url(self.project.db_url)
        try:
            for start in range(0, len(ids), batch_size):
                if token is not None:
                    token.check()
                if time.monotonic() - saved >= FEATURES_SAVE_EVERY_S:  # a killed job keeps most
                    self._cache.save()
                    saved = time.monotonic()
                chunk = ids[start:start + batch_size]
                ran: dict = {}
                newer: set = set()  # images a newer fit's cards hold (learned_fits): left alone
                items, held = self.predict(chunk, token, ran=ran), set()
                if items or ran.get("ids"):  # cards and the run record in one transaction; the database
                    # held by another writer: waited for, as the model jobs do (store/db_wait.py)
                    n, items, held, newer = db_wait.store_waiting(
                        partial(self._store, items, ran, hold, only_unsuggested, unreviewed_only, stats),
                        database, waits, lambda message, waiting, done=start: progress(
                            Progress("suggest", done, len(ids), message, waiting=waiting)),
                        waited=lambda s: outcome.update(waited_s=outcome.get("waited_s", 0.0) + s))
                    written += n
                    stored += len(({it.image_id for it in items} | set(ran.get("ids") or ()) - held) - newer)
                count_batch(outcome, chunk, ran, held, items, newer)
                progress(Progress("suggest", min(start + batch_size, len(ids)), len(ids), self.model_id))
        except Cancelled as exc:  # said as the model jobs say it: the images whose suggestions were stored
            if isinstance(exc, SuggestCancelled):
                raise
            raise SuggestCancelled(stored) from exc
        except Exception as exc:  # a full disk: the batches stored before are kept, a rerun goes on
            stopped = stopped_by_full_disk(self.project, exc, start)  # (SQLAlchemy's raw text was shown)
            if stopped is None:
                raise
            raise stopped from exc
        finally:
            self._cache.save()  # the features read for the job (a cancelled one's too)
            # cards of a label removed since the fit (or renamed before it had read the labels): not stored
            self.unknown_label_cards = stats.get("unknown_label", 0)
            outcome.update(stats, cards=written, labels=list(self.model.labels) if self.model is not None else [])
        return written

    def _store(self, items, ran: dict, hold, only_unsuggested: bool, unreviewed_only: bool, stats: dict):
        """One try at storing a batch (:func:`.learned_store.store_batch`): (cards stored, the
        items tried, the images held, those a newer fit holds). The images to hold are read
        at each try (the reviewer moves on while a try waits); ``stats`` gets the try's
        counts once it is stored (a try that failed midway counted some)."""
        held = set(hold() or ()) if hold is not None else set()
        items = [it for it in items if it.image_id not in held]
        tried, newer = dict(stats), set()
        n = store_batch(self.project, items, ran, held, MODEL_PREFIX, only_unsuggested, unreviewed_only, tried, newer)
        stats.update(tried)
        return n, items, held, newer


def run(project, flt: Optional[ImageFilter] = None, only_unsuggested: bool = True,
        token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
        extractor: Optional[FeatureExtractor] = None, min_per_label: int = MIN_PER_LABEL, model: str = "auto",
        limit: Optional[int] = None, report: Optional[dict] = None, max_tiles: Optional[int] = None,
        include_repairs: bool = False) -> int:
    """Train on the reviewed images and write suggestions for the rest (see :meth:`LearnedSuggester.run`).
    ``report``: gets the fit's :class:`TrainReport` ("train"), each tiled strip's tile count ("tiled")."""
    sugg = LearnedSuggester(project, extractor, min_per_label, model=model)
    sugg.max_tiles = max_tiles  # (None: the project's setting; .strip_tiles)
    trained = train_cancellable(sugg, token, progress)
    if report is not None:
        report.update(train=trained, tiled=sugg.tiled)
    written = sugg.run(flt, only_unsuggested, token, progress, limit=limit, include_repairs=include_repairs)
    if report is not None:  # what it did, for :func:`.learned_outcome.why_none`
        report["outcome"] = sugg.outcome
    return written


def train_cancellable(sugg: LearnedSuggester, token: Optional[CancelToken], progress: ProgressFn) -> TrainReport:
    """``sugg.train``, a cancel said as a suggest job's: "cancelled before any suggestion was
    stored" (:class:`~.report.SuggestCancelled` of 0; it said "cancelled")."""
    try:
        return sugg.train(token, progress)
    except Cancelled as exc:
        if isinstance(exc, SuggestCancelled):
            raise
        raise SuggestCancelled(0) from exc
