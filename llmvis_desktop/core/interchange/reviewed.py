"""The rules an import applied as reviewed annotations (``--as reviewed``) decides by,
per image (:mod:`.apply_reviewed` applies them a chunk at a time): which statuses are one,
and when a file's record is older than the image's last change (its values are then not
put back over the newer work, not even with ``--overwrite``, unless forced with
``--overwrite-newer``; the image's reviewer and time never move back)."""
from __future__ import annotations

from ..store import models as m
from ..store.convert import as_utc
from .parsing import ImportItem

#: ``new`` and ``suggested`` are one status, told apart by the image's pending suggestions
_UNDECIDED = (m.STATUS_NEW, m.STATUS_SUGGESTED)


def same_value(key: str, a, b) -> bool:
    if key == "status" and a in _UNDECIDED and b in _UNDECIDED:
        return True  # the import's suggestions (added after) make it suggested, as they did
    return a == b


def older_than_here(row: m.Image, item: ImportItem) -> bool:
    """Whether the file's record (its time) is older than the image's last change."""
    here_at, file_at = as_utc(row.updated_at), as_utc(item.time)
    return here_at is not None and file_at is not None and file_at < here_at
