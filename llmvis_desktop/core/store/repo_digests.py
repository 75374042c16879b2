"""Content digests of the image files (``images.content_sha256``, migration 0015): a file
whose modification time moved but not its size (a folder copied or restored without its
file times, a ``touch``) is compared with its digest before the index calls it changed."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from . import models as m
from .repo_images import _chunks


def stored(session: Session, image_ids: Sequence[int]) -> dict[int, str]:
    """The digests stored for these images (those that have one)."""
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(image_ids)), 500):
        out.update(session.execute(select(m.Image.id, m.Image.content_sha256).where(
            m.Image.id.in_(chunk), m.Image.content_sha256.is_not(None))).all())
    return out


def sizes_and_times(session: Session, image_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """id -> (size, mtime_ns) as the rows hold them."""
    out: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(sorted(set(image_ids)), 500):
        out.update((i, (size, mtime)) for i, size, mtime in session.execute(
            select(m.Image.id, m.Image.size, m.Image.mtime_ns).where(m.Image.id.in_(chunk))))
    return out


def save(session: Session, rows: Sequence[tuple[int, str, int, int]]) -> None:
    """(id, digest, size, mtime_ns): each digest stored where its row still holds that size
    and time as read (a row another indexer saw change meanwhile is left without one)."""
    if not rows:
        return
    img = m.Image.__table__
    session.execute(
        update(img).where(img.c.id == bindparam("b_id"), img.c.size == bindparam("b_size"),
                          img.c.mtime_ns == bindparam("b_mtime")).values(content_sha256=bindparam("b_digest")),
        [{"b_id": i, "b_digest": d, "b_size": size, "b_mtime": mtime} for i, d, size, mtime in rows])


def retime(session: Session, rows: Sequence[tuple[int, str, int]]) -> None:
    """(id, relpath, mtime_ns): files whose time moved and content did not take the new
    time (the next index finds them unchanged, reading nothing); no event, headers and
    suggestions stay as they were. A row no longer at that path is left alone."""
    if not rows:
        return
    img = m.Image.__table__
    session.execute(
        update(img).where(img.c.id == bindparam("b_id"), img.c.relpath == bindparam("b_rel"))
        .values(mtime_ns=bindparam("b_mtime")),
        [{"b_id": i, "b_rel": rel, "b_mtime": mtime} for i, rel, mtime in rows])
