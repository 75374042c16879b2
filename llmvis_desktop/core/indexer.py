"""Incremental folder index: a fast listing pass, then a resumable header pass.

Each batch is its own transaction, so a killed process loses at most the batch in
flight and the next run carries on from what was committed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .imaging.scan import MAX_EXAMPLES, FolderListing, Skipped, WalkReport, printable, walk_folders
from .store import models as m
from .hashing import file_sha256_stat, open_file_sha256_stat
from .store import repo_digests
from .store import repo_folders as rf
from .store import repo_headers as rh, repo_images as ri
from .store import repo_left_out
from .store import repo_moves
from .store.engine import Store
from .tasks import FOREGROUND, CancelToken, Progress, ProgressFn, no_progress

#: units a file system or share keeps modification times in, finest first after the
#: nanosecond: SMB/NTFS 100 ns, some NFS servers and macOS 1 µs, ext3/HFS+ exports 1 ms
#: and 1 s, FAT 2 s. One share seen from two machines' mounts shows each file's time in
#: the coarser unit on one of them.
#: the start of the reason of an image over the pixel limit (:func:`.imaging.errors.too_large`)
TOO_LARGE = "image too large"
#: the digest saved for a folder to be compared file by file at every index (no listing has it)
RECHECK = "recheck"
MTIME_UNITS_NS = (100, 1_000, 1_000_000, 1_000_000_000, 2_000_000_000)
#: how headers are read: raise it, with the formats whose header may now read otherwise
#: in :data:`REREAD_FORMATS`, when a reader change makes a file's stored header wrong
READER_VERSION = 4
#: version -> the formats whose headers the versions before it read otherwise: 2, 16-bit
#: RGB(A) and gray+alpha PNGs (stored as 8-bit before); 3, 8-bit TIFFs turned a quarter
#: by their Orientation tag (stored with the size unturned); 4, compressed DICOMs no
#: installed decoder reads (stored "new" before, now "error", needing a decoder)
REREAD_FORMATS = {2: ("PNG",), 3: ("TIFF",), 4: ("DICOM",)}
#: a file larger than this is not hashed when its header is read, so a copy without its
#: times is a change for it (as for every file before 0015): the header pass reads a few
#: kB of it, where hashing would read it whole (a 123 MB line-scan strip is over 1 s of a
#: 1 Gbit/s share). Camera JPEGs, PNGs, DICOM slices, 16-bit gray frames up to ~30 MP are
#: under it, each read whole through the one open its header is read from.
HASH_MAX_BYTES = 64 << 20


class NothingListed(Exception):
    """The scan listed no file at all where the project holds present images: an
    unmounted share's empty mount folder, most likely. Nothing was marked missing."""


def same_mtime(a: int, b: int) -> bool:
    """Whether two modification times can be the same time seen by two mounts of different
    precision: equal, or one a whole number of a unit of :data:`MTIME_UNITS_NS` that the
    other, cut to that unit, equals. Any other difference is a change."""
    a, b = int(a or 0), int(b or 0)
    if a == b:
        return True
    for unit in MTIME_UNITS_NS:
        if (a % unit == 0 and b - b % unit == a) or (b % unit == 0 and a - a % unit == b):
            return True
    return False



