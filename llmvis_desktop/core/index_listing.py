"""The listing pass of the folder index: list the folder, bring the image table in line.

Files are not opened, but for those whose time moved and size did not (read and compared
with their stored digest). Each batch of folders is its own transaction, so a killed
process loses at most the batch in flight and the next run carries on from what was
committed. A transaction that finds the database held by another writer waits for it
(:mod:`.index_writes`). The header pass that follows it is :func:`.indexer.read_headers`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .hashing import file_sha256_stat
from .imaging.scan import MAX_EXAMPLES, FolderListing, Skipped, WalkReport, printable, walk_folders
from .index_writes import index_write
from .store import models as m
from .store import repo_digests, repo_left_out, repo_moves
from .store import repo_folders as rf
from .store import repo_images as ri
from .store.engine import Store
from .tasks import FOREGROUND, CancelToken, Progress, ProgressFn, no_progress

#: units a file system or share keeps modification times in, finest first after the
#: nanosecond: SMB/NTFS 100 ns, some NFS servers and macOS 1 µs, ext3/HFS+ exports 1 ms
#: and 1 s, FAT 2 s. One share seen from two machines' mounts shows each file's time in
#: the coarser unit on one of them.
MTIME_UNITS_NS = (100, 1_000, 1_000_000, 1_000_000_000, 2_000_000_000)
#: the digest saved for a folder to be compared file by file at every index (no listing has it)
RECHECK = "recheck"
#: what the listing found of a file whose time moved and size did not, when its content is
#: not the same (the ``content`` of its ``file_changed`` event): read and found to differ
#: from its digest, or not compared, having no digest (a row from before 0015, a header
#: still to read, a file over the hash limit) or not read whole (unreadable, written to
#: while read)
CONTENT_DIFFERS, NO_DIGEST, NOT_READ = "differs", "no digest", "unreadable"


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


#: how many of the files that failed again the same way a ScanResult names
FAILED_AGAIN_NAMED = 20


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
    # of those, files read again after a failure that may pass (permission denied, an I/O
    # error, no decoder installed) that failed again the same way: their rows as they were
    failed_again: int = 0
    #: (relpath, why) of the first :data:`FAILED_AGAIN_NAMED` of them (`llmvis index` names them)
    failed_again_files: list[tuple[str, str]] = field(default_factory=list)
    by_status: dict = field(default_factory=dict)  # the images by status as the index ended
    # the images marked missing by this index that a person had reviewed or rejected (their
    # review is kept, under Missing): ids as marked, and (``Project.index``) how many are
    # still missing at its end (a file found moved takes its row back)
    missing_decided_ids: list[int] = field(default_factory=list, repr=False)
    missing_decided: int = 0
    # markers of repair saves killed before their record (absolute paths): the project
    # settles them after the scan (:func:`.repair.pending.settle`)
    dead_repairs: list[str] = field(default_factory=list, repr=False)
    #: seconds the index waited in all for the project database another writer held
    #: (``Project.index``: the job's end says it, :func:`.store.db_wait.waited_note`)
    waited_s: float = 0.0

    @property
    def rows_changed(self) -> bool:
        """Whether this index changed a row a list of the images shows: new, changed,
        retimed, missing, restored, moved or removed rows, or headers read (but for files
        that failed again as before: a file still locked, a DICOM still without a decoder)."""
        return bool(self.added or self.changed or self.retimed or self.missing or self.restored
                    or self.moved or self.removed or self.kept_left_out
                    or self.headers_read > self.failed_again)

    def left_out_lines(self) -> list[str]:
        """What the index did not list, one line each: the folders it could not read, then
        :meth:`skipped_lines` (a job that indexes first says them: its images get no work)."""
        return [f"folder not listed: {folder}: {why}" for folder, why in self.unreadable_folders] + self.skipped_lines()

    def left_out_summary(self) -> dict:
        """:meth:`left_out_lines` as ``llmvis index --json`` gives them."""
        return {"unreadable_folders": [f"{folder}: {why}" for folder, why in self.unreadable_folders],
                "skipped": [{"count": sk.count, "reason": sk.reason, "examples": sk.examples} for sk in self.skipped]}

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

    Given a ``token``, a transaction that finds the database held by another writer past
    its wait waits for it (said as a ``Progress.waiting`` report; ``token`` cancels the
    wait) and goes on (:mod:`.index_writes`); without one (nobody could cancel the wait)
    it fails as before.
    """
    waits, token = token, token or CancelToken()
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
            _apply(store, root, pending, stored, undigested, result, report.not_images, token, progress,
                   wait=waits is not None)
            pending, pending_files = [], 0
            progress(Progress("scan", result.seen, None, f"{result.seen} files listed"))
    if not result.seen and present and not allow_empty:
        elsewhere = f" (the project was made from {made_at})" if made_at and made_at != str(root) else ""
        raise NothingListed(
            f"{root} lists none of the project's {present} images{elsewhere}; is the share mounted? "
            f"nothing was marked missing (if the images really were all deleted, "
            f"`llmvis index --allow-empty` marks them missing)")
    _apply(store, root, pending, stored, undigested, result, report.not_images, token, progress,
           wait=waits is not None)
    if report.not_images:
        _left_out_missing(store, report.not_images, result, waits, progress)
    result.unreadable_folders = list(report.unreadable)
    result.skipped = list(report.skipped.values())
    result.dead_repairs = list(report.dead_repairs)
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
        def mark_gone(s) -> tuple[int, list[int], int]:
            missing, decided = 0, []
            for rel in gone:
                rows = rf.files_in_folder(s, rel)
                # (id, path) as read: a row another indexer moved meanwhile is left alone
                missing += ri.mark_missing(
                    s, [(v[0], r) for r, v in rows.items() if v[3] != m.STATUS_MISSING], decided)
            rf.forget(s, gone)
            return missing, decided, repo_moves.relink_moved(s)

        missing, decided, result.moved = index_write(store, mark_gone, waits, progress,
                                                     Progress("scan", result.seen, None))
        result.missing += missing
        result.missing_decided_ids += decided
        result.added -= min(result.added, result.moved)
        result.missing -= min(result.missing, result.moved)
    progress(Progress("scan", result.seen, result.seen, "listing done"))
    return result


