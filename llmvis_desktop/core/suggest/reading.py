"""Reading image files for the models: on a helper thread, or in helper processes.

Decoding a file is mostly Python (Pillow's parsing, EXIF, conversions) around short
stretches of C, so a reader *thread* competes with the model thread for the
interpreter lock, and more reader threads do not read faster. Reader *processes*
share no lock with the model: with N of them, N batches decode at once, which is
what keeps a GPU fed on a many-core machine. A crash inside a decoder (a malformed
file hitting a bug in a C library) then takes down only its helper process: the batch
is read again one file per task, and the file that crashes its helper again is
reported as unreadable, naming the file; the job goes on.

Helper processes are started with ``spawn`` (no inherited threads, Qt or CUDA state)
the first time a job asks for them, and stay for the session (:func:`shared_read_pool`).
They also shrink images much larger than the model takes (:func:`model_image`), so the
processor's resize on the model thread has less to do, hand large batches back
through shared memory (:mod:`.handoff`), and report the CPU time each batch cost, by
which a job on the CPU shares the cores with the model (:mod:`.cores`). Each helper
has its own pipe to the job's process, with no thread between (:mod:`.reader_pool`).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Optional, Sequence

from ..errors import first_line
from . import handoff
from .job_log import MessageLog
from .reader_pool import HelperPool
from .resize import exact_size
from .strip_tiles import TILES_KEY, cut_tiles, is_tiled
from .strips import VIEW_KEY, fold

log = logging.getLogger(__name__)

MAX_SIDE = 1024  # images are shrunk to this longest side before the processor sees them
CRASHED = "the image decoder crashed on this file (its helper process died)"
#: test hook: a helper process reading a path containing this text dies on it as if it crashed (after reading
#: the files before it in its batch)
CRASH_ENV = "LLMVIS_TEST_READER_CRASH_ON"


def model_image(path, max_pixels: Optional[int] = None, max_side: int = MAX_SIDE,
                draft_side: Optional[int] = None, resize: Optional[tuple] = None,
                frame: int = 0, window: Optional[tuple] = None, tiles: Optional[tuple] = None):
    """The image as the model sees it: the 8-bit display rendering, RGB, orientation applied,
    no larger than ``max_side``; ``frame`` of a multi-frame file, shown through
    ``window`` (center, width) when given, else the file's own.

    ``resize`` (:func:`.resize.reader_resize`): the resize the model's processor does
    first, done here instead, exactly as the processor would (the processor then leaves
    the image as it is, so its output is the same bit for bit; a model load checks that
    on probe images). This moves the resize off the model thread, and into the reader
    processes, and skips the ``max_side`` step: 0.55 ms per 320x240 image for a 32-px model.

    Without it, ``draft_side`` (the side the model's processor resizes to): an image much
    larger than that is shrunk by a whole factor first, keeping both sides at least twice
    ``draft_side``, resized (bicubic, as the processors do) to 1/k in this (helper)
    process. The processor's own resize on the model thread then starts from at most
    twice its output: 5.6 -> 1.6 ms for 8 images 320x240 -> 32 px. The model's input
    differs from resizing the full image by 0.2-0.3 of 255 on average
    (tests/core/test_suggest_reading.py). Block averaging (``Image.reduce``) was 5-8x
    cheaper but shifted the picture where k does not divide the size: 1.4-7 of 255 on
    average. Either way a large JPEG is decoded at reduced scale (no smaller than
    ``draft_side``).

    ``tiles`` (a zero-shot labeler's, :func:`.strip_tiles.cut_tiles`): a line-scan strip,
    decoded at full size, also gives the tiles the labeler scores, in ``info``
    (:data:`.strip_tiles.TILES_KEY`), so the strip is read once."""
    from PIL import Image

    from ..imaging.reader import DEFAULT_MAX_PIXELS, read_display_image, read_image

    limit, draft = max_pixels or DEFAULT_MAX_PIXELS, min(draft_side or max_side, max_side)
    fold_side = min(max_side, 2 * draft_side) if draft_side else max_side
    got = None
    if frame == 0 and window is None and str(path).lower().endswith((".tif", ".tiff")):
        from .strip_input import strip_model_input

        # a large TIFF strip: folded and cut into tiles band by band, never held whole
        got = strip_model_input(path, limit, fold_side, tiles)
    if got is not None:
        im, view, cut = got
    else:
        if frame == 0 and window is None:  # a plain 8-bit file skips the trip through numpy
            im = read_display_image(path, max_pixels=limit, draft_side=draft)
        else:
            im = Image.fromarray(read_image(path, max_pixels=limit, draft_side=draft, frame=frame,
                                            window=window).display)
        if im.mode != "RGB" and not (im.mode == "L" and is_tiled(*im.size)):  # (a gray strip: once shrunk)
            im = im.convert("RGB")
        cut = _cut(im, path, limit, tiles) if tiles and frame == 0 and window is None else None
        # a line-scan strip: folded into a square-ish image (:mod:`.strips`), not a sliver
        im, view = fold(im, fold_side)
    size = exact_size(resize, im.size) if resize else None
    if size is not None:
        im = im.resize(size, resize[3])
    else:
        if draft_side:
            factor = min(im.size) // (2 * draft_side)
            if factor >= 2:
                im = im.resize((round(im.width / factor), round(im.height / factor)), Image.BICUBIC,
                               reducing_gap=2.0)
        if max(im.size) > max_side:
            im.thumbnail((max_side, max_side))
    if im.mode != "RGB":
        im = im.convert("RGB")
    im.info[VIEW_KEY] = {**(view or {}), "input_px": list(im.size)}  # what the model is shown
    if cut is not None:
        im.info[TILES_KEY] = cut
    return im


def _cut(im, path, limit: int, tiles: tuple) -> Optional[dict]:
    """:func:`.strip_tiles.cut_tiles` of a strip decoded at its full size (not a JPEG's draft)."""
    if not is_tiled(*im.size):
        return None
    from ..imaging.reader import read_header

    meta = read_header(path, max_pixels=limit)
    return cut_tiles(im, tiles) if (meta.width, meta.height) == im.size else None


def read_files(paths: Sequence[str], max_pixels, max_side, draft_side, resize=None, tiles=None,
               stash=None) -> list:
    """[(PIL image, None) or (None, why)] per path, in this process. ``stash`` (a helper's,
    :func:`.handoff.stash`): given each strip's tiles as soon as they are cut, returns what
    the image keeps of them, so a batch never holds more than one strip's tiles."""
    out = []
    for p in paths:
        try:
            im = model_image(p, max_pixels, max_side, draft_side, resize, tiles=tiles)
        except Exception as exc:  # an unreadable file is reported, the job goes on
            out.append((None, first_line(exc)))
            continue
        if stash is not None and TILES_KEY in im.info:
            im.info[TILES_KEY] = stash(im.info[TILES_KEY])
        out.append((im, None))
    return out


def _helper_init(filters: Sequence = ()) -> None:
    """In each helper: Ctrl+C is the parent's to handle (it stops the job and the helpers),
    and the helper exits when its parent dies, even killed (SIGKILL, a crash): nothing
    else would wake it, since its siblings hold the task queue open. ``filters``: the
    parent's warning filters when the pool started (a spawned process starts with none:
    Pillow's "UserWarning: Corrupt EXIF data" that `llmvis` silences came from each
    helper for each such file, naming none)."""
    import multiprocessing
    import signal
    import warnings
    from multiprocessing.connection import wait

    if filters:
        warnings.filters[:] = list(filters)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        def orphaned() -> None:
            wait([parent.sentinel])
            os._exit(0)

        threading.Thread(target=orphaned, name="llmvis-reader-orphan-watch", daemon=True).start()


def _warm_up() -> int:
    """Runs in a new helper process: import the reader now, not with the first batch."""
    from ..imaging import reader  # noqa: F401

    return os.getpid()


def _read_timed(paths: Sequence[str], max_pixels, max_side, draft_side, resize=None, tiles=None,
                stash=None) -> tuple[list, float]:
    """:func:`read_files`, and the CPU seconds this thread spent on it."""
    t = time.thread_time()
    got = read_files(paths, max_pixels, max_side, draft_side, resize, tiles, stash)
    return got, time.thread_time() - t


def read_cpu(fut: Future) -> Optional[float]:
    """CPU seconds the reader spent on the batch of ``fut`` (known once its result was
    taken; None if not measured)."""
    return getattr(fut, "llmvis_cpu", None)


def _decode_in_helper(paths: Sequence[str], max_pixels, max_side, draft_side, resize=None,
                      tiles=None) -> tuple[object, float]:
    """Runs in a helper process: ([(RGB uint8 array, None) or (None, why)] per path, packed
    for the trip back by :func:`.handoff.pack`, each strip's tiles in a block as soon as
    they are cut (:func:`.handoff.stash`); CPU seconds)."""
    import numpy as np

    marker = os.environ.get(CRASH_ENV)
    crash = next((i for i, p in enumerate(paths) if marker and marker in p), None)
    if crash is not None:  # (the files before it read first, as when a decoder crashes)
        _read_timed(paths[:crash], max_pixels, max_side, draft_side, resize, tiles, handoff.stash if tiles else None)
        os._exit(70)
    got, cpu = _read_timed(paths, max_pixels, max_side, draft_side, resize, tiles, handoff.stash if tiles else None)
    return handoff.pack([(None, err) if im is None else
                         (np.asarray(im), err, im.info.get(VIEW_KEY), im.info.get(TILES_KEY))
                         for im, err in got]), cpu


def _drop_result(fut: Future) -> None:
    if not fut.cancelled() and fut.exception() is None:
        handoff.drop(fut.result()[0])


class ThreadReader:
    """Reads batches on one helper thread (the default where cores are few)."""

    parallel = 1

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="llmvis-suggest-read")
        self.log = MessageLog()  # (says nothing: one per job)

    def start(self) -> None:
        """Nothing to start: the thread starts with the first batch."""

    def submit(self, paths: Sequence[str], max_pixels, max_side, draft_side, resize=None, tiles=None) -> Future:
        return self._pool.submit(_read_timed, list(paths), max_pixels, max_side, draft_side, resize, tiles)

    def result(self, fut: Future, paths, max_pixels, max_side, draft_side, resize=None, tiles=None) -> list:
        got, fut.llmvis_cpu = fut.result()
        return got

    def ready(self, fut: Future) -> bool:
        """Whether the batch of ``fut`` is read (no wait)."""
        return fut.done()

    def discard(self, fut: Future) -> None:
        fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class ProcessReader:
    """Reads batches in ``processes`` helper processes, one batch per task."""

    def __init__(self, processes: int) -> None:
        self.parallel = max(1, int(processes))
        self._lock = threading.Lock()
        self._pool: Optional[HelperPool] = None
        self.restarts = 0
        self.unusable: Optional[str] = None  # why helper processes cannot run here: read in-process
        self._fallback: Optional[ThreadReader] = None  # (then) the thread that reads
        # what it said, and when: the helpers serve every job of the session, and a job
        # reports what happened during it (:mod:`.job_log`)
        self.log = MessageLog()

    def start(self) -> None:
        """Start the helpers now (they take a few tenths of a second), without waiting.
        Helpers already running are left alone: a warm-up task per helper at every job's
        start cost the job a few ms of hand-offs to the pool's threads."""
        if self.unusable is None:
            try:
                with self._lock:
                    fresh = self._pool is None
                pool = self._executor()
                for _ in range(self.parallel if fresh else 0):
                    pool.submit(_warm_up)
            except Exception as exc:  # no semaphores (/dev/shm), a process limit...
                self._give_up(exc)

    def _give_up(self, exc: BaseException) -> None:
        self.unusable = first_line(exc)
        self._say(self._in_process())

    def _in_process(self) -> str:
        return f"reader processes cannot run here ({self.unusable}); reading images in this process instead (slower)"

    def standing(self, since: int, batch: int = 0) -> list[str]:
        """Helpers found unusable in an earlier job: every later job reads in-process too."""
        return [self._in_process()] if self.unusable is not None else []

    @property
    def messages(self) -> list[str]:
        return self.log.all()

    def _say(self, msg: str) -> None:
        """Log ``msg`` and keep it, with when, for the report of the job it happened in."""
        log.warning(msg)
        self.log.say(msg)

    def _executor(self) -> HelperPool:
        with self._lock:
            if self._pool is None:
                import multiprocessing

                import functools
                import warnings

                self._pool = HelperPool(self.parallel, multiprocessing.get_context("spawn"),
                                        functools.partial(_helper_init, tuple(warnings.filters)))
            return self._pool

    def _restart(self, broken: HelperPool) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
                self.restarts += 1
        broken.shutdown(wait=False, cancel_futures=True)  # (its helpers killed, waited for)
        handoff.sweep(getattr(broken, "pids", ()))  # the tiles they stashed for batches never handed back

    def submit(self, paths: Sequence[str], max_pixels, max_side, draft_side, resize=None, tiles=None) -> Future:
        if self.unusable is not None:  # read in this process, on a helper thread
            with self._lock:
                if self._fallback is None:
                    self._fallback = ThreadReader()
            fut = self._fallback.submit(paths, max_pixels, max_side, draft_side, resize, tiles)
            fut.llmvis_pool = None
            return fut
        try:
            pool = self._executor()
            fut = pool.submit(_decode_in_helper, list(paths), max_pixels, max_side, draft_side, resize, tiles)
        except Exception as exc:  # cannot create processes here at all
            self._give_up(exc)
            return self.submit(paths, max_pixels, max_side, draft_side, resize, tiles)
        fut.llmvis_pool = pool  # which pool to restart if this batch breaks it
        return fut

    def result(self, fut: Future, paths, max_pixels, max_side, draft_side, resize=None, tiles=None) -> list:
        args = (max_pixels, max_side, draft_side, resize, tiles)
        if fut.llmvis_pool is None:
            got, fut.llmvis_cpu = fut.result()
            return got
        try:
            payload, fut.llmvis_cpu = fut.result()
        except BrokenProcessPool:
            self._restart(fut.llmvis_pool)
            if not self._can_start():
                return read_files(paths, *args)
            return self._one_by_one(paths, *args)
        try:
            return handoff.unpack(payload)
        except OSError as exc:  # the block is gone (a /dev/shm cleaner) or cannot be mapped
            self._say(f"a batch's pixels could not be taken from shared memory ({first_line(exc)}); read again here")
            return read_files(paths, *args)

    def ready(self, fut: Future) -> bool:
        """Whether the batch of ``fut`` is read: its answer taken from the helper's pipe if
        it is there already (no wait)."""
        if not fut.done() and getattr(fut, "llmvis_owner", None) is not None:
            fut.llmvis_owner.receive(fut, 0)
        return fut.done()

    def discard(self, fut: Future) -> None:
        """The batch of ``fut`` will not be collected: cancel it, or free its pixels when
        the helper delivers them."""
        pool = getattr(fut, "llmvis_pool", None)
        if not fut.cancel() and pool is not None:
            fut.add_done_callback(_drop_result)
            drain = getattr(pool, "discard", None)
            if drain is not None:  # nobody reads the helper's pipe for it otherwise
                drain(fut)

    def _can_start(self) -> bool:
        """After a helper died: can a fresh one run at all? (It cannot where the main
        module starts work at import, without an ``if __name__ == "__main__"`` guard.)"""
        if self.unusable is not None:
            return False
        pool = self._executor()
        try:
            pool.submit(_warm_up).result(timeout=120)
            return True
        except Exception as exc:  # BrokenProcessPool, a timeout, an OS limit
            self._restart(pool)
            self._give_up(exc)
            return False

    def _one_by_one(self, paths, max_pixels, max_side, draft_side, resize=None, tiles=None) -> list:
        """A helper died on this batch (or on one read beside it): read each file alone."""
        out = []
        for p in paths:
            pool = self._executor()
            try:
                out += handoff.unpack(pool.submit(_decode_in_helper, [p], max_pixels, max_side,
                                                  draft_side, resize, tiles).result()[0])
            except BrokenProcessPool:
                log.warning("%s: %s", p, CRASHED)
                self._restart(pool)
                out.append((None, CRASHED))
        return out

    def close(self) -> None:
        """Nothing to do per job: the helpers stay for the session (see :meth:`shutdown`)."""

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            fallback, self._fallback = self._fallback, None
        if fallback is not None:
            fallback.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def auto_processes(cpu_count: Optional[int] = None) -> int:
    """Reader processes a job uses by default: none (a thread) on one core; otherwise a
    quarter of the cores, 2 to 8. On 2 cores, 2 helpers were as fast as the thread
    for a CPU-bound model and faster for a small one (bench_suggest.py)."""
    n = cpu_count or os.cpu_count() or 1
    return 0 if n <= 1 else max(2, min(8, n // 4))


_shared: Optional[ProcessReader] = None
_shared_lock = threading.Lock()


def shared_read_pool(processes: int) -> ProcessReader:
    """The session's reader processes (started on first use; resized when asked for more)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.parallel != processes:
            if _shared is not None:
                _shared.shutdown()
            _shared = ProcessReader(processes)
        return _shared


def shutdown_shared() -> None:
    """Stop the session's reader processes if any were started (the GUI calls this on close)."""
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None:
        pool.shutdown()
