"""The image header queue: which images' headers are still to read (or to read again), the
results of a header pass, and what the last pass read under (its pixel limit, its reader
version), kept in the project settings. The indexer's header pass uses these."""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from . import models as m, settings_row
from .repo_images import _chunks


def pending_headers(session: Session, after_id: int, limit: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(m.Image.id, m.Image.relpath)
        .where(
            m.Image.header_done.is_(False),
            m.Image.status != m.STATUS_MISSING,
            m.Image.id > after_id,
        )
        .order_by(m.Image.id)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


def count_pending_headers(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(m.Image).where(
            m.Image.header_done.is_(False), m.Image.status != m.STATUS_MISSING
        )
    )


def count_retry_headers(session: Session) -> int:
    """How many of the pending headers are of files whose last read failed in a way that
    may pass (a broken link, no permission, an I/O error): read again at every index, so
    pending for good while the cause lasts (status ``error``, listed as unreadable)."""
    return session.scalar(
        select(func.count()).select_from(m.Image).where(
            m.Image.header_done.is_(False), m.Image.status == m.STATUS_ERROR)
    )


def retry_reasons(session: Session, image_ids: Sequence[int]) -> dict[int, str]:
    """id -> the reason of the last failure of those of ``image_ids`` whose header is pending
    after a failure that may pass (status ``error``, header not done: :func:`store_headers`'
    ``retry``)."""
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(image_ids)), 500):
        out.update(session.execute(select(m.Image.id, m.Image.error).where(
            m.Image.id.in_(chunk), m.Image.header_done.is_(False), m.Image.status == m.STATUS_ERROR,
            m.Image.error.is_not(None))).all())
    return out


#: the project setting holding the pixel limit the last header pass read under
HEADER_LIMIT_KEY = "header_pixel_limit"


def header_pixel_limit(session: Session) -> Optional[int]:
    """The pixel limit images were last refused under (None: not recorded)."""
    value = settings_row.read(session).get(HEADER_LIMIT_KEY)
    return value if isinstance(value, int) else None


def too_large_done(session: Session, reason_start: str) -> int:
    """How many images are recorded as refused over the pixel limit (their headers done)."""
    return session.scalar(select(func.count()).select_from(m.Image).where(
        m.Image.header_done.is_(True), m.Image.status == m.STATUS_ERROR,
        m.Image.error.startswith(reason_start, autoescape=True))) or 0


def requeue_too_large(session: Session, reason_start: str) -> int:
    """Put the headers of images refused as too large back in the queue; how many."""
    return session.execute(
        update(m.Image).where(m.Image.header_done.is_(True), m.Image.status == m.STATUS_ERROR,
                              m.Image.error.startswith(reason_start, autoescape=True))
        .values(header_done=False)
    ).rowcount or 0


def remember_header_limit(session: Session, limit: int) -> None:
    """Remember ``limit`` as the one images were refused under (:func:`header_pixel_limit`)."""
    _remember(session, HEADER_LIMIT_KEY, int(limit))


#: the project setting holding the version of the header reader the index was read with
HEADER_READER_KEY = "header_reader_version"


def header_reader_version(session: Session) -> int:
    """The reader version the stored headers were read with (:data:`..indexer.READER_VERSION`);
    1 where none is recorded (the versions before it was)."""
    value = settings_row.read(session).get(HEADER_READER_KEY)
    return value if isinstance(value, int) else 1


def remember_header_reader(session: Session, version: int) -> None:
    _remember(session, HEADER_READER_KEY, int(version))


def headers_done_of_formats(session: Session, formats: Sequence[str]) -> bool:
    """Whether any present image of one of ``formats`` has its header stored."""
    return bool(formats) and session.scalar(select(exists().where(
        m.Image.header_done.is_(True), m.Image.format.in_(list(formats)),
        m.Image.status != m.STATUS_MISSING))) is True


def requeue_formats(session: Session, formats: Sequence[str]) -> int:
    """Put the stored headers of the images of ``formats`` back in the queue; how many.
    A missing image's too: its header is read when it comes back (pending headers are
    those of present images)."""
    if not formats:
        return 0
    return session.execute(
        update(m.Image).where(m.Image.header_done.is_(True), m.Image.format.in_(list(formats)))
        .values(header_done=False)
    ).rowcount or 0


def _remember(session: Session, key: str, value: int) -> None:
    settings_row.set_value(session, key, value)  # locked as it is read (see settings_row)


def store_headers(session: Session, ok: Iterable[dict], failed: Iterable[tuple[int, str]],
                  retry: Iterable[tuple[int, str]] = ()) -> None:
    """``ok``: dicts with id, width, height, format, bit_depth, frames; ``failed``: (id,
    reason); ``retry``: (id, reason) of failures that may go away with the file unchanged
    (permission denied...): status ``error`` too, but the header stays pending, so the
    next header pass reads it again."""
    ok = list(ok)
    if ok:
        session.execute(
            update(m.Image),
            [dict(row, header_done=True, error=None) for row in ok],
        )
        ids = [row["id"] for row in ok]
        for chunk in _chunks(ids, 500):
            session.execute(
                update(m.Image)
                .where(m.Image.id.in_(chunk), m.Image.status == m.STATUS_ERROR)
                .values(status=m.Image.review_status)
            )
    for rows, done in ((list(failed), True), (list(retry), False)):
        if rows:
            session.execute(update(m.Image), [
                {"id": i, "header_done": done, "error": reason, "status": m.STATUS_ERROR} for i, reason in rows])


def mark_unreadable(session: Session, image_id: int, reason: str) -> bool:
    """The viewer could not read ``image_id``'s pixels although its header read (a PNG cut
    short after its header, a DICOM whose pixel data cannot be decoded): recorded as an
    index error is (status ``error``, ``reason``, the header done: read again once the file
    changes), so the grid shows an error tile, N passes it and the counts say it. False:
    already counted an error or missing (or no such image)."""
    done = session.execute(
        update(m.Image)
        .where(m.Image.id == image_id, m.Image.status.not_in((m.STATUS_ERROR, m.STATUS_MISSING)))
        .values(status=m.STATUS_ERROR, error=reason, header_done=True)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)