def scan_folder(store: Store, root: Path, rel_dir: str, token: Optional[CancelToken] = None,
                progress: ProgressFn = no_progress) -> ScanResult:
    """List the one folder ``rel_dir`` (relative posix path, "" the root; its subfolders
    not entered) and bring its rows and digest in line with it, as :func:`scan` does for
    that folder: what a saved repair indexes of its own folder, where a scan walked the
    whole project (every folder of a 100k-image project listed and stat-ed for one file).
    Moved files are relinked as :func:`scan` relinks them. A folder the walk would not
    list (hidden, gone, unreadable) is left alone: an empty result. Given a ``token``,
    the database held by another writer is waited for as :func:`scan` waits for it."""
    waits, token = token, token or CancelToken()
    report = WalkReport()
    parts = [part for part in rel_dir.split("/") if part]
    if any(part.startswith(".") or not part.isascii() and not _utf8(part) for part in parts):
        return ScanResult()  # (hidden, or a name no database stores: the walk never enters it)
    listed = list(walk_folders(root, token, report, only=rel_dir))
    result = ScanResult(unreadable_folders=list(report.unreadable), dead_repairs=list(report.dead_repairs))
    if not listed:
        return result
    with store.read() as s:
        stored = rf.folder_digests_of(s, [rel_dir])
        total, _ = rf.image_counts(s)
        undigested = total > rf.digested_file_count(s)
    result.seen = listed[0].count
    _apply(store, root, listed, stored, undigested, result, report.not_images, token, progress,
           wait=waits is not None)
    result.skipped = list(report.skipped.values())
    if _moves_waiting(store):
        result.moved = index_write(store, repo_moves.relink_moved, waits, progress, Progress("scan", result.seen, None))
        result.added -= min(result.added, result.moved)
        result.missing -= min(result.missing, result.moved)
    return result


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _moves_waiting(store: Store) -> bool:
    with store.read() as s:
        return bool(repo_moves.find_moves(s))


def _same_content(store: Store, root: Path, folders: list[FolderListing], stored: dict, undigested: bool,
                  result: ScanResult, token: CancelToken,
                  progress: ProgressFn) -> tuple[dict[int, tuple], dict[int, tuple]]:
    """The listed files whose size is the row's and time is not, whose content is their
    stored digest's (``images.content_sha256``): a folder copied or restored without its
    file times, or touched. id -> (relpath, size, mtime_ns stored, mtime_ns listed).
    Only those files are read, outside any transaction (a write would hold the database
    while a copied folder is read); one with no digest yet (a row from before 0015, a
    header still to read), unreadable or written to while read is left out (changed).
    Then, of the others, why: id -> (the same four, :data:`CONTENT_DIFFERS`,
    :data:`NO_DIGEST` or :data:`NOT_READ`), for their history."""
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
    why = {r[0]: (*r[1:], NO_DIGEST) for r in maybe if r[0] not in digests}
    todo = [r for r in maybe if r[0] in digests]
    for n, (image_id, rel, size, was, mtime) in enumerate(todo, 1):
        token.check()
        FOREGROUND.yield_to()
        try:
            got = file_sha256_stat(root / rel)
        except OSError:
            got = None
        if got is not None and got[1] == size and same_mtime(got[2], mtime):
            if got[0] == digests[image_id]:
                same[image_id] = (rel, size, was, mtime)
            else:
                why[image_id] = (rel, size, was, mtime, CONTENT_DIFFERS)
        else:  # not read, or not whole as listed (written to meanwhile): not compared
            why[image_id] = (rel, size, was, mtime, NOT_READ)
        if n % 200 == 0 or n == len(todo):
            progress(Progress("scan", result.seen, None, f"{n}/{len(todo)} files with a new time compared"))
    return same, why


