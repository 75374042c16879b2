"""The batch job's three stages, each on its own thread or process: read images
(helper processes, or a helper thread), infer (the model thread), commit (a helper
thread). The job's own thread hands batches from one stage to the next.

- **Reading** (:mod:`.reading`: one helper thread, or helper processes) runs up to
  :data:`READ_AHEAD` batches ahead of the model, plus one per extra reader process;
  image records load a page of batches at a time (one query, not one per batch; the
  first batch's alone, so that its reading starts sooner). The first batch is read in
  parts, one per reader process, since the model waits for it.
- **Inference**: the next batch is queued to the model thread as soon as its images
  are read, before the current batch's results are collected, so the model thread
  goes from one batch to the next without waiting on the job's thread. While the next
  batch is still being read, the job's thread collects and reports the model's batch
  first (a check that costs no wait), so progress counts a batch as soon as the model
  finished it, not once the next one was read. Other work queued
  to the model thread (the GUI's "ask the image") still gets its turn between batches.
  Handing the model thread batches before they were read, for it to take their pixels
  from the readers itself, saved 2 ms on the first batch of a 32-PNG job (one thread
  woken less) but made the job 3.6% slower over 40 interleaved runs (the job's thread
  then read the later batches off the pipes beside the model): not kept.
- **Cores**: when the model runs on the CPU, the cores are shared between reading and
  the model by measuring both (:mod:`.cores`): torch gets fewer threads, and fewer
  batches are read at once, only when reading needs a core to keep pace.
  Giving torch back the readers' cores for the batches inferred once every image was
  read (a tiny model's batch alone: 8.8 ms on 2 threads, 14.1 on 1) made a 32-PNG job
  13-19% slower, interleaved with the code without it on a quiet 2-core machine (the
  thread count switched up and down again each job): not kept. Nor was handing a read
  batch to the model before the next page of records is loaded: 0.2-2.6% slower.
- **Committing**: whole batches are buffered and stored on a helper thread, one
  commit at a time, at most every :data:`COMMIT_EVERY_S` seconds. The model never
  waits on the database. Committing every batch instead made a tiny model's job
  slower: each commit (SQLAlchemy, fsync) cost about as much as inferring a batch,
  and it competes with the model for the interpreter lock. A killed job loses at
  most the batches of the last ``COMMIT_EVERY_S`` plus one commit. Committing as soon
  as every batch was read, beside the model's last batches, was 2 ms slower for a
  32-image job (the same contention). A commit that finds the database held by another
  writer past its wait keeps its rows, and the job waits for the database and goes on
  (:mod:`..store.db_wait`).

On cancel or error, queued batches are dropped, the running one finishes, and every
result inferred is committed before the exception leaves :func:`run_batches` (once the
database was found held, that last commit waits a second at most; what it cannot store
is left out whole, for a run again).
"""
from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from typing import Callable, Optional, Sequence

from ..project import Project
from ..store import db_wait
from ..store import models as m
from ..store.records import ImageRecord, NewSuggestion
from ..tasks import CancelToken
from .cores import CoreShare
from .reading import read_cpu

log = logging.getLogger(__name__)

COMMIT_EVERY_S = 0.5
READ_AHEAD = 2  # batches read ahead of the one the model works on
IN_FLIGHT = 2  # batches queued to the model thread at once (one running, one waiting)
PAGE_BATCHES = 16  # image records are loaded for this many batches per query

#: runs on the model thread: (records, images) -> suggestion rows
InferFn = Callable[[list, list], list[NewSuggestion]]
#: after each batch: (records inferred, rows, [(relpath, why)] unreadable, images in the batch)
DoneFn = Callable[[list, list[NewSuggestion], list, int], None]

_UNREADABLE = (m.STATUS_MISSING, m.STATUS_ERROR)


