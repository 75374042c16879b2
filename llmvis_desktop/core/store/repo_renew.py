"""Pending suggestion cards renewed in place (a retrain, a job run again, an undo taking
over a newer card) or withdrawn, each with its history event: a card's provenance as the
reviewer saw it stays in the history. Pending cards only: a decided card keeps what it
was decided on."""
from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from . import models as m
from .action_cards import kept_cards
from .engine import insert_events
from .convert import dumps
from .records import NewSuggestion


def _for_current_content():
    """A suggestion made since the indexer last saw its image's file change (joined to
    the image): one made before was for the old content."""
    changed, made = m.Image.__table__.c.content_changed_at, m.Suggestion.__table__.c.created_at
    return or_(changed.is_(None), made >= changed)


def _request(it: NewSuggestion) -> tuple:
    """What makes two suggestions the same request: model, revision, kind and prompt."""
    return it.model_id, it.model_revision, it.kind, it.prompt


def _revise_same(session: Session, items: list[NewSuggestion], prefix: str, now) -> list[NewSuggestion]:
    """``items`` less those whose image already has a pending suggestion of the same model,
    kind and value (from an older revision, for the file's current content): that row
    takes the new revision, score and parameters and is kept. A retrain that guesses the
    same for most images rewrote every card (a withdraw and a suggest event each, the
    rows growing by the folder's size per retrain). One ``suggest_revised`` event per card
    renewed (old and new revision and score: the history tells what the reviewer was shown
    when; a withdraw and a suggest event each used to be two). Pending cards only: a decided
    card keeps the provenance it was decided on. The card takes the newest revision and its time (``created_at``):
    the evaluation tells a learned guess made before a review from one made after by it."""
    sg = m.Suggestion
    rows = session.execute(
        select(sg.id, sg.image_id, sg.model_id, sg.kind, sg.value, sg.model_revision, sg.score,
               _for_current_content().label("current"))
        .join(m.Image, m.Image.id == sg.image_id)
        .where(sg.image_id.in_(sorted({it.image_id for it in items})), sg.outcome == "pending",
               sg.model_id.startswith(prefix))).all()
    pending = {(r.image_id, r.model_id, r.kind, r.value): r for r in rows if r.current}
    out, changes, events = [], [], []
    for it in items:
        r = pending.pop((it.image_id, it.model_id, it.kind, it.value), None)
        if r is None:
            out.append(it)
        elif r.model_revision != it.model_revision:
            changes.append({"sid": r.id, "rev": it.model_revision, "score": it.score,
                            "params": json.dumps(it.params, sort_keys=True)})
            events.append((r, {"revision": r.model_revision, "score": r.score},
                           {"revision": it.model_revision, "score": it.score, "params": it.params}))
    if changes:  # one executemany
        session.execute(update(sg.__table__).where(sg.__table__.c.id == bindparam("sid")).values(
            model_revision=bindparam("rev"), score=bindparam("score"), params_json=bindparam("params"),
            created_at=now), changes)
        _revised_events(session, events, now)
    return out


def _provenance(it: NewSuggestion) -> dict:
    """A ``suggest`` event's after-value: what was proposed, by which model, revision and
    prompt, with which score (the card's row may be renewed later: the event keeps what
    the reviewer was shown)."""
    return {"kind": it.kind, "value": it.value, "score": it.score, "model_id": it.model_id,
            "revision": it.model_revision, "prompt": it.prompt}


def _revised_events(session: Session, rows, now, actor: Optional[str] = None) -> None:
    """A ``suggest_revised`` event per pending card renewed in place, (row with id,
    image_id, model_id; before; after): its revision or score as shown until now and as
    shown from now on (a retrain, a job run again, an undo taking over a newer card)."""
    insert_events(session, [
        {"image_id": r.image_id, "actor": actor or _model_actor(r.model_id), "at": now,
         "action": "suggest_revised", "before": dumps(before), "after": dumps(after), "suggestion_id": r.id}
        for r, before, after in rows])


def _withdraw(session: Session, image_ids, prefix: str, keep: set, now) -> None:
    """Withdraw the pending suggestions on ``image_ids`` of models whose id starts with
    ``prefix``, except those of the (model id, revision) pairs in ``keep`` made for the
    file's current content; each gets a ``withdraw`` history event."""
    sg = m.Suggestion
    rows = [r for r in session.execute(
        select(sg.id, sg.image_id, sg.model_id, sg.model_revision, sg.kind, sg.value,
               _for_current_content().label("current"))
        .join(m.Image, m.Image.id == sg.image_id)
        .where(sg.image_id.in_(sorted(image_ids)), sg.outcome == "pending", sg.model_id.startswith(prefix)))
        if not r.current or (r.model_id, r.model_revision) not in keep]
    if rows:
        _mark_withdrawn(session, rows, now)


def _mark_withdrawn(session: Session, rows, now, actor: Optional[str] = None, why: Optional[str] = None) -> None:
    """Withdraw ``rows`` (id, image_id, model_id, kind, value), each with a ``withdraw``
    event: by ``actor`` (default: the suggestion's model), ``why`` as its after-value."""
    session.execute(_WITHDRAW, [{"sid": r.id, "by": actor or _model_actor(r.model_id), "now": now} for r in rows])
    insert_events(session, [
        {"image_id": r.image_id, "actor": actor or _model_actor(r.model_id), "at": now, "action": "withdraw",
         "before": dumps({"kind": r.kind, "value": r.value}), "after": dumps(why), "suggestion_id": r.id}
        for r in rows])


