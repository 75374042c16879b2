"""Incremental folder index: a fast listing pass, then a resumable header pass.

The listing pass (:func:`scan`, :class:`ScanResult`) lives in :mod:`.index_listing`
and is importable from here; the header pass (:func:`read_headers`) is this module.
Each batch is its own transaction, so a killed process loses at most the batch in
flight and the next run carries on from what was committed. A transaction that finds the
database held by another writer (a teammate's import, a backup tool) waits for it, says
so and goes on (:mod:`.index_writes`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .hashing import open_file_sha256_stat
from .index_listing import FAILED_AGAIN_NAMED, MTIME_UNITS_NS, RECHECK, NothingListed, ScanResult, same_mtime, scan
from .index_writes import index_write
from .store import repo_digests, repo_moves
from .store import repo_headers as rh
from .store.engine import Store
from .tasks import FOREGROUND, CancelToken, Progress, ProgressFn, no_progress

__all__ = ["HASH_MAX_BYTES", "MTIME_UNITS_NS", "READER_VERSION", "RECHECK", "REREAD_FORMATS", "TOO_LARGE",
           "NothingListed", "ScanResult", "read_headers", "same_mtime", "scan"]


#: the start of the reason of an image over the pixel limit (:func:`.imaging.errors.too_large`)
TOO_LARGE = "image too large"
#: how headers are read: raise it, with the formats whose header may now read otherwise
#: in :data:`REREAD_FORMATS`, when a reader change makes a file's stored header wrong
READER_VERSION = 7
#: version -> the formats whose headers the versions before it read otherwise: 2, 16-bit
#: RGB(A) and gray+alpha PNGs (stored as 8-bit before); 3, 8-bit TIFFs turned a quarter
#: by their Orientation tag (stored with the size unturned); 4, compressed DICOMs no
#: installed decoder reads (stored "new" before, now "error", needing a decoder); 5,
#: DICOMs with a fractional rescale (stored as 32-bit, the depth after rescaling); 6,
#: compressed DICOMs cut short (stored "new" before, now "error") and gray TIFFs whose
#: extra samples are channels, not alpha (stored as 1 frame of 2-4 channels, now a
#: frame a channel); 7, multi-page TIFFs of such pages (stored as a frame a page, now a
#: frame a channel of each page)
REREAD_FORMATS = {2: ("PNG",), 3: ("TIFF",), 4: ("DICOM",), 5: ("DICOM",), 6: ("DICOM", "TIFF"), 7: ("TIFF",)}
#: a file larger than this is not hashed when its header is read, so a copy without its
#: times is a change for it (as for every file before 0015): the header pass reads a few
#: kB of it, where hashing would read it whole (a 123 MB line-scan strip is over 1 s of a
#: 1 Gbit/s share). Camera JPEGs, PNGs, DICOM slices, 16-bit gray frames up to ~30 MP are
#: under it, each read whole through the one open its header is read from.
HASH_MAX_BYTES = 64 << 20


def _requeue_too_large(store: Store, limit: int, token: CancelToken | None, progress: ProgressFn) -> bool:
    """Images recorded as over the pixel limit are read again when the limit is not the
    one they were refused under (the setting was raised, or a team's other machine has
    another); nothing is written otherwise. True when any were queued."""
    with store.read() as s:
        if not rh.too_large_done(s, TOO_LARGE) or rh.header_pixel_limit(s) == limit:
            return False
    return index_write(store, lambda s: rh.requeue_too_large(s, TOO_LARGE) > 0, token, progress,
                       Progress("headers", 0))


def _requeue_older_reader(store: Store, token: CancelToken | None, progress: ProgressFn) -> None:
    """Headers an earlier reader stored of formats it read otherwise (:data:`REREAD_FORMATS`)
    are read again, once: a file's size and mtime unchanged, nothing else would. The
    version is recorded with the requeue, or with the first headers read of a new project;
    nothing is written when there is nothing to read (a read-only database indexes as before)."""
    with store.read() as s:
        have = rh.header_reader_version(s)
        if have >= READER_VERSION:
            return
        formats = sorted({f for v, fs in REREAD_FORMATS.items() if v > have for f in fs})
        if not rh.headers_done_of_formats(s, formats) and not rh.count_pending_headers(s):
            return

    def write(s) -> None:
        rh.requeue_formats(s, formats)
        rh.remember_header_reader(s, READER_VERSION)

    index_write(store, write, token, progress, Progress("headers", 0))


def _header_and_digest(image_id: int, path: Path, held: Optional[tuple[int, int]], kwargs: dict,
                       token: Optional[CancelToken] = None):
    """(the header, or the exception reading it raised; [(id, SHA-256, size, mtime_ns)] or
    []) from one open of the file: hashed first, then its header read from its start.
    Not hashed: a file over :data:`HASH_MAX_BYTES`, or one no longer of its row's size
    and time (``held``: changed since it was listed, the next index sees it change).
    A cancel of ``token`` ends the hash at its next block (the caller drops the file)."""
    from .imaging import reader
    from .imaging.errors import from_os_error

    try:
        fh = reader._open_file(path)
    except Exception as exc:  # ImageReadError (missing, a pipe...), or an OSError a test raises
        return (from_os_error(path, exc) if isinstance(exc, OSError) else exc), []
    digest = []
    with fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if held is not None and held[0] == size <= HASH_MAX_BYTES:
                got = open_file_sha256_stat(fh, stop=(lambda: token.cancelled) if token is not None else None)
                fh.seek(0)
                if got is not None and got[1] == size and same_mtime(got[2], held[1]):
                    digest = [(image_id, got[0], held[0], held[1])]
        except OSError as exc:
            return from_os_error(path, exc), []
        try:
            return reader.read_header(path, fh=fh, **kwargs), digest
        except Exception as exc:  # (sorted by the caller, as a header read's failure)
            return exc, digest


def read_headers(
    store: Store,
    root: Path,
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    batch_size: int = 200,
    max_pixels: Optional[int] = None,
    result: Optional[ScanResult] = None,
) -> int:
    """Read dimensions, bit depth and frame count of every image still pending.

    Resumable: it works through rows whose header is not yet stored, in id order.
    Unreadable files get status ``error`` with the reason. A failure that can go away
    with the file unchanged (permission denied, the file gone for a moment, an I/O
    error, a compressed DICOM no installed decoder reads: :func:`.imaging.errors.is_transient`)
    leaves the header pending, so every run tries again whatever the folder digests say.
    Not only when the file's size or time changed: a ``chmod`` that lets us read it, a share
    back after a blip, a decoder plugin installed change neither, and a user who fixed the
    cause expects F5 to see it. Tried again, such a file costs little: an open that fails at
    once (no permission, not there), or a few kB of tags; the whole-file hash is not made
    again when the row already has a digest for its size and time (an undecodable DICOM was
    hashed whole at every index), and one that fails again the same way is counted apart
    (``result.failed_again``), so that F5 does not re-query a window's grid for it. An
    image over the pixel limit is done (not pending for good, read again at every index)
    until the limit is another (:func:`_requeue_too_large`). Returns how many were read.
    Given a ``token``, a batch that finds the database held by another writer waits for
    it (said as a ``Progress.waiting`` report; a cancel of ``token`` stops the wait within
    about a second, the batches stored before it kept): :mod:`.index_writes`; without one
    (nobody could cancel the wait) it fails as before.

    Once all are read, a new file whose content is a missing row's (a folder copied without
    its file times, then a file moved or renamed in it) takes that row, its review and
    history (:func:`.store.repo_moves.relink_same_content`): counted in ``result`` as moved,
    not added nor missing. It costs no read: the pass hashes the new files anyway.
    """
    from .imaging.errors import ImageReadError, is_transient
    from .imaging.reader import DEFAULT_MAX_PIXELS

    waits, token = token, token or CancelToken()
    root = Path(root)
    _requeue_older_reader(store, waits, progress)
    with store.read() as s:
        total = rh.count_pending_headers(s)
    done = 0
    last_id = 0
    hashed: list[int] = []  # rows given a digest by this pass (candidates of a move by content)
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    limit = int(max_pixels or DEFAULT_MAX_PIXELS)
    if _requeue_too_large(store, limit, waits, progress):
        with store.read() as s:
            total = rh.count_pending_headers(s)
    progress(Progress("headers", 0, total, "reading image headers"))
    while True:
        token.check()
        with store.read() as s:
            todo = rh.pending_headers(s, last_id, batch_size)
            ids = [i for i, _ in todo]
            held = repo_digests.sizes_and_times(s, ids) if todo else {}
            hashed_before = set(repo_digests.stored(s, ids)) if todo else set()
            was = rh.retry_reasons(s, ids) if todo else {}
        if not todo:
            break
        ok, failed, retry, digests = [], [], [], []
        read = again_same = 0
        for image_id, rel in todo:
            # a cancel is looked at before each file and between a hash's blocks (a batch of
            # files up to 64 MiB, each read whole, made it wait behind GBs); the file in
            # flight is dropped, those read before it are stored below
            if token.cancelled:
                break
            FOREGROUND.yield_to()
            # (a digest stored is the file's at the size and time the row holds: not made again)
            size_time = None if image_id in hashed_before else held.get(image_id)
            meta, digest = _header_and_digest(image_id, root / rel, size_time, kwargs, token)
            if token.cancelled:
                break
            read += 1
            if isinstance(meta, ImageReadError):
                # too large is the file's state under this limit: done until the limit changes
                again = is_transient(meta.reason) and not meta.reason.startswith(TOO_LARGE)
                (retry if again else failed).append((image_id, meta.reason))
                if again:  # (not there to read, or not for us)
                    again_same += _same_again(result, rel, was.get(image_id), meta.reason)
                    continue
            elif isinstance(meta, Exception):  # a reader bug must not stop the index
                failed.append((image_id, f"unexpected error: {type(meta).__name__}: {meta}"))
            else:
                if meta.undecodable:  # its tags are read, its pixels no installed decoder reads:
                    retry.append((image_id, meta.undecodable))  # "error" (nobody can see it), read again next index
                    again_same += _same_again(result, rel, was.get(image_id), meta.undecodable)
                ok.append(
                    {
                        "id": image_id,
                        "width": meta.width,
                        "height": meta.height,
                        "format": meta.format,
                        "bit_depth": meta.bit_depth,
                        "frames": meta.frames,
                    }
                )
            digests += digest

        def write(s, ok=ok, failed=failed, retry=retry, digests=digests) -> None:
            rh.store_headers(s, ok, failed, retry)
            repo_digests.save(s, digests)
            if any(reason.startswith(TOO_LARGE) for _, reason in failed):
                rh.remember_header_limit(s, limit)  # the limit these were refused under

        index_write(store, write, waits, progress, Progress("headers", done, total))
        hashed += [d[0] for d in digests]
        token.check()  # (cancelled within the batch: what it read is kept)
        last_id = todo[-1][0]
        done += read
        if result is not None:
            result.failed_again += again_same
        progress(Progress("headers", done, total, f"{done}/{total} headers"))
    _relink_same_content(store, hashed, result, waits, progress, Progress("headers", done, total))
    return done


def _same_again(result: Optional[ScanResult], rel: str, before: Optional[str], reason: str) -> bool:
    """Whether a file read again failed the same way as last time (``before``); the first
    few such are named in ``result`` (``failed_again_files``)."""
    if before != reason:
        return False
    if result is not None and len(result.failed_again_files) < FAILED_AGAIN_NAMED:
        result.failed_again_files.append((rel, reason))
    return True


def _relink_same_content(store: Store, hashed: list[int], result: Optional[ScanResult],
                         token: CancelToken | None, progress: ProgressFn, at: Progress) -> None:
    """Missing rows relinked to new files of the same content (see :func:`read_headers`);
    nothing is written when none are found."""
    if not hashed:
        return
    with store.read() as s:
        if not repo_moves.find_content_moves(s, hashed):
            return
    moved = index_write(store, lambda s: repo_moves.relink_same_content(s, hashed), token, progress, at)
    if result is not None:
        result.moved += moved
        result.added -= min(result.added, moved)
        result.missing -= min(result.missing, moved)
