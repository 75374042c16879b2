"""Which images a label model ran on, cards or not (``suggest_runs``).

The learned suggester writes a label card only for a label it finds likely (on a
one-label taxonomy: none at all on an image it judges clean). Its "no" is recorded here,
one row per image, model and revision: the evaluation scores such an image as predicted
without labels, and a job of the same revision counts it as done.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Optional, Sequence

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from . import models as m
from .models import utcnow
from .repo_renew import _for_current_content, _withdraw


def _current():
    """A run made since the indexer last saw its image's file change (joined to the image)."""
    return or_(m.Image.content_changed_at.is_(None), m.SuggestRun.ran_at >= m.Image.content_changed_at)


def record_runs(session: Session, image_ids: Iterable[int], model_id: str, revision: Optional[str],
                labels: Sequence[str], now: Optional[datetime] = None, replaces: Optional[str] = None,
                without_cards: Iterable[int] = (), fit: Optional[int] = None) -> int:
    """Record that ``model_id`` at ``revision`` scored ``labels`` on ``image_ids``; an image
    already recorded for that revision and its file's current content is not recorded
    twice. ``replaces`` (a model id prefix, as for ``add_suggestions``): on the images of
    ``without_cards`` (this run left no card there) the pending cards of models with that
    prefix, other than this model and revision's, are withdrawn: a retrained suggester's
    "no" takes the place of its older "yes". ``fit``: the learned fit's mark
    (:mod:`..suggest.learned_fits`), kept in ``labels_json``. Returns how many rows were added."""
    ids = sorted(set(image_ids))
    if not ids:
        return 0
    now = now or utcnow()
    clean = sorted(set(without_cards) & set(ids))
    if replaces is not None and clean:
        from .repo_queue import _locked_states, _refresh_images

        states = _locked_states(session, clean)  # not under a reviewer who decided meanwhile
        states = {i: st for i, st in states.items() if st[0] in (m.STATUS_NEW, m.STATUS_SUGGESTED)}
        if states:
            _withdraw(session, states, replaces, {(model_id, revision)}, now)
            _refresh_images(session, states, states)
    have = runs_done(session, model_id, revision, ids, after_newest_label=False)
    from .repo_labels import label_keys

    # the names and each label's key (id, creation time): the judged-clean text follows a
    # rename since by the key (renaming a label no image or card carried left no event)
    saved = {"names": sorted(labels), "keys": label_keys(session, labels)}
    saved = json.dumps({**saved, "fit": fit} if fit is not None else saved, sort_keys=True)
    rows = [{"image_id": i, "model_id": model_id, "model_revision": revision,
             "labels_json": saved, "ran_at": now} for i in ids if i not in have]
    if rows:
        session.execute(insert(m.SuggestRun.__table__), rows)
    return len(rows)


def runs_done(session: Session, model_id: str, revision: Optional[str],
              image_ids: Optional[Iterable[int]] = None, after_newest_label: bool = True) -> set[int]:
    """Images ``model_id`` at ``revision`` ran on for their file's current content (and,
    with ``after_newest_label``, after the newest label joined the taxonomy, as
    :func:`.repo_suggest.same_request_done` counts a label card)."""
    r = m.SuggestRun
    stmt = (select(r.image_id).join(m.Image, m.Image.id == r.image_id)
            .where(r.model_id == model_id, _current()).distinct())
    stmt = stmt.where(r.model_revision.is_(None) if revision is None else r.model_revision == revision)
    if after_newest_label:
        newest = session.scalar(select(func.max(m.Label.created_at)))
        if newest is not None:
            stmt = stmt.where(r.ran_at >= newest)
    if image_ids is None:
        return set(session.scalars(stmt))
    ids, done = sorted(set(image_ids)), set()
    for k in range(0, len(ids), 500):  # bound the IN list
        done.update(session.scalars(stmt.where(r.image_id.in_(ids[k:k + 500]))))
    return done


def current_runs(session: Session, image_ids: Optional[Iterable[int]] = None) -> list:
    """Rows (id, image_id, model_id, model_revision, labels_json, ran_at) for the files'
    current content, oldest first."""
    r = m.SuggestRun
    stmt = (select(r.id, r.image_id, r.model_id, r.model_revision, r.labels_json, r.ran_at)
            .join(m.Image, m.Image.id == r.image_id).where(_current()).order_by(r.id))
    if image_ids is not None:
        stmt = stmt.where(r.image_id.in_(sorted(set(image_ids))))
    return list(session.execute(stmt).all())


def judged_without_labels(session: Session, image_id: int) -> list[dict]:
    """For the GUI: the models whose latest run on the image (its current content) left
    no label card of that revision (nor one withdrawn since: as the evaluation
    reads it, that run said "yes" there), i.e. they judged it free of every label they scored:
    [{"model_id", "revision", "labels", "ran_at"}]. A model with no run recorded is
    missing here (not looked at), unlike one that said no. ``labels``: the labels it
    scored under their names now (renamed since: the new name; removed since: left out;
    a run none of whose labels is left is left out). A run recorded with its labels' keys
    follows them by key; an older one, through the rename events."""
    from .repo_labels import names_now, names_of_keys

    latest: dict[str, tuple] = {}
    for row in current_runs(session, [image_id]):
        latest[row.model_id] = row
    out = []
    for model_id, row in sorted(latest.items()):
        sg = m.Suggestion
        rev = sg.model_revision.is_(None) if row.model_revision is None else sg.model_revision == row.model_revision
        # a card of that revision, or one for the current content withdrawn since (by another
        # learned model id's run, or its label removed): it said "yes" there, not "no"
        card = session.scalar(select(sg.id).join(m.Image, m.Image.id == sg.image_id).where(
            sg.image_id == image_id, sg.model_id == model_id, sg.kind == "label", rev,
            or_(sg.outcome != "withdrawn", _for_current_content())).limit(1))
        if card is None:
            saved = json.loads(row.labels_json)
            if isinstance(saved, dict):  # names and keys (label_keys)
                now = names_of_keys(session, {n: saved.get("keys", {}).get(n) for n in saved.get("names", [])})
                saved = list(now)
            else:  # a list of names (before the keys were kept): followed through the events
                now = names_now(session, saved, row.ran_at)
            labels = sorted({now[n] for n in saved if now[n] is not None})
            if labels or not saved:
                out.append({"model_id": model_id, "revision": row.model_revision,
                            "labels": labels, "ran_at": row.ran_at})
    return out