def _apply(store: Store, root: Path, folders: list[FolderListing], stored: dict, undigested: bool,
           result: ScanResult, not_images: frozenset[str] | set[str] = frozenset(),
           token: Optional[CancelToken] = None, progress: ProgressFn = no_progress, wait: bool = False) -> None:
    """Compare changed folders with their rows; write the differences and new digests.
    ``not_images``: files present but left out (a DICOMDIR): their rows are not missing
    (:mod:`.store.repo_left_out`). ``wait``: the database held by another writer is
    waited for (:mod:`.index_writes`; else the write fails as before)."""
    if not folders:
        return
    token = token or CancelToken()
    same, why = _same_content(store, root, folders, stored, undigested, result, token, progress)

    def write(s) -> _Applied:
        """One try (:mod:`.index_writes`): what it wrote, counted once it is stored."""
        new, changed, back, gone, retimed = [], [], [], [], []
        compared: dict[int, str] = {}  # same size, new time, content not the same: why (its event says)
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
                    verdict = why.get(old[0])
                    if verdict is not None and verdict[:4] == (rel, old[1], old[2], mtime):  # (as compared)
                        compared[old[0]] = verdict[4]
                elif old[3] == m.STATUS_MISSING:
                    back.append((old[0], rel))
            rows_left_out.update((rel, v) for rel, v in rows.items() if rel in not_images)
            gone.extend((v[0], rel) for rel, v in rows.items()
                        if rel not in listed and rel not in not_images and v[3] != m.STATUS_MISSING)
        ri.insert_new(s, new)
        ri.mark_changed(s, changed, compared)
        repo_digests.retime(s, retimed)
        done = _Applied(len(new), len(changed), len(retimed), ri.restore_present(s, back))
        done.missing = ri.mark_missing(s, gone, done.decided)
        if rows_left_out:
            done.removed, kept = repo_left_out.drop_unworked(s, [(v[0], rel) for rel, v in rows_left_out.items()])
            done.kept = [rel for _, rel in kept]
            # one an earlier run marked missing is there: listed again (read again, as before)
            was_missing = {(v[0], rel) for rel, v in rows_left_out.items() if v[3] == m.STATUS_MISSING}
            done.restored += ri.restore_present(s, [row for row in kept if row in was_missing])
            # a folder holding a kept row is compared again at every index (its listing, which
            # leaves the file out, says nothing of it: deleted, it would not be called missing)
            held = {rel.rpartition("/")[0] for _, rel in kept}
        else:
            held = set()
        rf.save_digests(s, [(f.relpath, f.count, RECHECK if f.relpath in held else f.digest) for f in folders])
        return done

    done = index_write(store, write, token if wait else None, progress, Progress("scan", result.seen, None))
    result.added += done.added
    result.changed += done.changed
    result.retimed += done.retimed
    result.restored += done.restored
    result.missing += done.missing
    result.missing_decided_ids += done.decided
    result.removed += len(done.removed)
    result.removed_names += done.removed[:MAX_EXAMPLES - len(result.removed_names)]
    result.kept_left_out += done.kept


@dataclass
class _Applied:
    """What one of :func:`_apply`'s transactions wrote: counted in its result once stored."""

    added: int
    changed: int
    retimed: int
    restored: int
    missing: int = 0
    decided: list[int] = field(default_factory=list)  # of the missing, reviewed or rejected
    removed: list[str] = field(default_factory=list)  # left-out files' rows removed
    kept: list[str] = field(default_factory=list)  # those kept for the work on them


def _left_out_missing(store: Store, not_images: set[str], result: ScanResult, token: CancelToken | None,
                      progress: ProgressFn) -> None:
    """Rows marked missing of files present but left out (a DICOMDIR an earlier run marked
    missing; its folder's listing, which leaves it out, is unchanged, so :func:`_apply`
    never sees it): removed without work on them, listed again with it."""
    with store.read() as s:
        stale = repo_left_out.missing_rows(s, not_images)
    if not stale:
        return

    def write(s) -> tuple[list[str], list, int]:
        removed, kept = repo_left_out.drop_unworked(s, stale)
        restored = ri.restore_present(s, kept)
        repo_left_out.recheck_folders(s, sorted({rel.rpartition("/")[0] for _, rel in kept}), RECHECK)
        return removed, kept, restored

    removed, kept, restored = index_write(store, write, token, progress, Progress("scan", result.seen, None))
    result.restored += restored
    result.removed += len(removed)
    result.removed_names += removed[:MAX_EXAMPLES - len(result.removed_names)]
    result.kept_left_out += [rel for _, rel in kept]