@dataclass
class ScanResult:
    seen: int = 0
    added: int = 0
    changed: int = 0
    # files whose time moved but not their size or content (a copy or restore without the
    # file times, a touch): their new time kept, nothing else (not counted as changed)
    retimed: int = 0
    missing: int = 0
    restored: int = 0
    moved: int = 0  # files moved or renamed, their rows (reviews, history) kept
    unreadable_folders: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # entries left out, by reason
    # rows of an earlier index for files now left out (a DICOMDIR): removed, having no
    # work on them, or kept for the work on them (their relpaths); never called missing
    removed: int = 0
    removed_names: list[str] = field(default_factory=list)  # the first few
    kept_left_out: list[str] = field(default_factory=list)
    # after the header pass (``Project.index``): the images counted "error", and of them the
    # compressed DICOMs only a decoder plugin would read (the summary says them apart)
    errors: int = 0
    needs_decoder: int = 0
    headers_read: int = 0  # files whose header the header pass read (or failed to)
    by_status: dict = field(default_factory=dict)  # the images by status as the index ended

    @property
    def rows_changed(self) -> bool:
        """Whether this index changed a row a list of the images shows: new, changed,
        retimed, missing, restored, moved or removed rows, or headers read."""
        return bool(self.added or self.changed or self.retimed or self.missing or self.restored
                    or self.moved or self.removed or self.kept_left_out or self.headers_read)

    def skipped_lines(self) -> list[str]:
        """One line per reason entries were left out: how many, why, a few of them; then
        what became of the rows an earlier index made for such files."""
        lines = [f"{sk.count} left out: {sk.reason} (e.g. {', '.join(sk.examples)})" for sk in self.skipped]
        if self.removed:
            eg = ", ".join(printable(rel) for rel in self.removed_names[:MAX_EXAMPLES])
            lines.append(f"{self.removed} listed by an earlier index removed from the list (left out now, "
                         f"and no review work on {'it' if self.removed == 1 else 'them'}): {eg}"
                         f"{', ...' if self.removed > MAX_EXAMPLES else ''}")
        if self.kept_left_out:
            n = len(self.kept_left_out)
            eg = ", ".join(printable(rel) for rel in self.kept_left_out[:MAX_EXAMPLES])
            lines.append(f"{n} kept in the list as unreadable though left out now, for the review work on "
                         f"{'it' if n == 1 else 'them'} (labels, caption, status, suggestions or history): {eg}")
        return lines


def scan(
    store: Store,
    root: Path,
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    batch_size: int = 5000,  # files per transaction: each commit is an fsync
    allow_empty: bool = False,
) -> ScanResult:
    """List the folder and bring the image table in line with it.

    New files are added (headers pending), changed ones re-queued for headers (a file
    whose time moved but not its size is read and compared with its stored digest first:
    the same content only takes the new time, :func:`_same_content`),
    vanished ones marked ``missing`` (their annotations stay), returning ones get
    their review status back, and files moved or renamed within the project keep their
    row (:mod:`.store.repo_moves`). Files are not opened. A cancelled scan marks nothing
    missing outside the folders it finished.

    A folder whose listing digest matches the one stored at the last scan is skipped
    without a query; the others are compared file by file, and their changes and new
    digest are committed together, a few thousand files per transaction.

    A listing with no file at all, where the project holds present images (an unmounted
    share's empty mount folder), raises :class:`NothingListed` before anything is written,
    unless ``allow_empty`` (the images really were all deleted).
    """
    token = token or CancelToken()
    with store.read() as s:
        stored = rf.folder_digests(s)
        # rows not covered by any digest (a project indexed before digests existed)
        # mean a folder without a digest may still hold rows
        digested = rf.digested_file_count(s)
        total, present = rf.image_counts(s)
        undigested = total > digested
        # after a full scan every listed file has a present row; more listed files than
        # present rows means a folder's digest counts a file whose row is marked missing
        # (two indexers at once, in an older version, marked a renamed folder's rows
        # missing at their new paths): compare those folders file by file again
        recheck = rf.folders_with_missing(s) & stored.keys() if digested > present else set()
        made_at = rf.project_root(s)
    result = ScanResult()
    report = WalkReport()
    seen: set[str] = set()
    pending: list[FolderListing] = []
    pending_files = 0
    progress(Progress("scan", 0, None, "listing files"))
    for folder in walk_folders(root, token, report):
        seen.add(folder.relpath)
        result.seen += folder.count
        if stored.get(folder.relpath) == folder.digest and folder.relpath not in recheck:
            continue
        pending.append(folder)
        pending_files += folder.count + 1
        # nothing is written until a file is listed: an empty listing may be refused
        if pending_files >= batch_size and result.seen:
            _apply(store, root, pending, stored, undigested, result, report.not_images, token, progress)
            pending, pending_files = [], 0
            progress(Progress("scan", result.seen, None, f"{result.seen} files listed"))
    if not result.seen and present and not allow_empty:
        elsewhere = f" (the project was made from {made_at})" if made_at and made_at != str(root) else ""
        raise NothingListed(
            f"{root} lists none of the project's {present} images{elsewhere}; is the share mounted? "
            f"nothing was marked missing (if the images really were all deleted, "
            f"`llmvis index --allow-empty` marks them missing)")
    _apply(store, root, pending, stored, undigested, result, report.not_images, token, progress)
    if report.not_images:
        _left_out_missing(store, report.not_images, result)
    result.unreadable_folders = list(report.unreadable)
    result.skipped = list(report.skipped.values())
    blocked = tuple(rel for rel, _ in report.unreadable)
    gone = [
        rel for rel in stored
        if rel not in seen and not any(rel == b or rel.startswith(b + "/") for b in blocked)
    ]
    token.check()
    # Vanished files are marked missing and moved ones relinked in one transaction; the
    # relink also runs when nothing vanished this time but missing rows have moved
    # counterparts (an older version's scan killed between the two left a renamed
    # folder's reviews on rows marked missing, and a rerun, seeing nothing new, never
    # relinked them); looking for those only reads (no write lock for a plain rescan)
    if gone or _moves_waiting(store):
        with store.write() as s:
            for rel in gone:
                rows = rf.files_in_folder(s, rel)
                # (id, path) as read: a row another indexer moved meanwhile is left alone
                result.missing += ri.mark_missing(
                    s, [(v[0], r) for r, v in rows.items() if v[3] != m.STATUS_MISSING])
            rf.forget(s, gone)
            result.moved = repo_moves.relink_moved(s)
        result.added -= min(result.added, result.moved)
        result.missing -= min(result.missing, result.moved)
    progress(Progress("scan", result.seen, result.seen, "listing done"))
    return result


