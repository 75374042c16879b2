"""Times as the reviewer reads them: local time with its zone, everywhere the window
or a message shows one (the History panel, a refused save naming when a teammate
changed the image).

Times are stored in UTC; SQLite gives them back without their zone (read as UTC here).
A bare local time ("19:41") read as UTC at another site, or as the reader's own zone
when the History panel said UTC, sent reviewers to the wrong line of the history: every
time shown carries its zone, and the refusal lines and the panel show the same one.

Pure core: no Qt.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional


def zone_label(local: datetime) -> str:
    """The zone of an aware local time as a reader knows it: its abbreviation ("CET",
    "UTC") when the system has a short one, else its offset ("UTC+05:30"; Windows names
    zones in long words, some systems give "+0530")."""
    name = local.tzname() or ""
    if name and len(name) <= 5 and name.isalpha():
        return name
    offset = local.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local(at: datetime) -> datetime:
    """``at`` (naive: UTC, as SQLite stores it) in the machine's local zone."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone()


def format_when(at: Optional[datetime]) -> str:
    """Local time with its zone, "YYYY-MM-DD HH:MM:SS CET" (the History panel's), or "?"."""
    if at is None:
        return "?"
    here = local(at)
    return f"{here.strftime('%Y-%m-%d %H:%M:%S')} {zone_label(here)}"


def short_when(at: Optional[datetime], now: Optional[datetime] = None) -> str:
    """Local hours and minutes with the zone, "19:41 CET", the date before them when it
    is not today's ("2024-01-15 19:41 CET"): the same local time and zone the History
    panel shows for that change. "" when unknown."""
    if at is None:
        return ""
    here = local(at)
    today = local(now if now is not None else datetime.now(timezone.utc)).date()
    day = "" if here.date() == today else f"{here.strftime('%Y-%m-%d')} "
    return f"{day}{here.strftime('%H:%M')} {zone_label(here)}"
