"""The append-only history read back: an image's events, the events since an id (what a
teammate changed), and an image's annotation rebuilt from its events alone
(:func:`replay`). Written by :mod:`.repo_review` with each change."""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import models as m
from .convert import event_record
from .records import EventRecord


def history(session: Session, image_id: int) -> list[EventRecord]:
    rows = session.scalars(
        select(m.Event).where(m.Event.image_id == image_id).order_by(m.Event.id)
    )
    return [event_record(r) for r in rows]


CAPTION_ACTIONS = {"caption"}
#: "label_renamed": a rename of one of the image's labels; "label_removed": a label taken
#: out of the taxonomy (forced): both carry the image's whole label list, as "labels"
LABEL_ACTIONS = {"labels", "label_renamed", "label_removed"}
#: events that decide a pending suggestion (with its id); the caption or labels event of
#: an accepted card decides it too
DECIDING_ACTIONS = {"accept_suggestion", "edit_suggestion", "reject_suggestion", "note", "withdraw",
                    "caption", "labels"}
STATUS_ACTIONS = {"status"}


def last_event_id(session: Session) -> int:
    return session.scalar(select(func.max(m.Event.id))) or 0


def events_since(session: Session, after: int, gaps: Sequence[tuple[int, int]] = (),
                 limit: int = 5000) -> list[tuple[int, int, str]]:
    """(event id, image id, actor) of every history event after ``after`` or with an id in
    one of the ``gaps`` (inclusive id ranges at or below it not seen yet: on PostgreSQL
    an id is handed out when a change starts, so a long one commits after later ones),
    in id order."""
    ev = m.Event
    cond = ev.id > after
    for lo, hi in gaps:
        cond = or_(cond, ev.id.between(lo, hi))
    return [tuple(r) for r in session.execute(
        select(ev.id, ev.image_id, ev.actor).where(cond).order_by(ev.id).limit(limit))]


def replay(events: Iterable[EventRecord]) -> dict:
    """Rebuild an image's annotation from its history alone.

    Each event stores the field it changed in its ``after``; the event's ``action``
    names the field (an undo/redo/import event carries a ``field:`` prefix).

    ``new`` and ``suggested`` are one review status, told apart by the image's pending
    suggestions, as the store keeps it (suggestions arriving or decided change it with no
    event of its own): the replay follows each suggestion from its ``suggest`` event to the
    event that decides or withdraws it (an undo's ``undo:suggestion`` puts it back).
    """
    state = {"caption": None, "labels": [], "review_status": m.STATUS_NEW}
    pending: set[int] = set()
    for ev in events:
        base = ev.action.split(":", 1)[-1]
        if ev.suggestion_id is not None:
            if base == "suggest" or (base == "suggestion" and ev.after == "pending"):
                pending.add(ev.suggestion_id)
            elif base == "suggestion" or base in DECIDING_ACTIONS:
                pending.discard(ev.suggestion_id)
        field = event_field(ev.action)
        if field == "caption":
            state["caption"] = ev.after
        elif field == "labels":
            state["labels"] = list(ev.after or [])
        elif field == "status":
            state["review_status"] = ev.after
    if state["review_status"] in (m.STATUS_NEW, m.STATUS_SUGGESTED):
        state["review_status"] = m.STATUS_SUGGESTED if pending else m.STATUS_NEW
    return state


def event_field(action: str) -> Optional[str]:
    """The annotation field an event changed: caption, labels, status or None."""
    base = action.split(":", 1)[-1]
    if base in CAPTION_ACTIONS:
        return "caption"
    if base in LABEL_ACTIONS:
        return "labels"
    if base in STATUS_ACTIONS:
        return "status"
    return None