class GroupCommitter:
    """Stores suggestion rows on a helper thread, one commit at a time, at most every
    ``every`` seconds (0: whenever the previous commit has finished).

    A commit that found the database held by another writer past its wait (SQLite's busy
    timeout, PostgreSQL's lock timeout, a deadlock or serialization failure) keeps its
    rows; the job's thread then waits for the database, trying again with a backoff, and
    goes on once they are stored (:mod:`..store.db_wait`: why there is no limit). ``token``: a
    cancel stops that wait within about a second; ``on_wait(message, waiting)``: what the
    job says while it waits (``waiting`` True) and once it is over (False)."""

    def __init__(self, project: Project, every: float = COMMIT_EVERY_S, skip_done: bool = False,
                 labels_as_of=None, token: Optional[CancelToken] = None,
                 on_wait: Optional[Callable[[str, bool], None]] = None) -> None:
        self._project = project
        self._every = every
        self._skip_done = skip_done  # see Project.add_suggestions
        self._labels_as_of = labels_as_of  # when the job read the label list it scores
        self._token = token or CancelToken()
        self._on_wait = on_wait
        # rows not stored: another job had stored the same meanwhile, or one identical is pending
        self.dropped = 0
        self.renewed = 0  # of those, the same card still pending (kept, new score and time)
        # label cards left out: the label list changed while the job ran (not in ``dropped``)
        self.stale_labels = 0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="llmvis-suggest-write")
        self._running: Optional[Future] = None
        self._running_rows: list[NewSuggestion] = []  # (kept for a try again)
        self._began = 0.0  # when the running commit began
        self._buffer: list[NewSuggestion] = []
        self._last = time.monotonic()
        self._stopping = False  # the job is ending: no commit is started before close()
        self.commits = 0
        self.stored_images: set[int] = set()  # images with rows in a finished commit (a full disk: kept)
        #: the database was found held by another writer in this job
        self.held = False
        #: seconds this job waited for the database, all its waits together
        self.waited_s = 0.0

    def add(self, rows: Sequence[NewSuggestion]) -> None:
        """Buffer ``rows``; start a commit if it is time and none is running. A failed
        commit raises here, with its own error; one that found the database held waits
        here until its rows are stored (or the job is cancelled)."""
        self._buffer.extend(rows)
        if self._stopping:
            return
        if time.monotonic() - self._last >= self._every and (self._running is None or self._running.done()):
            self._start()

    def _start(self) -> None:
        self._collect()
        if self._buffer:
            rows, self._buffer = self._buffer, []
            self._running_rows, self._began = rows, time.monotonic()
            self._running = self._pool.submit(self._store, rows)
            self._last = time.monotonic()
            self.commits += 1

    def _collect(self) -> None:
        """Wait for the running commit. One that found the database held: its rows go back
        in front of the buffer, and (unless the job is stopping) they are waited in."""
        if self._running is None:
            return
        done, self._running = self._running, None
        rows, self._running_rows = self._running_rows, []
        try:
            done.result()
        except Exception as exc:
            kind = db_wait.wait_kind(exc)
            if kind is None:
                raise
            self._buffer[:0] = rows
            self.held = True
            if not self._stopping:
                self._wait_out(kind, self._began)

    def _wait_out(self, kind: str, since: float) -> None:
        """On the job's thread: the database was held past the wait of the commit begun at
        ``since``; every buffered row is tried again until stored (:func:`..store.db_wait.wait_out`:
        the backoff, the words). A cancel raises :class:`Cancelled` (the rows stay
        buffered); any other failure of a try raises at once."""
        from ..store.engine import describe_url

        def attempt() -> None:
            rows, self._buffer = self._buffer, []
            try:
                self._store(rows)
            except Exception:
                self._buffer[:0] = rows
                raise
            self.commits += 1
            self._last = time.monotonic()
            self.waited_s += self._last - since

        self.held = True
        db_wait.wait_out(attempt, kind, describe_url(self._project.db_url), since, self._token,
                         self._on_wait or (lambda message, waiting: None))

    def _store(self, rows: list[NewSuggestion]) -> None:
        """On the writer thread (one commit at a time), or the job's while it waits."""
        stats: dict = {}
        stored = self._project.add_suggestions(rows, self._skip_done, supersede=True, stats=stats,
                                               labels_as_of=self._labels_as_of)
        stale = stats.get("stale_labels", 0) + stats.get("unknown_label", 0)
        self.stale_labels += stale
        self.dropped += len(rows) - len(stored) - stale
        self.stored_images.update(r.image_id for r in rows)  # dropped ones: stored by another job
        self.renewed += stats.get("renewed", 0)

    def flush(self) -> None:
        """Commit everything buffered and wait until it is stored: the last commit on the
        calling thread, which would wait for the writer thread anyway (handing it over
        woke the writer, and the caller again after)."""
        self._collect()
        if self._buffer:  # (a wait stores all of it)
            rows, self._buffer = self._buffer, []
            self.commits += 1
            began = time.monotonic()
            try:
                self._store(rows)
            except Exception as exc:
                kind = db_wait.wait_kind(exc)
                if kind is None:
                    raise
                self._buffer[:0] = rows
                self._wait_out(kind, began)
            self._last = time.monotonic()

    def stopping(self) -> None:
        """The job is ending (cancelled, failed): rows added from now are kept for
        :meth:`close`, no commit is started for them."""
        self._stopping = True

    def close(self) -> None:
        """Store what is left (after a cancel or an error: best effort) and stop. Once the
        database was found held, that last commit waits :data:`..store.db_wait.TRY_WAIT_MS` at most
        (a cancel while the job waited stops it at once) and what it cannot store is left
        out whole: a run again does those images."""
        from ..store.engine import short_waits

        self._stopping = True
        rows: list = []
        try:
            self._collect()
            if self._buffer:
                rows, self._buffer = self._buffer, []
                self.commits += 1
                with short_waits(db_wait.TRY_WAIT_MS) if self.held else nullcontext():
                    self._store(rows)
        except Exception as exc:
            from ..errors import is_connection_lost, is_disk_full

            if db_wait.wait_kind(exc) is not None:  # (the job says what it stored)
                log.info("suggest: %d suggestions were not stored: the project database is still held", len(rows))
            else:  # a full disk or the server gone, again: the job's own error says it (a traceback
                # on the CLI's stderr did too)
                (log.debug if is_disk_full(exc) or is_connection_lost(exc) else log.exception)(
                    "storing the last suggestions failed", exc_info=True)
        finally:
            self._pool.shutdown(wait=True)


