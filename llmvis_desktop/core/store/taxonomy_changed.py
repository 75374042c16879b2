"""Since when a zero-shot labeler's label cards are still those of the taxonomy now.

A zero-shot labeler (CLIP, SigLIP) scores the label NAMES, each through its template,
and a CLIP-style one takes the softmax over the whole set: a label joining, a rename (the
text scored changes) or a removal (the set changes) makes every card it made before out
of date, and a job over the images not yet suggested scores them again. A label joining
is its ``created_at``; a removed label leaves no row, and a rename of a label that no
image and no card carries leaves no event, so the time of the last rename or removal is
kept in the project settings (key :data:`KEY`, UTC; no schema change), written in the
transaction of the change, which holds the taxonomy's lock (then the images', then the
project row's, as an import's provisional labels take them).

The learned suggester keys labels by id and scores no text: a rename changes nothing it
computed, and a label removed only takes away its cards (withdrawn with the label), so
only a label joining counts for it (:func:`.repo_runs.runs_done`)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models as m, settings_row

#: project setting: when a label was last renamed or removed (ISO 8601, UTC)
KEY = "label_names_changed_at"


def mark_names_changed(session: Session, now: Optional[datetime] = None) -> None:
    """Record that the label names changed now (a rename, a removal), in this transaction
    (the project row locked to its end: :mod:`.settings_row`)."""
    settings_row.set_value(session, KEY, (now or m.utcnow()).astimezone(timezone.utc).isoformat())


def names_changed_at(session: Session) -> Optional[datetime]:
    """When a label was last renamed or removed (None: never, since this was recorded)."""
    value = settings_row.read(session).get(KEY)
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def scored_since(session: Session, by_name: bool) -> list[datetime]:
    """The times a label card must be made at or after to be one of the taxonomy now: the
    newest label's creation and, for a labeler that scores the names (``by_name``: a
    label request with a template), the last rename or removal."""
    out = [session.scalar(select(func.max(m.Label.created_at)))]
    if by_name:
        out.append(names_changed_at(session))
    return [t for t in out if t is not None]


def changed_since(session: Session, when: datetime, by_name: bool) -> bool:
    """Whether the label list changed after ``when`` (a label joined; for a labeler that
    scores the names, ``by_name``, also a rename or a removal): label cards scored
    against the list read at ``when`` are then not the taxonomy's now."""
    def utc(t: datetime) -> datetime:  # (SQLite gives the stored times back naive)
        return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t

    return any(utc(t) > utc(when) for t in scored_since(session, by_name))
