"""An image's suggestion rows, read once in a review action's transaction (each read is a
round trip to a team's PostgreSQL, 50 ms and more across a network: the reviewer's wait).

A review action (``review_actions.run``) locks the image, then read its cards up to three
times: the snapshot before (their outcomes, for undo), the change (Enter's pending cards,
an undo's cards), the snapshot after; and it counted the pending ones again to recompute
the image's queue score and new/suggested status. Once the image is locked, no one else
changes its cards until the commit: the rows read then (:func:`card_rows`) are kept for
the transaction (:func:`keep_cards`), changed in place by the ORM as the action decides
them, and asked again from memory. A write to the suggestions this module cannot follow
(a bulk UPDATE or INSERT, a card added: a withdrawal, a renewal, a note kept) forgets them,
and they are read from the database again as before."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Insert, TextClause, Update

from . import models as m
from .convert import suggestion_record
from .records import SuggestionRecord

_CARDS = "llmvis_image_cards"  # session.info key: (transaction, {image id: [rows]}) while kept
_FRESH = "llmvis_fresh_suggestions"  # session.info key: (transaction, {id: row} read since their image was locked)

#: outcomes a reviewer gave a card (a withdrawn card is no longer the model's guess)
DECIDED = ("accepted", "edited", "rejected")


def keep_cards(session: Session) -> None:
    """Until this transaction ends, keep the cards :func:`card_rows` reads of an image it locked."""
    session.info[_CARDS] = (session.get_transaction(), {})


def _kept(session: Session) -> Optional[dict]:
    held = session.info.get(_CARDS)
    return held[1] if held is not None and held[0] is session.get_transaction() else None


def keeping_cards(session: Session) -> bool:
    """Whether this transaction keeps its images' cards (:func:`keep_cards`)."""
    return _kept(session) is not None


def kept_cards(session: Session, image_id: int) -> Optional[list]:
    """The image's suggestion rows as they are now (kept: read since it was locked, changed
    only through them since), or None (read them from the database)."""
    held = _kept(session)
    return None if held is None else held.get(image_id)


def forget_cards(session: Session) -> None:
    held = _kept(session)
    if held:
        held.clear()


def fresh(session: Session) -> dict:
    """{id: row} of the suggestions read afresh since their image was locked in this transaction."""
    tx = session.get_transaction()
    held = session.info.get(_FRESH)
    if held is None or held[0] is not tx:
        held = session.info[_FRESH] = (tx, {})
    return held[1]


def card_rows(session: Session, image_id: int, pending_only: bool = False, locked: bool = False) -> list:
    """The image's suggestion rows (ordered by kind, best score first, id); ``locked``: the
    image is locked in this transaction: read afresh (kept, :func:`fresh`, and for the
    transaction when :func:`keep_cards` asked), or taken from what was kept, with no query."""
    from sqlalchemy import select

    rows = kept_cards(session, image_id) if locked else None
    if rows is not None:
        return [r for r in rows if r.outcome == "pending"] if pending_only else list(rows)
    stmt = select(m.Suggestion).where(m.Suggestion.image_id == image_id)
    if pending_only:
        stmt = stmt.where(m.Suggestion.outcome == "pending")
    if locked:  # read afresh, the image ours: decide needs not read them again
        stmt = stmt.execution_options(populate_existing=True)
    rows = session.scalars(stmt.order_by(m.Suggestion.kind, m.Suggestion.score.desc(), m.Suggestion.id)).all()
    if locked:
        fresh(session).update((r.id, r) for r in rows)  # (kept: the identity map is weak)
        held = _kept(session)
        if held is not None and not pending_only:
            held[image_id] = list(rows)
    return rows


def suggestions_for(session: Session, image_id: int, pending_only: bool = False) -> list[SuggestionRecord]:
    from .repo_review import is_locked

    return [suggestion_record(r) for r in card_rows(session, image_id, pending_only, is_locked(session, image_id))]


def queue_state(rows) -> tuple[Optional[float], int]:
    """(queue score, pending count) of an image's cards, as ``repo_suggest.queue_score`` and
    ``pending_count`` aggregate them in the database."""
    def best(cards):
        scores = [r.score for r in cards if r.score is not None]
        return max(scores) if scores else None

    pending = [r for r in rows if r.outcome == "pending"]
    labels = [r for r in rows if r.kind == "label"]
    for score in (best([r for r in labels if r.outcome == "pending"]),
                  best([r for r in labels if r.outcome in DECIDED]), best(pending)):
        if score is not None:
            return score, len(pending)
    return None, len(pending)


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    """A statement written to the suggestions outside the kept rows: they are read again."""
    held = _kept(state.session)
    if not held:
        return
    stmt = state.statement
    if isinstance(stmt, (Insert, Update, Delete)):
        if getattr(stmt.table, "name", None) == m.Suggestion.__tablename__:
            held.clear()
    elif isinstance(stmt, TextClause) and m.Suggestion.__tablename__ in stmt.text.lower():
        held.clear()


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """A card added or deleted through the ORM: the kept rows are no longer all of them."""
    held = _kept(session)
    if held and any(isinstance(o, m.Suggestion) for o in (*session.new, *session.deleted)):
        held.clear()
