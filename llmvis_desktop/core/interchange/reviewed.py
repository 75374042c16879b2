"""One image's record of an import applied as reviewed annotations (``--as reviewed``):
what clashes, what a file older than the image's last change may not replace, and the
reviewer and time the image keeps."""
from __future__ import annotations

from ..store import models as m
from ..store import repo_review as rr
from ..store.convert import as_utc
from .common import Conflict, ImportReport, iso
from .parsing import MISSING, ImportItem

#: ``new`` and ``suggested`` are one status, told apart by the image's pending suggestions
_UNDECIDED = (m.STATUS_NEW, m.STATUS_SUGGESTED)


def _same(key: str, a, b) -> bool:
    if key == "status" and a in _UNDECIDED and b in _UNDECIDED:
        return True  # the import's suggestions (added after) make it suggested, as they did
    return a == b


def apply_reviewed(s, image_id: int, item: ImportItem, actor: str, overwrite: bool,
                   report: ImportReport, overwrite_newer: bool = False) -> None:
    # locked and read afresh before deciding what clashes: a reviewer's caption saved while
    # the import ran was overwritten without --overwrite (decided on a stale row)
    row = rr.locked_image(s, image_id)
    current = {"caption": row.caption, "labels": rr.current_labels(s, image_id), "status": row.review_status}
    incoming: dict[str, object] = {}
    if item.caption is not MISSING:
        incoming["caption"] = item.caption or None
    if item.labels is not None:
        incoming["labels"] = sorted(set(item.labels))
    status = item.status
    sets = [k for k in ("caption", "labels") if incoming.get(k) and current[k] != incoming[k]]
    if status is None and sets:
        # the format carries no status: what it sets was reviewed (a caption the image
        # already has sets nothing: a suggested image with a pending card stayed so)
        status = m.STATUS_REVIEWED
    if status is not None:
        incoming["status"] = status
    differs = {k: v for k, v in incoming.items() if not _same(k, current[k], v)}
    if not differs:
        report.unchanged += 1
        return
    here_at, file_at = as_utc(row.updated_at), as_utc(item.time)
    # the file's record is older than the image's last change: its values are not put
    # back over the newer work (not even with --overwrite), unless forced
    stale = here_at is not None and file_at is not None and file_at < here_at
    if stale and not overwrite_newer:
        for k in differs:
            report.conflicts.append(Conflict(item.name, k, current[k], incoming[k], here_at, row.updated_by,
                                             file_at, item.reviewer))
        return
    decided = current["status"] in (m.STATUS_REVIEWED, m.STATUS_REJECTED)
    clashes = [k for k in differs if decided or (k != "status" and current[k])]
    if clashes and not overwrite:
        for k in clashes:
            report.conflicts.append(Conflict(item.name, k, current[k], incoming[k]))
        return
    if clashes or stale:
        report.overwritten += 1
    if "caption" in differs:
        rr.set_caption(s, image_id, differs["caption"], actor, action="import:caption")
    if "labels" in differs:
        rr.set_labels(s, image_id, differs["labels"], actor, action="import:labels")
    if "status" in differs:
        rr.set_status(s, image_id, differs["status"], actor, action="import:status")
    if item.review_meta and not stale:
        # keep who reviewed it and when, as the file says; the history keeps the import
        # itself. A blank reviewer or time (a spreadsheet left it empty) keeps the import's
        # own where the import wrote a caption, labels or a decision; where it only moved
        # the status (new, suggested), nobody reviewed it, as the file says. A file older
        # than the image's last change (forced in) never moves them back: the import's own
        authored = ("caption" in differs or "labels" in differs
                    or differs.get("status") in (m.STATUS_REVIEWED, m.STATUS_REJECTED))
        if item.reviewer or item.time:  # (an event saying "nobody, never" was noise)
            rr.add_event(s, image_id, actor, "import", None,
                         {"reviewer": item.reviewer, "time": iso(item.time)})
        row.updated_by = item.reviewer or (row.updated_by if authored else None)
        row.updated_at = item.time or (row.updated_at if authored else None)
    report.changed += 1
