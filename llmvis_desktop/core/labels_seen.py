"""A label key or Enter on a screen that showed the image's labels as they were before a
teammate changed them: refused, nothing written, instead of acting on labels the
reviewer never saw.

Two ways it lost work (two windows on one team database, each caught up only every few
seconds): Alice put "dent" and "crack" on an image; Bob, whose screen still showed it
unlabelled, pressed the key of the exclusive label "ok", which took her two labels off
unseen. And Alice, whose screen still showed her two labels, pressed Enter: the image
was marked reviewed with no label at all.

The caller passes the labels its screen showed (``seen``; :data:`UNCHECKED`: not
checked, as a script does). :func:`check_labels` refuses (:class:`LabelsChanged`) when
the image's labels are now others and the last to change them (its history) is someone
else. A label key is refused only when it would take off a label the screen did not
show (an exclusive label put on over a teammate's labels, or a label put on over their
exclusive one); adding beside a teammate's labels goes through, as before.

Pure core: no Qt.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .caption_seen import UNCHECKED
from .store import models as m
from .store.repo_suggest import NotPending
from .when import short_when

__all__ = ["UNCHECKED", "LabelsChanged", "labels_setter", "check_labels", "named"]


def named(labels: Iterable[str]) -> str:
    """Labels as a message names them ("crack, dent"), or "no label"."""
    names = sorted(labels)
    return ", ".join(names) if names else "no label"


class LabelsChanged(NotPending):
    """A label key or Enter refused whole: someone else changed the image's labels after
    the reviewer's screen showed them. ``who``, ``at`` (local "HH:MM CET", as the History
    panel shows that change), ``now`` (the labels now), ``seen`` (what the screen showed)."""

    def __init__(self, who: Optional[str], at: str, now: Iterable[str], seen: Iterable[str]) -> None:
        self.who, self.at, self.now, self.seen = who, at, tuple(sorted(now)), tuple(sorted(seen))
        when = f" at {at}" if at else ""
        super().__init__(f"{who or 'someone'} changed this image's labels{when} to {named(self.now)} "
                         f"after the screen showed {named(self.seen)}; they are not changed over unseen. "
                         "Nothing was changed: the image is shown afresh.")


def labels_setter(s: Session, image_id: int) -> tuple[Optional[str], Optional[datetime]]:
    """(who, when) last changed the image's labels (its history; (None, None): nobody yet)."""
    ev = m.Event
    row = s.execute(select(ev.actor, ev.at).where(ev.image_id == image_id, or_(
        ev.action == "labels", ev.action.like("%:labels"))).order_by(ev.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def check_labels(s: Session, row: m.Image, now: Iterable[str], seen, actor: str,
                 taken_off: Optional[Iterable[str]] = None) -> None:
    """Refuse (:class:`LabelsChanged`) an action on the image (``row``, locked; ``now``, its
    labels) when its labels are no longer the ones the screen showed (``seen``) and someone
    other than ``actor`` changed them last. ``taken_off``: the labels the action would take
    off (a label key); it is refused only when one of them was not shown. Nothing to refuse
    when ``seen`` is :data:`UNCHECKED`."""
    if seen is UNCHECKED:
        return
    now, seen = set(now), set(seen or ())
    if now == seen:
        return
    if taken_off is not None and not set(taken_off) - seen:
        return
    who, at = labels_setter(s, row.id)
    if (who or row.updated_by or actor) == actor:
        return
    raise LabelsChanged(who or row.updated_by, short_when(at), now, seen)
