"""Incremental folder index: a fast listing pass, then a resumable header pass.

Each batch is its own transaction, so a killed process loses at most the batch in
flight and the next run carries on from what was committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .imaging.scan import WalkReport, walk_images
from .store import models as m
from .store import repo_images as ri
from .store.engine import Store
from .tasks import CancelToken, Progress, ProgressFn, no_progress


@dataclass
class ScanResult:
    seen: int = 0
    added: int = 0
    changed: int = 0
    missing: int = 0
    restored: int = 0
    unreadable_folders: list[tuple[str, str]] = field(default_factory=list)


def scan(
    store: Store,
    root: Path,
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    batch_size: int = 2000,
) -> ScanResult:
    """List the folder and bring the image table in line with it.

    New files are added (headers pending), changed ones re-queued for headers,
    vanished ones marked ``missing`` (their annotations stay), returning ones get
    their review status back. Files are not opened. A cancelled scan marks nothing
    missing.

    Files are compared as (relpath, size, mtime_ns) tuples, so an unchanged folder
    costs one set lookup per file and the database is only asked about the few
    files that differ.
    """
    token = token or CancelToken()
    with store.read() as s:
        known = ri.file_keys(s)
        was_missing = ri.missing_paths(s)
    known_paths = {k[0] for k in known}
    result = ScanResult()
    report = WalkReport()
    seen: set[tuple] = set()
    progress(Progress("scan", 0, None, "listing files"))
    for batch in walk_images(root, token, batch_size, report):
        seen.update(batch)
        differ = [e for e in batch if e not in known]
        back = [e[0] for e in batch if e[0] in was_missing and e in known] if was_missing else []
        if differ or back:
            new = [e for e in differ if e[0] not in known_paths]
            with store.write() as s:
                ids = ri.ids_for_paths(s, [e[0] for e in differ if e[0] in known_paths])
                changed = [(ids[e[0]], e[1], e[2]) for e in differ if e[0] in ids]
                ri.insert_new(s, new)
                ri.mark_changed(s, changed)
                ri.restore_present(s, list(ri.ids_for_paths(s, back).values()))
            result.added += len(new)
            result.changed += len(changed)
            result.restored += len(back)
        result.seen += len(batch)
        progress(Progress("scan", result.seen, None, f"{result.seen} files listed"))
    result.unreadable_folders = list(report.unreadable)
    blocked = tuple(rel + "/" for rel, _ in report.unreadable)
    vanished = known.difference(seen)  # gone, or changed (then seen under a new key)
    gone = []
    if vanished:
        seen_paths = {e[0] for e in seen}
        for rel, _size, _mtime in vanished:
            if rel not in seen_paths and rel not in was_missing and not rel.startswith(blocked):
                gone.append(rel)
    token.check()
    if gone:
        with store.write() as s:
            ri.mark_missing(s, list(ri.ids_for_paths(s, gone).values()))
    result.missing = len(gone)
    progress(Progress("scan", result.seen, result.seen, "listing done"))
    return result


def read_headers(
    store: Store,
    root: Path,
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    batch_size: int = 200,
    max_pixels: Optional[int] = None,
) -> int:
    """Read dimensions, bit depth and frame count of every image still pending.

    Resumable: it works through rows whose header is not yet stored, in id order.
    Unreadable files get status ``error`` with the reason. Returns how many were read.
    """
    from .imaging.errors import ImageReadError
    from .imaging.reader import read_header

    token = token or CancelToken()
    root = Path(root)
    with store.read() as s:
        total = ri.count_pending_headers(s)
    done = 0
    last_id = 0
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    progress(Progress("headers", 0, total, "reading image headers"))
    while True:
        token.check()
        with store.read() as s:
            todo = ri.pending_headers(s, last_id, batch_size)
        if not todo:
            break
        ok, failed = [], []
        for image_id, rel in todo:
            try:
                meta = read_header(root / rel, **kwargs)
            except ImageReadError as exc:
                failed.append((image_id, exc.reason))
            except Exception as exc:  # a reader bug must not stop the index
                failed.append((image_id, f"unexpected error: {type(exc).__name__}: {exc}"))
            else:
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
        with store.write() as s:
            ri.store_headers(s, ok, failed)
        last_id = todo[-1][0]
        done += len(todo)
        progress(Progress("headers", done, total, f"{done}/{total} headers"))
    return done
