"""The suggestion rows :func:`.evaluate.evaluate` reads, taken a few images at a time.

The rows read one by one (:class:`.evaluate_read.Reader`: 31,800 at 90% of 2,000 images
reviewed with 100 past runs each) were held as one list while the rules ran over it. They
come ordered by image, and every rule but a few totals is the image's own (its cards as
the reviewer saw them, each model's latest run there, whether it was judged free of
every label, why its suggestions were left out), so :class:`Stream` takes them a batch of
whole images at a time (:func:`by_image`) and keeps of each batch only what the figures
need: counts, each model's latest label cards per image (the figures' predictions, as
many as the images and labels, not the runs), and the silent-run keys
(the captions' figures are read apart, in id order: :mod:`.evaluate_captions`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timezone
from functools import lru_cache
from typing import Iterable, Iterator

from ..store import models as m
from .edit_distance import normalised_edit_distance
from .evaluate_rows import (_as_reviewed, _latest_rows, _left_out_reasons, _overrule, _silent_keys,
                            _usable_label_rows, _utc)

DECIDED = ("accepted", "edited", "rejected")  # not pending, nor withdrawn (nobody decided it)
#: an edited caption counts as accepted when its normalised edit distance to the text the
#: reviewer kept is below this (a few words changed); above, the reviewer replaced it
EDIT_KEPT = 0.5
#: a batch closes at the first new image once it holds this many rows
BATCH_ROWS = 1000
#: (suggested, final) caption pairs whose distance is remembered (a captioner often says
#: the same thing for many images): a cache of every pair grew with the decided captions
DISTANCE_CACHE = 1024


def by_image(cards: Iterable, rows: int | None = None) -> Iterator[list]:
    """``cards`` (ordered by image id) in lists of whole images, of about ``rows`` rows
    (:data:`BATCH_ROWS`)."""
    rows = rows or BATCH_ROWS
    batch: list = []
    for c in cards:
        if len(batch) >= rows and c.image_id != batch[-1].image_id:
            yield batch
            batch = []
        batch.append(c)
    if batch:
        yield batch


def _kept(r, distance=normalised_edit_distance) -> bool:
    """Whether a decided card counts as accepted: accepted as it is, or a caption edited
    with a normalised edit distance below :data:`EDIT_KEPT` (a label card edited to
    another label, or a caption the reviewer replaced, was wrong)."""
    if r.outcome == "accepted":
        return True
    return (r.outcome == "edited" and r.kind == "caption" and bool(r.final_value)
            and distance(r.value, r.final_value) < EDIT_KEPT)


def outcome_counts() -> dict[str, int]:
    return {**{k: 0 for k in m.OUTCOMES}, "overruled": 0, "edited_kept": 0}


class Stream:
    """What the figures need of the rows read, batch by batch (:meth:`add`); ``truth`` is
    changed as :func:`._overrule` does (a rejected image's labels that cards put there)."""

    def __init__(self, truth: dict, reviewed_at: dict, removed: set, renewed: dict, already_on: set,
                 taxonomy: set[str]):
        self.truth, self.reviewed_at, self.removed = truth, reviewed_at, removed
        self.renewed, self.already_on, self.taxonomy = renewed, already_on, taxonomy
        # a captioner often says the same thing for many images, reviewed to the same
        # caption: each (suggested, final) pair is measured once
        self.distance = lru_cache(maxsize=DISTANCE_CACHE)(normalised_edit_distance)
        self.answers: Counter = Counter()  # (model id, outcome) of the answer cards
        self.latest_rows: list = []  # each model's latest run's label cards per image
        self.carded: set = set()  # (:func:`._silent_keys`)
        self.withdrawn_runs: set = set()
        self.left_out: dict[int, str] = {}  # {image id: why}, were it not scored
        self.outside_taxonomy = 0
        self.acc: dict[str, dict[str, int]] = defaultdict(outcome_counts)
        self.acc_rev: dict[tuple, dict[str, int]] = defaultdict(outcome_counts)  # per (model id, revision)
        self.days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.days_by_model: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.suggestions = 0
        self.withdrawn = 0
        self.firsts: dict[tuple, object] = {}  # {(model id, revision): its first card's time (UTC)}

    def add(self, rows: list) -> None:
        """One batch of whole images' rows (their ids ascending within each image)."""
        truth, reviewed_at = self.truth, self.reviewed_at
        for r in rows:  # a learned card renewed after its image's review: as the reviewer saw it
            if r.id in self.renewed:
                r.model_revision, r.score, r.created_at = self.renewed[r.id]
        for r in rows:  # (before _overrule: a note kept on an image rejected later was kept)
            if r.kind == "answer":
                self.answers[(r.model_id, r.outcome)] += 1
        _overrule(rows, truth, self.already_on)
        _as_reviewed(rows, reviewed_at, self.removed)
        usable = _usable_label_rows([r for r in rows if r.current], truth, reviewed_at)
        self.latest_rows += _latest_rows(usable)
        carded, withdrawn = _silent_keys(rows)
        self.carded |= carded
        self.withdrawn_runs |= withdrawn
        self.left_out.update(_left_out_reasons(rows, truth, usable))
        # decided ones; those its removal withdrew where they would have been scored (reviewed)
        self.outside_taxonomy += sum(1 for r in rows if r.kind == "label" and r.live
                                     and (r.value is None or r.value not in self.taxonomy)
                                     and (r.outcome != "withdrawn" or r.image_id in truth))
        for r in rows:
            if r.outcome == "withdrawn":
                self.withdrawn += 1
            else:
                self.suggestions += 1
            if r.kind == "answer":  # counted apart (``answers``)
                continue
            if r.created_at is not None:
                k, at = (r.model_id, r.model_revision), _utc(r.created_at)
                if k not in self.firsts or at < self.firsts[k]:
                    self.firsts[k] = at
            self._acceptance(r)
            self._day(r)

    def _acceptance(self, r) -> None:
        r.kept = r.outcome in DECIDED and _kept(r, self.distance)
        for c in (self.acc[r.model_id], self.acc_rev[(r.model_id, r.model_revision)]):
            c[r.outcome] = c.get(r.outcome, 0) + 1
            c["overruled"] += r.overruled
            c["edited_kept"] += r.kept and r.outcome == "edited"

    def _day(self, r) -> None:
        if r.outcome not in DECIDED or r.decided_at is None:
            return
        day = _utc(r.decided_at).astimezone(timezone.utc).date().isoformat()
        for bucket in (self.days[day], self.days_by_model[r.model_id][day]):
            bucket[0] += 1
            bucket[1] += int(r.kept)