# Built once: a batch job stores a batch at a time, and building each again cost more than running it
_SG, _IMG = m.Suggestion.__table__, m.Image.__table__
_WITHDRAW = update(_SG).where(_SG.c.id == bindparam("sid")).values(
    outcome="withdrawn", decided_at=bindparam("now"), decided_by=bindparam("by"))
_RENEW = update(_SG).where(_SG.c.id == bindparam("sid")).values(
    score=bindparam("score"), params_json=bindparam("params"), created_at=bindparam("now"))
#: the pending cards on the images ``ids``, each with ``current`` (:func:`_for_current_content`)
_PENDING_ON = (
    select(_SG.c.id, _SG.c.image_id, _SG.c.model_id, _SG.c.model_revision, _SG.c.kind, _SG.c.prompt,
           _SG.c.value, _SG.c.score, _SG.c.params_json,
           _for_current_content().label("current"))
    .join_from(_SG, _IMG, _IMG.c.id == _SG.c.image_id)
    .where(_SG.c.image_id.in_(bindparam("ids", expanding=True)), _SG.c.outcome == "pending"))


def _model_actor(model_id: str) -> str:
    """The history actor of a model's suggestion: ``model:ID`` (once, if the id has it)."""
    return model_id if model_id.startswith("model:") else f"model:{model_id}"


def _replaced_key(image_id: int, model_id: str, revision, kind: str, prompt) -> tuple:
    """Which pending cards a job run again takes the place of: its own request's (model,
    revision, kind, prompt); for labels, whatever the template: a labeler scores the same
    taxonomy under any template, and each template tried left its own pending cards (five
    "dent" cards of one model on an image). A captioner's prompt asks another question:
    its captions stay apart."""
    return (image_id, model_id, revision, kind, None if kind == "label" else prompt)


def _supersede(session: Session, items: list[NewSuggestion], now) -> tuple[list[NewSuggestion], set[int]]:
    """A request (model, revision, kind, prompt) run again over an image takes the place
    of its own pending cards there: a card of the same value stays, with the new score,
    parameters and time (a ``suggest_revised`` event when its score or parameters moved:
    the history keeps the score the reviewer saw when), the others are withdrawn (a
    labeler re-scoring after a label joined the taxonomy no longer ranks them). A
    labeler's cards of another label template are its own too (:func:`_replaced_key`).
    Returns the items still to store and the images whose cards were withdrawn."""
    keys = {_replaced_key(it.image_id, *_request(it)) for it in items}
    rows = [r for r in session.execute(_PENDING_ON, {"ids": sorted({k[0] for k in keys})})
            if _replaced_key(r.image_id, r.model_id, r.model_revision, r.kind, r.prompt) in keys]
    same = {(r.image_id, r.model_id, r.model_revision, r.kind, r.prompt, r.value): r for r in rows if r.current}
    out, kept, changes, events = [], set(), [], []
    for it in items:
        r = same.get((it.image_id, *_request(it), it.value))
        if r is None or r.id in kept:
            out.append(it)
            continue
        kept.add(r.id)
        # made again now: its time moves on too (a labeler's card kept across a taxonomy
        # change is then one of the new scoring, and the image counts as done)
        params = json.dumps(it.params, sort_keys=True)
        changes.append({"sid": r.id, "score": it.score, "params": params, "now": now})
        if (r.score, r.params_json) != (it.score, params):  # what the card shows changed: said so
            events.append((r, {"revision": r.model_revision, "score": r.score},
                           {"revision": it.model_revision, "score": it.score, "params": it.params}))
    if changes:
        session.execute(_RENEW, changes)
    if events:
        _revised_events(session, events, now)
    stale = [r for r in rows if r.id not in kept]
    if stale:
        _mark_withdrawn(session, stale, now, why="superseded: the same model scored the image again")
    return out, {r.image_id for r in stale} | {r.image_id for r in rows if r.id in kept}


def _take_over_same_pending(session: Session, row: m.Suggestion, now, actor: str) -> None:
    """A decision being undone whose card was suggested again meanwhile (a retrained
    suggester, pending): the card comes back with the newer one's revision, score,
    parameters and time, as a retrain renews a pending card, and the newer one is
    withdrawn, with a ``suggest_revised`` event by ``actor`` (what the card showed before
    and shows now). (The undo used to leave the old card decided, so the evaluation kept
    counting a decision the reviewer had taken back.) ``row`` must be pending already."""
    if row.outcome != "pending":
        raise ValueError("a decided suggestion is never revised")
    sg = m.Suggestion
    kept = kept_cards(session, row.image_id)  # (the image's cards kept by the action: no query)
    if kept is not None:
        dups = sorted((r for r in kept if (r.kind, r.value, r.model_id, r.outcome) == (
            row.kind, row.value, row.model_id, "pending") and r.id != row.id), key=lambda r: r.id)
    else:
        dups = session.scalars(select(sg).where(
            sg.image_id == row.image_id, sg.kind == row.kind, sg.value == row.value, sg.model_id == row.model_id,
            sg.outcome == "pending", sg.id != row.id).order_by(sg.id)).all()
    if not dups:
        return
    newest = dups[-1]
    if (row.model_revision, row.score) != (newest.model_revision, newest.score):
        _revised_events(session, [(row, {"revision": row.model_revision, "score": row.score},
                                   {"revision": newest.model_revision, "score": newest.score})], now, actor)
    row.model_revision, row.score, row.params_json, row.created_at = (
        newest.model_revision, newest.score, newest.params_json, newest.created_at)
    _mark_withdrawn(session, dups, now, why="the same card, brought back by an undo")
    for d in dups:
        session.expire(d)