class _Records:
    """The job's image records, loaded a page of batches per query."""

    def __init__(self, project: Project, chunks: Sequence[Sequence[int]]) -> None:
        self._project, self._chunks = project, chunks
        self._records: dict[int, ImageRecord] = {}

    def of(self, k: int) -> list[ImageRecord]:
        chunk = self._chunks[k]
        if any(i not in self._records for i in chunk):
            # the first batch alone (the model waits for its reading to start), then pages
            ids = [i for c in self._chunks[k:k + (1 if k == 0 else PAGE_BATCHES)] for i in c]
            self._records.update((r.id, r) for r in self._project.images(ids))
        return [self._records.pop(i) for i in chunk if i in self._records]


def run_batches(project: Project, chunks: Sequence[Sequence[int]], reader, read_args: tuple,
                infer: InferFn, worker, on_batch: DoneFn, token: CancelToken,
                share: Optional[CoreShare] = None, skip_done: bool = False,
                committer: Optional[GroupCommitter] = None) -> GroupCommitter:
    """Run every chunk of image ids through read -> infer -> commit; returns the
    committer, flushed. ``reader``: a :mod:`.reading` reader (thread or processes);
    ``read_args``: (max_pixels, max_side, draft_side, resize[, strip tiles]); ``worker``: the
    :class:`~.worker.ModelWorker` that infers; ``share``: for a model on the CPU, how
    the cores are shared between reading and the model (:mod:`.cores`); ``skip_done``:
    rows another job stored meanwhile are not stored again (``committer.dropped``);
    ``committer``: the one to store with (the caller reads what it stored when this raises)."""
    committer = committer or GroupCommitter(project, skip_done=skip_done, token=token)
    records = _Records(project, chunks)
    reads: deque = deque()  # (chunk size, readable records, unreadable, [(paths, read future)])
    infers: deque = deque()  # (inference future or None, records, unreadable, chunk size)
    next_read = 0

    def ahead() -> int:
        if share is not None:  # the plan's (one batch at a time until both stages were measured)
            return share.reads_at_once
        return READ_AHEAD + reader.parallel - 1  # every reader process busy, plus one waiting

    def timed_infer(recs, images):
        if share is None:
            return infer(recs, images)
        share.apply()
        t = time.perf_counter()
        rows = infer(recs, images)
        share.infer_done(time.perf_counter() - t, len(images))
        return rows

    def top_up() -> None:
        nonlocal next_read
        while next_read < len(chunks) and len(reads) < ahead():
            recs = records.of(next_read)
            ok = [r for r in recs if r.status not in _UNREADABLE]
            bad = [(r.relpath, r.error or r.status) for r in recs if r.status in _UNREADABLE]
            paths = [str(project.path_of(r)) for r in ok]
            # the model waits for the first batch: every reader process reads a part of it
            n = min(reader.parallel, len(paths)) if next_read == 0 else 1
            parts = [paths[len(paths) * k // n:len(paths) * (k + 1) // n] for k in range(n)] if paths else []
            reads.append((len(chunks[next_read]), ok, bad, [(p, reader.submit(p, *read_args)) for p in parts]))
            next_read += 1

    def finish_read(item) -> tuple[list, list, list]:
        size, recs, failed, parts = item
        got = [one for paths, fut in parts for one in reader.result(fut, paths, *read_args)]
        cpu = [read_cpu(fut) for _, fut in parts]
        if share is not None and got:
            share.read_done(None if None in cpu else sum(cpu), len(got))
        ok, images, failed = [], [], list(failed)
        for rec, (im, err) in zip(recs, got):
            if im is None:
                failed.append((rec.relpath, err))
            else:
                ok.append(rec)
                images.append(im)
        return ok, images, failed

    def is_read(item) -> bool:
        ready = getattr(reader, "ready", None)
        return all(ready(fut) if ready is not None else fut.done() for _, fut in item[3])

    def feed(wait: bool, room: int = IN_FLIGHT) -> None:
        """Queue read batches to the model thread, up to ``room`` of this job's. It waits for
        a read only when ``wait`` and the model has no batch of this job: otherwise the batch
        it has is collected and reported first, its reading goes on meanwhile (waiting for
        the read first held the finished batch's report back until the next batch was read)."""
        while reads and len(infers) < room and ((wait and not infers) or is_read(reads[0])):
            item = reads.popleft()
            recs, images, failed = finish_read(item)
            top_up()
            job = worker.submit(timed_infer, recs, images) if images else None
            infers.append((job, recs, failed, item[0]))

    try:
        top_up()
        while reads or infers:
            token.check()
            feed(wait=True)
            job, recs, failed, size = infers.popleft()
            rows = job.result() if job is not None else []
            # a batch read meanwhile goes to the model before this one is reported, when the
            # model has none left of this job; not more: a cancel in the report then stops
            # the job with at most one batch still running, as before
            feed(wait=False, room=IN_FLIGHT - 1)
            committer.add(rows)
            on_batch(recs, rows, failed, size)
        committer.flush()
        return committer
    finally:
        committer.stopping()  # (after a finished run: nothing is left to store)
        for *_, parts in reads:  # not collected: cancelled, or their pixels freed when they come
            for _, fut in parts:
                reader.discard(fut)
        for job, *_ in infers:  # cancelled or failed: keep what the model finishes
            if job is not None and not job.cancel():
                try:
                    committer.add(job.result())
                except Exception:  # its error was, or will be, reported by the job
                    log.debug("a batch finished after the job stopped failed", exc_info=True)
        committer.close()
        if share is not None:
            try:  # queued behind the last batch, before any later job's first one
                worker.submit(share.restore)
            except RuntimeError:  # the worker was shut down: nothing runs on it any more
                pass
