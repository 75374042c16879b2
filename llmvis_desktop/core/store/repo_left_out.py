"""Rows of files the index now leaves out (a DICOMDIR: an earlier version listed it as an
unreadable image).

The indexer never deletes a row of a file it no longer finds: the row carries the review
work on the image (labels, caption, status, suggestions, repairs) and the history refers
to it, and the file may come back or turn up moved. A file that is still there but now
left out is neither lost nor coming back: its row is removed when nothing was ever done
on it (no label, caption, review, suggestion, model run, repair, and no history event, so
no append-only history is touched); one with any of these is kept as it is, and named."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import and_, bindparam, delete, exists, or_, select, tuple_, update
from sqlalchemy.orm import Session

from . import models as m

_CHUNK = 500


def _worked_on():
    """Whether any review work or history refers to the row."""
    i = m.Image.id
    return or_(
        m.Image.review_status != m.STATUS_NEW,
        m.Image.caption.is_not(None),
        exists().where(m.Event.image_id == i),
        exists().where(m.ImageLabel.image_id == i),
        exists().where(m.Suggestion.image_id == i),
        exists().where(m.SuggestRun.image_id == i),
        exists().where(or_(m.Repair.source_image_id == i, m.Repair.output_image_id == i)),
    )


def drop_unworked(session: Session, rows: Sequence[tuple[int, str]]) -> tuple[list[str], list[tuple[int, str]]]:
    """Remove the rows (id, relpath as the scan read them) with no work on them; returns
    (the relpaths removed, (id, relpath) of those kept for their work), by path."""
    removed: list[str] = []
    kept: list[tuple[int, str]] = []
    for at in range(0, len(rows), _CHUNK):
        chunk = list(rows[at:at + _CHUNK])
        as_read = tuple_(m.Image.id, m.Image.relpath).in_(bindparam("as_read", expanding=True))
        removed += session.scalars(
            delete(m.Image).where(and_(as_read, ~_worked_on())).returning(m.Image.relpath)
            .execution_options(synchronize_session=False), {"as_read": chunk}).all()
        kept += [tuple(r) for r in session.execute(
            select(m.Image.id, m.Image.relpath).where(as_read).order_by(m.Image.relpath), {"as_read": chunk})]
    return sorted(removed), kept


def missing_rows(session: Session, relpaths: Sequence[str]) -> list[tuple[int, str]]:
    """(id, relpath) of the rows marked missing among ``relpaths`` (files left out now that
    an earlier run marked missing: the folder's listing, unchanged, never shows them)."""
    out: list[tuple[int, str]] = []
    relpaths = sorted(relpaths)
    for at in range(0, len(relpaths), _CHUNK):
        out += [tuple(r) for r in session.execute(
            select(m.Image.id, m.Image.relpath)
            .where(m.Image.relpath.in_(relpaths[at:at + _CHUNK]), m.Image.status == m.STATUS_MISSING))]
    return out


def recheck_folders(session: Session, folders: Sequence[str], digest: str) -> None:
    """Give ``folders`` a digest no listing has, so the next index compares them file by file."""
    for at in range(0, len(folders), _CHUNK):
        session.execute(update(m.Folder).where(m.Folder.relpath.in_(list(folders[at:at + _CHUNK])))
                        .values(digest=digest))