def _moves_waiting(store: Store) -> bool:
    with store.read() as s:
        return bool(repo_moves.find_moves(s))


def _same_content(store: Store, root: Path, folders: list[FolderListing], stored: dict, undigested: bool,
                  result: ScanResult, token: CancelToken, progress: ProgressFn) -> dict[int, tuple]:
    """The listed files whose size is the row's and time is not, whose content is their
    stored digest's (``images.content_sha256``): a folder copied or restored without its
    file times, or touched. id -> (relpath, size, mtime_ns stored, mtime_ns listed).
    Only those files are read, outside any transaction (a write would hold the database
    while a copied folder is read); one with no digest yet (a row from before 0015, a
    header still to read), unreadable or written to while read is left out (changed)."""
    with store.read() as s:
        maybe = []
        for folder in folders:
            rows = rf.files_in_folder(s, folder.relpath) if (folder.relpath in stored or undigested) else {}
            for rel, size, mtime in folder.files if rows else ():
                old = rows.get(rel)
                if old is not None and old[1] == size and not same_mtime(old[2], mtime):
                    maybe.append((old[0], rel, size, old[2], mtime))
        digests = repo_digests.stored(s, [r[0] for r in maybe]) if maybe else {}
    same: dict[int, tuple] = {}
    todo = [r for r in maybe if r[0] in digests]
    for n, (image_id, rel, size, was, mtime) in enumerate(todo, 1):
        token.check()
        FOREGROUND.yield_to()
        try:
            got = file_sha256_stat(root / rel)
        except OSError:
            got = None
        if got is not None and got[0] == digests[image_id] and got[1] == size and same_mtime(got[2], mtime):
            same[image_id] = (rel, size, was, mtime)
        if n % 200 == 0 or n == len(todo):
            progress(Progress("scan", result.seen, None, f"{n}/{len(todo)} files with a new time compared"))
    return same


