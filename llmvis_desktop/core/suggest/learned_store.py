"""Storing a learned job's batch (see :mod:`.learned`): its cards and the record of the
images it scored, in one write transaction, under the label names of now.

A fit learns the labels under the names they had when it read the reviewed images; the
job may store its batches after a label was renamed (a reviewer renaming it while the
job predicts, or a suggester fitted before the rename suggesting again). The fit keeps
each label's key (:func:`~..store.repo_labels.label_keys`: its id and creation time), and
each batch is stored under the name its label has now: a card of a renamed label was
dropped as naming no label, and the older card the rename had carried over was withdrawn
in its place, until the next retrain. A label removed since (its key gone, whatever now
bears its name) gets no card and is counted in ``stats["unknown_label"]``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from ..store import repo_suggest as rs
from ..store.records import NewSuggestion
from ..store.repo_labels import label_keys, names_of_keys, taxonomy_names
from ..store.repo_queue import _locked_states
from ..store.repo_runs import record_runs
from .learned_fits import newer_fit_images


#: the reasons add_suggestions counts a card left out by (the others: the same card is there already)
_LEFT_OUT = ("unknown_label", "stale_labels", "reviewed_meanwhile")


def stopped_by_full_disk(project, exc: BaseException, kept: Optional[int]):
    """The :class:`~.report.SuggestStopped` of a learned job that ``exc`` stopped when the
    disk filled up (None: ``exc`` is something else), in the tool's words as the models'
    job and the index say it: the disk holding the database (or the file an OS write
    names), what its stored batches kept (``kept`` images; None: not counted)."""
    from ..errors import is_out_of_space
    from ..store.engine import describe_url
    from .report import SuggestStopped

    if isinstance(exc, SuggestStopped) or not is_out_of_space(exc):
        return None
    where = getattr(exc, "filename", None) or describe_url(project.db_url)
    return SuggestStopped("the learned suggester", str(where), kept)


def fit_label_keys(project, labels: Sequence[str]) -> dict[str, list]:
    """The keys of the labels a fit learned, read once the fit read its reviewed images (a
    label renamed in between has none: its cards are left to the taxonomy check)."""
    with project.store.read() as s:
        return label_keys(s, labels)


def follow_renames(items: Sequence[NewSuggestion], now: dict[str, Optional[str]]) -> tuple[list, int]:
    """(the items with each label card under its label's name now, how many were dropped:
    their label is gone). A renamed card keeps the name the model gave in its params
    (``label_at_fit``); items of a label without a key are left as they are."""
    out, gone = [], 0
    for it in items:
        if it.kind != "label" or it.value not in now:
            out.append(it)
        elif now[it.value] is None:
            gone += 1
        elif now[it.value] != it.value:
            out.append(replace(it, value=now[it.value], params={**it.params, "label_at_fit": it.value}))
        else:
            out.append(it)
    return out, gone


def store_batch(project, items: Sequence[NewSuggestion], ran: dict, held: set, prefix: str,
                only_unsuggested: bool, unreviewed_only: bool, stats: dict,
                newer_out: Optional[set] = None) -> int:
    """Store one batch's cards and record the images it scored, in one transaction; the
    number of cards stored. The new revision's cards replace the suggester's older pending
    ones (model ids starting with ``prefix``), nothing twice (another job storing the same
    meanwhile, or --all over pending ones). The run record holds its "no" too (an image
    judged clean has no label card: there its older revision's pending cards are
    withdrawn). ``ran["keys"]``: the fit's label keys (:func:`fit_label_keys`).

    An image whose pending cards (or run record) come from a newer fit (``ran["fit"]``, see
    :mod:`.learned_fits`: a teammate's fit on more reviews that stored first) is left alone:
    none of this batch's cards is stored there and its cards are not withdrawn; counted in
    ``stats["newer_fit"]`` (images), their ids added to ``newer_out``."""
    keys = ran.get("keys") or {}
    with project.store.write() as s:
        taxonomy_names(s)  # first, as the store does: no rename between this read and its check
        if ran.get("fit") is not None:  # (the images locked first: no newer fit stores between)
            mine = {it.image_id for it in items} | set(ran.get("ids") or ())
            _locked_states(s, mine)
            newer = newer_fit_images(s, mine, prefix, ran["fit"]) - set(held)
            if newer:
                stats["newer_fit"] = stats.get("newer_fit", 0) + len(newer)
                items = [it for it in items if it.image_id not in newer]
                held = set(held) | newer
                if newer_out is not None:
                    newer_out |= newer
        now = names_of_keys(s, keys) if keys else {}
        kept, gone = follow_renames(items, now)
        if gone:
            stats["unknown_label"] = stats.get("unknown_label", 0) + gone
        left_out = sum(stats.get(k, 0) for k in _LEFT_OUT)
        stored = rs.add_suggestions(s, kept, only_unsuggested, True, prefix, False, stats,
                                    unreviewed_only) if kept else []
        # the rest of those not stored: the same as a card pending (or stored by another job meanwhile)
        same = len(kept) - len(stored) - (sum(stats.get(k, 0) for k in _LEFT_OUT) - left_out)
        if same > 0:
            stats["already_there"] = stats.get("already_there", 0) + same
        if ran.get("ids"):
            scored = [i for i in ran["ids"] if i not in held]
            carded = {it.image_id for it in items}
            labels = [now.get(n, n) for n in ran["labels"]]
            record_runs(s, scored, ran["model_id"], ran["revision"], [n for n in labels if n is not None],
                        replaces=prefix, without_cards=[i for i in scored if i not in carded],
                        fit=ran.get("fit"))
    return len(stored)
