"""An image's place in the review queue (``images.max_score``, :func:`queue_score`) and its
new/suggested status, recomputed from its suggestions when they change: at once
(:func:`refresh_image`), for many images in one query (:func:`_refresh_images`), or once at
the end of a transaction that decides several cards (:func:`defer_refreshes`)."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from . import models as m
from .action_cards import DECIDED, kept_cards, queue_state
from .repo_review import NotFound


def queue_score():
    """The aggregate stored as ``images.max_score``, over an image's suggestions less the
    withdrawn ones (select :func:`pending_count` with it): the best pending LABEL card's
    score (how sure the labeler is: the review queue, sort "uncertainty", puts the least
    sure first); with none pending, the best score of its label cards a reviewer decided;
    with no scored label card at all, the best score of its pending other cards (a caption
    or an answer), else NULL (the image sorts last, with those never suggested).

    So the labeler's confidence stays the image's place in the queue while its cards are
    decided one at a time with the mouse: up to 0012 a label card accepted or rejected,
    the caption still pending, made the caption's score (0.045, a mean token probability)
    the image's, and the half-reviewed image jumped ahead of every image nobody had
    looked at; every card decided, the image not yet marked reviewed, it went last. A
    retrieved caption's similarity (0.9) does not hide a label guess of 0.12 either. The
    migrations 0007 and 0013 compute the same for existing rows (keep them in step).
    (On the table's columns, as :func:`_scored` and :func:`pending_count`: a query of
    them alone runs without the ORM's work.)"""
    sg = m.Suggestion.__table__.c
    pending = sg.outcome == "pending"
    label = sg.kind == "label"
    return func.coalesce(func.max(case((and_(label, pending), sg.score))),
                         func.max(case((and_(label, sg.outcome.in_(DECIDED)), sg.score))),
                         func.max(case((pending, sg.score))))


def _scored():
    """The cards :func:`queue_score` and :func:`pending_count` look at: the pending ones and
    the decided label cards. Aggregating an image's decided captions and answers too, for
    nothing, made storing a batch of 32 rows 3.9 ms instead of 3.6 where each image had some
    70 rejected captions (3.1-3.4 ms when only pending cards were read, before 0013)."""
    sg = m.Suggestion.__table__.c
    return or_(sg.outcome == "pending", and_(sg.kind == "label", sg.outcome.in_(DECIDED)))


def pending_count():
    """The number of pending cards, in the same aggregate as :func:`queue_score`."""
    return func.count(case((m.Suggestion.__table__.c.outcome == "pending", 1)))


def _locked_states(session: Session, image_ids) -> dict[int, tuple]:
    """{image id: (review_status, status, max_score)}, the rows locked until the commit (in
    id order: no deadlock with another job), so that a reviewer's status change made
    meanwhile is not overwritten by :func:`_refresh_images`."""
    return {i: (review, status, best) for i, review, status, best in session.execute(
        _LOCKED_STATES, {"ids": list(image_ids)})}


def _refresh_images(session: Session, image_ids, current: Optional[dict] = None) -> None:
    """:func:`_refresh_image` for many images: one query for their queue score
    (:func:`queue_score`) and pending count, one for the images (unless ``current`` gives their
    (review_status, status, max_score)), one update of those that change."""
    ids = list(image_ids)
    stats = {i: (best, n) for i, best, n in session.execute(_QUEUE_STATES, {"ids": ids})}
    if current is None:
        current = _locked_states(session, ids)
    updates = []
    for image_id, (review, status, old_best) in current.items():
        best, pending = stats.get(image_id, (None, 0))
        new_review = review
        if review == m.STATUS_NEW and pending:
            new_review = m.STATUS_SUGGESTED
        elif review == m.STATUS_SUGGESTED and not pending:
            new_review = m.STATUS_NEW
        new_status = new_review if status in (m.STATUS_NEW, m.STATUS_SUGGESTED) else status
        if (best, new_review, new_status) != (old_best, review, status):
            updates.append({"id": image_id, "max_score": best, "review_status": new_review, "status": new_status})
    if not updates:
        return
    key = m.Image.__mapper__.identity_key_from_primary_key
    if any(key((u["id"],)) in session.identity_map for u in updates):
        # the ORM's bulk UPDATE by primary key: an Image already loaded in this session is
        # refreshed by SQLAlchemy (tested)
        session.execute(update(m.Image), updates)
    else:  # (a batch job's store: none loaded) the same on the table, without the ORM's steps
        session.execute(_SET_QUEUE_STATE, [{"iid": u["id"], "best": u["max_score"], "review": u["review_status"],
                                            "status": u["status"]} for u in updates])


# Built once (an image batch's ids bound at each call), on the tables' columns (no ORM
# entity: run as a plain query): building and compiling these again for every batch a
# job stored cost more than running them (bench_store_suggestions)
_IMG = m.Image.__table__
_LOCKED_STATES = (select(_IMG.c.id, _IMG.c.review_status, _IMG.c.status, _IMG.c.max_score)
                  .where(_IMG.c.id.in_(bindparam("ids", expanding=True))).order_by(_IMG.c.id)
                  .with_for_update())
_QUEUE_STATES = (select(m.Suggestion.__table__.c.image_id, queue_score(), pending_count())
                 .where(m.Suggestion.__table__.c.image_id.in_(bindparam("ids", expanding=True)), _scored())
                 .group_by(m.Suggestion.__table__.c.image_id))
_SET_QUEUE_STATE = update(_IMG).where(_IMG.c.id == bindparam("iid")).values(
    max_score=bindparam("best"), review_status=bindparam("review"), status=bindparam("status"))


def refresh_image(session: Session, image_id: int) -> None:
    """Recompute the image's best pending score and its new/suggested status."""
    if kept_cards(session, image_id) is None:
        session.flush()
    _refresh_image(session, image_id)
    held = _deferred(session)
    if held is not None:
        held.discard(image_id)  # done: not again at the end (unless changed again)


_DEFER = "llmvis_refresh_later"  # session.info key: (transaction, image ids to refresh at its end)


def defer_refreshes(session: Session) -> None:
    """Until :func:`run_refreshes`, in this transaction, the suggestions decided, put back or
    withdrawn leave the image's queue score and new/suggested status to be recomputed once,
    at the end (one action deciding 4 cards: 2 round trips, not 8, on a team's PostgreSQL).
    Nothing in between reads them: :func:`~.repo_review.set_status` counts the pending
    cards itself."""
    session.info[_DEFER] = (session.get_transaction(), set())


def _deferred(session: Session) -> Optional[set]:
    held = session.info.get(_DEFER)
    return held[1] if held is not None and held[0] is session.get_transaction() else None


def refresh_later(session: Session, image_id: int) -> None:
    """:func:`refresh_image` now, or at :func:`run_refreshes` (:func:`defer_refreshes`)."""
    held = _deferred(session)
    if held is None:
        refresh_image(session, image_id)
    else:
        held.add(image_id)


def run_refreshes(session: Session) -> None:
    """Recompute the images :func:`refresh_later` left, and stop deferring."""
    held = _deferred(session)
    session.info.pop(_DEFER, None)
    if held:
        if any(kept_cards(session, i) is None for i in held):  # (else counted from the rows kept: no query)
            session.flush()
        for image_id in sorted(held):
            _refresh_image(session, image_id)


def _refresh_image(session: Session, image_id: int) -> None:
    """Recompute the image's queue score (:func:`queue_score`) and its new/suggested status
    (from the image's cards kept in this transaction, when they are: ``action_cards``)."""
    rows = kept_cards(session, image_id)
    if rows is not None:
        best, pending = queue_state(rows)
    else:
        best, pending = session.execute(
            select(queue_score(), pending_count()).select_from(m.Suggestion).where(
                m.Suggestion.image_id == image_id, _scored())).one()
    row = session.get(m.Image, image_id)
    if row is None:
        raise NotFound(f"image id {image_id} is not in this project")
    row.max_score = best
    if row.review_status == m.STATUS_NEW and pending:
        row.review_status = m.STATUS_SUGGESTED
    elif row.review_status == m.STATUS_SUGGESTED and not pending:
        row.review_status = m.STATUS_NEW
    if row.status in (m.STATUS_NEW, m.STATUS_SUGGESTED):
        row.status = row.review_status