def _apply(store: Store, root: Path, folders: list[FolderListing], stored: dict, undigested: bool,
           result: ScanResult, not_images: frozenset[str] | set[str] = frozenset(),
           token: Optional[CancelToken] = None, progress: ProgressFn = no_progress) -> None:
    """Compare changed folders with their rows; write the differences and new digests.
    ``not_images``: files present but left out (a DICOMDIR): their rows are not missing
    (:mod:`.store.repo_left_out`)."""
    if not folders:
        return
    same = _same_content(store, root, folders, stored, undigested, result, token or CancelToken(), progress)
    with store.write() as s:
        new, changed, back, gone, retimed = [], [], [], [], []
        rows_left_out: dict = {}
        for folder in folders:
            rows = rf.files_in_folder(s, folder.relpath) if (folder.relpath in stored or undigested) else {}
            if not rows:  # a folder the index has never seen: every file is new
                new.extend(folder.files)
                continue
            listed = set()
            for rel, size, mtime in folder.files:
                listed.add(rel)
                old = rows.get(rel)
                if old is None:
                    new.append((rel, size, mtime))
                elif same.get(old[0]) == (rel, old[1], old[2], mtime):  # (the row as compared)
                    retimed.append((old[0], rel, mtime))
                    if old[3] == m.STATUS_MISSING:
                        back.append((old[0], rel))
                elif old[1] != size or not same_mtime(old[2], mtime):
                    changed.append((old[0], rel, size, mtime))
                elif old[3] == m.STATUS_MISSING:
                    back.append((old[0], rel))
            rows_left_out.update((rel, v) for rel, v in rows.items() if rel in not_images)
            gone.extend((v[0], rel) for rel, v in rows.items()
                        if rel not in listed and rel not in not_images and v[3] != m.STATUS_MISSING)
        ri.insert_new(s, new)
        ri.mark_changed(s, changed)
        repo_digests.retime(s, retimed)
        restored = ri.restore_present(s, back)
        missing = ri.mark_missing(s, gone)
        if rows_left_out:
            removed, kept = repo_left_out.drop_unworked(s, [(v[0], rel) for rel, v in rows_left_out.items()])
            result.removed += len(removed)
            result.removed_names += removed[:MAX_EXAMPLES - len(result.removed_names)]
            result.kept_left_out += [rel for _, rel in kept]
            # one an earlier run marked missing is there: listed again (read again, as before)
            was_missing = {(v[0], rel) for rel, v in rows_left_out.items() if v[3] == m.STATUS_MISSING}
            restored += ri.restore_present(s, [row for row in kept if row in was_missing])
            # a folder holding a kept row is compared again at every index (its listing, which
            # leaves the file out, says nothing of it: deleted, it would not be called missing)
            held = {rel.rpartition("/")[0] for _, rel in kept}
        else:
            held = set()
        rf.save_digests(s, [(f.relpath, f.count, RECHECK if f.relpath in held else f.digest) for f in folders])
    result.added += len(new)
    result.changed += len(changed)
    result.retimed += len(retimed)
    result.restored += restored
    result.missing += missing


def _left_out_missing(store: Store, not_images: set[str], result: ScanResult) -> None:
    """Rows marked missing of files present but left out (a DICOMDIR an earlier run marked
    missing; its folder's listing, which leaves it out, is unchanged, so :func:`_apply`
    never sees it): removed without work on them, listed again with it."""
    with store.read() as s:
        stale = repo_left_out.missing_rows(s, not_images)
    if not stale:
        return
    with store.write() as s:
        removed, kept = repo_left_out.drop_unworked(s, stale)
        result.restored += ri.restore_present(s, kept)
        repo_left_out.recheck_folders(s, sorted({rel.rpartition("/")[0] for _, rel in kept}), RECHECK)
    result.removed += len(removed)
    result.removed_names += removed[:MAX_EXAMPLES - len(result.removed_names)]
    result.kept_left_out += [rel for _, rel in kept]


def _requeue_too_large(store: Store, limit: int) -> bool:
    """Images recorded as over the pixel limit are read again when the limit is not the
    one they were refused under (the setting was raised, or a team's other machine has
    another); nothing is written otherwise. True when any were queued."""
    with store.read() as s:
        if not rh.too_large_done(s, TOO_LARGE) or rh.header_pixel_limit(s) == limit:
            return False
    with store.write() as s:
        return rh.requeue_too_large(s, TOO_LARGE) > 0


