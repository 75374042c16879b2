"""Files moved or renamed within the project keep their image row (reviews, history).

The listing pass sees a moved file as one that vanished (its row marked ``missing``)
and a new one at another path. When a new row and a missing row agree on file name,
size and modification time, and each is the only one with that key (``mv`` and folder
renames keep the time; a copy does not), the missing row takes the new path and the
new row, made in this very scan and carrying nothing yet, is dropped. A missing row
with no new row of its exact name is also matched to one whose name differs only by
case or Unicode normalisation (``img_0001.png`` renamed ``IMG_0001.png``, a name
written in NFD by one system and NFC by another), same size and time, again one
candidate each way. A file whose time was not kept (a folder copied with ``cp -r``,
then a file moved) is paired by its content once the header pass has hashed it
(:func:`relink_same_content`). The image's history gets a ``move`` event. A folder renamed by an inspection team left every
review of it behind as "missing", with the same images back as "new".
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Sequence

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from . import models as m
from .convert import dumps
from .fold import fold
from .name_key import name_key

ACTOR = "indexer"


def _key(relpath: str, size: int, mtime_ns: int) -> tuple:
    return relpath.rsplit("/", 1)[-1], int(size or 0), int(mtime_ns or 0)


def _loose(key: tuple) -> tuple:
    """``key`` with its name compared without case and Unicode normalisation."""
    name, size, mtime = key
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold()), size, mtime


def relink_moved(session: Session) -> int:
    """Give missing rows the path of their moved files (see the module); returns how many."""
    return sum(_relink(session, old, new) for old, new in find_moves(session))


def _relink(session: Session, old: tuple[int, str], new: tuple[int, str], file_too: bool = False) -> bool:
    """The missing row ``old`` takes the path of the new row ``new``, which is dropped; a
    ``move`` event. ``file_too``: it takes the new row's size and time as well (a move found
    by content: the file's time is not the one the row held)."""
    (old_id, old_rel), (new_id, new_rel) = old, new
    if not _still_as_found(session, old, new):
        return False
    if _carries_anything(session, new_id):  # not a row of this scan after all
        return False
    img = m.Image
    values = dict(relpath=new_rel, name_key=name_key(new_rel), relpath_folded=fold(new_rel),
                  status=img.review_status)
    if file_too:
        size, mtime = session.execute(select(img.size, img.mtime_ns).where(img.id == new_id)).one()
        values.update(size=size, mtime_ns=mtime)
    session.execute(delete(img).where(img.id == new_id))
    session.execute(update(img).where(img.id == old_id).values(**values))
    session.add(m.Event(image_id=old_id, actor=ACTOR, at=m.utcnow(), action="move",
                        before=dumps(old_rel), after=dumps(new_rel)))
    return True


def relink_same_content(session: Session, fresh_ids: Sequence[int]) -> int:
    """Moves found by content (:func:`find_content_moves`) relinked; returns how many."""
    return sum(_relink(session, old, new, file_too=True) for old, new in find_content_moves(session, fresh_ids))


def find_content_moves(session: Session, fresh_ids: Sequence[int]) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    """((missing id, its path), (new id, its path)) of files moved whose time was not kept
    (a folder copied with ``cp -r``, then a file moved or renamed): a missing row and one of
    ``fresh_ids`` (new rows whose digest the header pass just stored: never a file listed
    all along) with the same size and content digest (``images.content_sha256``), each the
    only one of its side with that size and digest. Reads only."""
    img = m.Image
    missing = defaultdict(list)
    for i, rel, size, digest in session.execute(select(img.id, img.relpath, img.size, img.content_sha256).where(
            img.status == m.STATUS_MISSING, img.content_sha256.is_not(None))):
        missing[(int(size or 0), digest)].append((i, rel))
    if not missing or not fresh_ids:
        return []
    sizes = {k[0] for k in missing}
    fresh = defaultdict(list)
    ids = sorted(set(fresh_ids))
    for chunk in (ids[n:n + 500] for n in range(0, len(ids), 500)):
        for i, rel, size, digest in session.execute(select(img.id, img.relpath, img.size, img.content_sha256).where(
                img.id.in_(chunk), img.status == m.STATUS_NEW, img.review_status == m.STATUS_NEW,
                img.content_sha256.is_not(None), img.size.in_(sorted(sizes)))):
            fresh[(int(size or 0), digest)].append((i, rel))
    return [(missing[k][0], rows[0]) for k, rows in fresh.items()
            if len(rows) == 1 and len(missing.get(k, ())) == 1]


