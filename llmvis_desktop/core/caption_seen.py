"""A caption saved from a screen that showed the image's caption as it was before a
teammate changed it (F2 + Ctrl+Enter, or a caption card accepted or edited): refused,
nothing written, instead of writing over their caption unseen.

The caller passes the caption its screen showed (``seen``; :data:`UNCHECKED`: not
checked, as a script does). When the image's caption is now another one, and the last
to change it (its history: a caption typed, a card decided, an import, an undo) is
someone else, :func:`check_caption` raises :class:`CaptionChanged`, naming who, when and
their caption. Their own change (another window of theirs) is not refused, nor a caption
that already says what is being saved.

Pure core: no Qt.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .store import models as m
from .store.repo_suggest import NotPending
from .when import short_when


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


#: ``seen`` of a caller that showed no caption (a script): the caption is not checked
UNCHECKED = _Unchecked()


def quoted(caption: Optional[str], limit: int = 60) -> str:
    """A caption as a message quotes it (“a red car”, shortened past ``limit``), or "no caption"."""
    if not caption:
        return "no caption"
    text = " ".join(caption.split())
    return f"\u201c{text if len(text) <= limit else text[:limit - 1] + chr(0x2026)}\u201d"


class CaptionChanged(NotPending):
    """A caption save refused whole: someone else changed the image's caption after the
    reviewer's screen showed it. ``who``, ``at`` (local "HH:MM CET", as the History panel
    shows that change: :func:`.when.short_when`), ``theirs`` (the caption
    now), ``seen`` (what the screen showed), ``typed`` (what was to be saved)."""

    def __init__(self, who: Optional[str], at: str, theirs: Optional[str], seen: Optional[str],
                 typed: Optional[str]) -> None:
        self.who, self.at, self.theirs, self.seen, self.typed = who, at, theirs, seen, typed
        by = who or "someone"
        when = f" at {at}" if at else ""
        now = f"to {quoted(theirs)}" if theirs else "(took it off)"
        super().__init__(f"{by} changed this image's caption{when} {now} after the screen showed "
                         f"{quoted(seen)}; it is not written over unseen. Nothing was changed.")


def caption_setter(s: Session, image_id: int) -> tuple[Optional[str], Optional[datetime]]:
    """(who, when) last changed the image's caption (its history; (None, None): nobody yet)."""
    ev = m.Event
    row = s.execute(select(ev.actor, ev.at).where(ev.image_id == image_id, or_(
        ev.action == "caption", ev.action.like("%:caption"))).order_by(ev.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def check_caption(s: Session, row: m.Image, seen, caption: Optional[str], actor: str) -> None:
    """Refuse (:class:`CaptionChanged`) saving ``caption`` over the image's caption (``row``,
    locked) when it is no longer the one the screen showed (``seen``) and someone other than
    ``actor`` changed it; nothing to refuse when ``seen`` is :data:`UNCHECKED`, when the
    caption is still the one seen, already ``caption``, or changed last by ``actor``."""
    if seen is UNCHECKED:
        return
    now, seen, caption = row.caption or None, seen or None, caption or None
    if now == seen or now == caption:
        return
    who, at = caption_setter(s, row.id)
    if (who or row.updated_by or actor) == actor:
        return
    raise CaptionChanged(who or row.updated_by, short_when(at), now, seen, caption)