def _requeue_older_reader(store: Store) -> None:
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
    with store.write() as s:
        rh.requeue_formats(s, formats)
        rh.remember_header_reader(s, READER_VERSION)


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
    error: :func:`.imaging.errors.is_transient`) leaves the header pending, so the next
    run tries again whatever the folder digests say. An image over the pixel limit is
    done (not pending for good, read again at every index) until the limit is another
    (:func:`_requeue_too_large`). Returns how many were read.

    Once all are read, a new file whose content is a missing row's (a folder copied without
    its file times, then a file moved or renamed in it) takes that row, its review and
    history (:func:`.store.repo_moves.relink_same_content`): counted in ``result`` as moved,
    not added nor missing. It costs no read: the pass hashes the new files anyway.
    """
    from .imaging.errors import ImageReadError, is_transient
    from .imaging.reader import DEFAULT_MAX_PIXELS

    token = token or CancelToken()
    root = Path(root)
    _requeue_older_reader(store)
    with store.read() as s:
        total = rh.count_pending_headers(s)
    done = 0
    last_id = 0
    hashed: list[int] = []  # rows given a digest by this pass (candidates of a move by content)
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    limit = int(max_pixels or DEFAULT_MAX_PIXELS)
    if _requeue_too_large(store, limit):
        with store.read() as s:
            total = rh.count_pending_headers(s)
    progress(Progress("headers", 0, total, "reading image headers"))
    while True:
        token.check()
        with store.read() as s:
            todo = rh.pending_headers(s, last_id, batch_size)
            held = repo_digests.sizes_and_times(s, [i for i, _ in todo]) if todo else {}
        if not todo:
            break
        ok, failed, retry, digests = [], [], [], []
        read = 0
        for image_id, rel in todo:
            # a cancel is looked at before each file and between a hash's blocks (a batch of
            # files up to 64 MiB, each read whole, made it wait behind GBs); the file in
            # flight is dropped, those read before it are stored below
            if token.cancelled:
                break
            FOREGROUND.yield_to()
            meta, digest = _header_and_digest(image_id, root / rel, held.get(image_id), kwargs, token)
            if token.cancelled:
                break
            read += 1
            if isinstance(meta, ImageReadError):
                # too large is the file's state under this limit: done until the limit changes
                again = is_transient(meta.reason) and not meta.reason.startswith(TOO_LARGE)
                (retry if again else failed).append((image_id, meta.reason))
                if again:  # (not there to read, or not for us)
                    continue
            elif isinstance(meta, Exception):  # a reader bug must not stop the index
                failed.append((image_id, f"unexpected error: {type(meta).__name__}: {meta}"))
            else:
                if meta.undecodable:  # its tags are read, its pixels no installed decoder reads:
                    retry.append((image_id, meta.undecodable))  # "error" (nobody can see it), read again next index
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
        with store.write() as s:
            rh.store_headers(s, ok, failed, retry)
            repo_digests.save(s, digests)
            hashed += [d[0] for d in digests]
            if any(reason.startswith(TOO_LARGE) for _, reason in failed):
                rh.remember_header_limit(s, limit)  # the limit these were refused under
        token.check()  # (cancelled within the batch: what it read is kept)
        last_id = todo[-1][0]
        done += read
        progress(Progress("headers", done, total, f"{done}/{total} headers"))
    _relink_same_content(store, hashed, result)
    return done


def _relink_same_content(store: Store, hashed: list[int], result: Optional[ScanResult]) -> None:
    """Missing rows relinked to new files of the same content (see :func:`read_headers`);
    nothing is written when none are found."""
    if not hashed:
        return
    with store.read() as s:
        if not repo_moves.find_content_moves(s, hashed):
            return
    with store.write() as s:
        moved = repo_moves.relink_same_content(s, hashed)
    if result is not None:
        result.moved += moved
        result.added -= min(result.added, moved)
        result.missing -= min(result.missing, moved)