def find_moves(session: Session) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    """((missing id, its path), (new id, its path)) of the files that look moved; reads only
    (a rescan with nothing to relink takes no write lock)."""
    img = m.Image
    missing = defaultdict(list)
    for i, rel, size, mtime in session.execute(
            select(img.id, img.relpath, img.size, img.mtime_ns).where(img.status == m.STATUS_MISSING)):
        missing[_key(rel, size, mtime)].append((i, rel))
    if not missing:
        return []
    times = sorted({k[2] for k in missing})
    new_rows = select(img.id, img.relpath, img.size, img.mtime_ns).where(
        img.status == m.STATUS_NEW, img.review_status == m.STATUS_NEW)
    if len(times) <= 500:  # few: one query by time; many: one pass over the new rows
        new_rows = new_rows.where(img.mtime_ns.in_(times))
    stamps = {(k[1], k[2]) for k in missing}
    fresh = defaultdict(list)
    for i, rel, size, mtime in session.execute(new_rows):
        key = _key(rel, size, mtime)
        if key[1:] in stamps:
            fresh[key].append((i, rel))
    moves = [(missing[k][0], fresh[k][0]) for k in fresh
             if len(missing.get(k, ())) == 1 and len(fresh[k]) == 1]
    # rows with no exact-name candidate on the other side: the same name up to case and
    # Unicode normalisation, still one candidate each way
    loose_missing, loose_fresh = defaultdict(list), defaultdict(list)
    for k, rows in missing.items():
        if k not in fresh:
            loose_missing[_loose(k)].extend(rows)
    for k, rows in fresh.items():
        if k not in missing:
            loose_fresh[_loose(k)].extend(rows)
    moves += [(loose_missing[k][0], rows[0]) for k, rows in loose_fresh.items()
              if len(rows) == 1 and len(loose_missing.get(k, ())) == 1]
    return moves


def _still_as_found(session: Session, old: tuple[int, str], new: tuple[int, str]) -> bool:
    """Lock both rows of a move and check they are still as :func:`find_moves` read them.

    On PostgreSQL two indexers (two reviewers' windows opening the folder after a rename)
    found the same moves; the second relinked again what the first had relinked (a second
    ``move`` event). ``FOR UPDATE`` waits for the first one's transaction and then looks at
    the rows as it left them: moved already, they no longer match. (SQLite's writers take
    turns, so the rows read are the rows written; it has no ``FOR UPDATE``.)"""
    img = m.Image
    stmt = select(img.id).where(or_(
        and_(img.id == old[0], img.relpath == old[1], img.status == m.STATUS_MISSING),
        and_(img.id == new[0], img.relpath == new[1], img.status == m.STATUS_NEW,
             img.review_status == m.STATUS_NEW)))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return len(session.execute(stmt).all()) == 2


def _carries_anything(session: Session, image_id: int) -> bool:
    for table, column in ((m.Event, m.Event.image_id), (m.Suggestion, m.Suggestion.image_id),
                          (m.ImageLabel, m.ImageLabel.image_id), (m.Repair, m.Repair.source_image_id),
                          (m.Repair, m.Repair.output_image_id)):
        if session.scalar(select(func.count()).select_from(table).where(column == image_id)):
            return True
    return False
