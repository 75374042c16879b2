"""The History panel's lines for what the index saw happen to an image's file (its
``file_changed``, ``file_missing`` and ``file_restored`` events), in a reviewer's words.

A ``file_changed`` event holds the file's size and modification time before and after
(``{"size": bytes, "mtime_ns": ns}``). One with the size unchanged read "file changed
on disk (same size, new time)", which a reviewer took to mean nothing had changed; it
means the file was saved again and the index took it as new content: its content was
not found the same as before (or, on a database from before content digests, or a file
whose digest was not read yet, could not be compared), so its header is read again and
the suggestions made before it count as made for the old content. A file whose time
moved and whose content the index found the same gets no event at all (its time is
updated, nothing else: :func:`~llmvis_desktop.core.store.repo_digests.retime`).
The stored events are not changed; only how they read.

Since then the event of a file of the same size says why it was taken as new content, as
``"content"`` in its after: ``"differs"`` (read and found not the same as its digest), or
not compared: ``"no digest"`` (none stored for the earlier content), ``"unreadable"`` (the
file could not be read whole). The line says "content differs" or "could not be
compared"; an event from before (no such field) reads as it did.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

ARROW = "\u2192"
#: what a changed file means for the cards: the evaluation leaves them out, a run suggests again
BEFORE = "earlier suggestions count as made for the old image"
#: a same-size file_changed event's "content" -> what the line says of it
CONTENT_WORDS = {
    "differs": "content differs",
    "no digest": "content could not be compared (no digest of the earlier content)",
    "unreadable": "content could not be compared (the file could not be read whole)",
}


def _when(ns) -> Optional[str]:
    from .history_panel import format_when

    try:
        return format_when(datetime.fromtimestamp(int(ns) / 1e9, tz=timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _times(before: dict, after: dict) -> str:
    """"modified 2024-05-01 09:00:00 UTC → 09:30:12 UTC" (the date once when it is the
    same), or "" when a time is not there."""
    t0, t1 = _when(before.get("mtime_ns")), _when(after.get("mtime_ns"))
    if t0 is None or t1 is None or t0 == t1:
        return ""
    if t0[:10] == t1[:10]:
        t1 = t1[11:]
    return f"modified {t0} {ARROW} {t1}"


def _size(n) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return "?"


def describe_file(base: str, before, after) -> Optional[str]:
    """The line for an index event on the file, or None for another kind of event."""
    if base == "file_missing":
        return "file gone from the folder (deleted, moved or renamed outside the tool); its review is kept"
    if base == "file_restored":
        return "file back in the folder; its review status is back"
    if base != "file_changed":
        return None
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    if b.get("size") is not None and a.get("size") is not None and b.get("size") != a.get("size"):
        return (f"file changed on disk: new content ({_size(b['size'])} {ARROW} {_size(a['size'])} bytes); "
                f"{BEFORE}")
    times = _times(b, a)
    how = CONTENT_WORDS.get(a.get("content")) if isinstance(a.get("content"), str) else None
    if times:  # the same size, saved again: not found the same as before (or not comparable)
        if how:
            return f"file re-saved on disk, same size ({times}): {how}, read again as new content; {BEFORE}"
        return f"file re-saved on disk, same size ({times}): read again as new content; {BEFORE}"
    if how:
        return f"file changed on disk: {how}; {BEFORE}"
    return f"file changed on disk; {BEFORE}"
