"""Thumbnails off the GUI thread.

``ThumbLoader.pixmap(image_id, path, size, ratio)`` answers from a pixmap LRU at once or
returns None and queues the request. ``size`` is in device pixels (the grid asks for
its logical size times the screen's device pixel ratio, and the pixmap comes back
tagged with ``ratio``, so a 2x screen gets sharp thumbnails; an image smaller than
``size`` comes back whole, tagged so that it shows at its size on a 1x screen:
``shown_ratio``); the LRU is bounded in
bytes (``max_bytes``), not items, as a 384 px thumbnail weighs 36 times a 64 px one. Workers serve the newest request first (a LIFO
stack: what the user scrolled to last is what they look at), read through the core's
disk cache (``core.imaging.thumbs.ThumbnailCache``), build a ``QImage`` in the worker
and hand it to the GUI thread, which turns it into a ``QPixmap`` (pixmaps are GUI-
thread only), stores it and emits ``ready([image_id, ...])``. Results are handed over
in batches: a worker queues its result and wakes the GUI thread only when the queue
was empty, and the GUI thread takes everything queued in one call (one signal per
batch instead of one per thumbnail: during a fast scroll that dispatch was most of
what the GUI thread did besides painting). ``reset()`` bumps a generation
counter: results of requests made before it (other folder, other filter) are dropped.

While a new size is on its way (Ctrl+wheel), ``stand_in`` gives the pixmap of another
size already in memory, scaled, so cells are not blanked for the seconds a large file
takes. ``revalidate()`` (after a re-index) stats the files of what is in memory on a
worker and drops what changed, by size, mtime, inode or ctime; the indexer compares
only size and mtime, so a file replaced with both kept was shown stale.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QThreadPool, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from ..core.tasks import FOREGROUND
from .workers import KeptRunnable, RunnableKeeper, background_thread, favour_gui_thread

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 3600  # the thumbnail cache is pruned at most this often (its stamp file)


class _Fallback:
    """No disk cache (its folder cannot be made, or ``core.imaging.thumbs`` is missing):
    every thumbnail is made from its file again."""

    def __init__(self, max_pixels: Optional[int] = None) -> None:
        self.max_pixels = max_pixels

    def get(self, path, size: int, larger=(), st=None):
        try:
            from ..core.imaging.thumbs import make_thumbnail
        except ImportError:  # pragma: no cover - only while the imaging layer is missing
            from PIL import Image

            with Image.open(path) as im:
                im.draft("RGB", (size, size))
                im.thumbnail((size, size))
                return im.convert("RGBA") if im.mode not in ("RGB", "RGBA") else im.copy()
        kwargs = {} if self.max_pixels is None else {"max_pixels": self.max_pixels}
        return make_thumbnail(path, size, **kwargs)


def make_cache(cache_dir: Path, max_pixels: Optional[int] = None):
    try:
        from ..core.imaging.thumbs import ThumbnailCache
    except ImportError:  # pragma: no cover - only while the imaging layer is missing
        log.warning("core.imaging.thumbs not available; thumbnails are not cached on disk")
        return _Fallback(max_pixels)
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    return ThumbnailCache(Path(cache_dir), **kwargs)


def open_cache(wanted: Path, default: Path, max_pixels: Optional[int] = None):
    """(the thumbnail cache, None), or when the folder ``wanted`` cannot be made (a drive
    not mounted, a read-only home) the default folder's cache, else no disk cache at all,
    with a line saying so."""
    try:
        return make_cache(wanted, max_pixels), None
    except OSError as exc:
        why = f"The thumbnail cache folder {wanted} cannot be used ({exc.strerror or exc})"
    if Path(wanted) != Path(default):
        try:
            return make_cache(default, max_pixels), f"{why}; the default folder {default} is used instead."
        except OSError as exc:
            why += f", nor can the default {default} ({exc.strerror or exc})"
    return _Fallback(max_pixels), f"{why}; thumbnails are not kept on disk this session."


def prune_in_background(cache, limit: int):
    """Keep the disk ``cache`` under ``limit`` bytes on a low-priority thread that gives
    way to the GUI thread. Returns (the started thread, the event that stops it), or
    None when the cache cannot be pruned (the fallback) or no limit is set."""
    prune = getattr(cache, "prune", None)
    if prune is None or limit <= 0:
        return None
    stop = threading.Event()

    def run() -> None:
        background_thread()
        try:
            prune(limit, min_interval_s=PRUNE_EVERY_S,
                  cancelled=lambda: FOREGROUND.yield_to() or stop.is_set())
        except Exception as exc:  # a cache that cannot be pruned only takes room
            log.warning("thumbnail cache not pruned: %s", exc)

    thread = threading.Thread(target=run, name="llmvis-thumb-prune", daemon=True)
    thread.start()
    return thread, stop


def pil_to_qimage(im) -> QImage:
    """A QImage that owns its pixels (safe to hand to another thread)."""
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.mode or im.mode == "P" else "RGB")
    data = im.tobytes()
    if im.mode == "RGBA":
        fmt, bpl = QImage.Format.Format_RGBA8888, im.width * 4
    else:
        fmt, bpl = QImage.Format.Format_RGB888, im.width * 3
    return QImage(data, im.width, im.height, bpl, fmt).copy()


MAX_BYTES = 256 * 2**20  # pixmap memory kept (width x height x 4 each)


def signature(path) -> Optional[tuple]:
    """What says a file is still the one a thumbnail was made of (None: cannot stat).
    The same fields as the disk cache's key (``ThumbnailCache.key``)."""
    return stat_signature(path)[1]


def stat_signature(path) -> tuple:
    """(the file's ``os.stat`` result, its :func:`signature`), (None, None) when it cannot
    be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    return st, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def shown_ratio(width: int, height: int, size: int, ratio: float) -> float:
    """The device pixel ratio to tag a ``width`` x ``height`` thumbnail asked for at
    ``size`` device pixels on a screen of ``ratio``. A thumbnail smaller than ``size``
    is its whole image (thumbnails are never enlarged): tagged ``ratio`` it would be
    drawn at 1/ratio of its size, a 64 px image at 32 logical pixels on a 2x screen.
    It is shown at the logical size it has on a 1x screen instead: its own size up to
    the grid's (``size / ratio``), with all its pixels (ratio 1 to ``ratio``)."""
    longest = max(width, height)
    if longest >= size or longest < 1 or ratio <= 0:
        return ratio
    return max(1.0, longest * ratio / size)


def pixmap_bytes(pm: QPixmap) -> int:
    return pm.width() * pm.height() * 4


class _Signals(QObject):
    wake = Signal()  # results are queued in ``ThumbLoader._done``
    stale = Signal(object)  # [(image_id, signature checked)] whose file changed


class _Revalidate(KeptRunnable):
    def __init__(self, loader: "ThumbLoader", items: list) -> None:
        super().__init__()
        self.loader, self.items = loader, items

    def work(self) -> None:
        background_thread()
        changed = [(image_id, sig) for image_id, path, sig in self.items if signature(path) != sig]
        if changed and not self.loader._closed:
            self.loader._signals.stale.emit(changed)


class _Runner(KeptRunnable):
    def __init__(self, loader: "ThumbLoader") -> None:
        super().__init__()
        self.loader = loader

    def work(self) -> None:
        background_thread()
        loader = self.loader
        while True:
            item = loader._pop()
            if item is None:
                return
            gen, image_id, path, size, ratio, larger = item
            FOREGROUND.yield_to()
            img, err = None, ""
            # before reading: a change meanwhile shows at revalidate(). The disk cache keys
            # the thumbnail by the same stat (it stat'ed the file a second time: a system
            # call and a GIL hand-over more per thumbnail, the --sample runs' thumbs:_stat
            # beside the grid's paints); unstatable, the cache says why (its own stat)
            st, sig = stat_signature(path)
            extra = {} if st is None else {"st": st}
            try:
                img = pil_to_qimage(loader.cache.get(path, size, larger, **extra) if larger
                                    else loader.cache.get(path, size, **extra))
            except Exception as exc:  # ImageReadError and reader bugs alike
                err = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            loader._deliver((gen, image_id, size, ratio, img, err, path, sig))


class ThumbLoader(QObject):
    ready = Signal(object)  # list of image ids whose thumbnail (or error) is now known
    failed = Signal(int, str)

    def __init__(self, cache, parent: Optional[QObject] = None, threads: int = 2,
                 max_bytes: int = MAX_BYTES) -> None:
        super().__init__(parent)
        self.cache = cache
        self.generation = 0
        self._lock = threading.Lock()
        # gen, id, path, size, ratio, larger sizes in memory (their disk thumbnails may do)
        self._stack: list[tuple[int, int, Path, int, float, tuple]] = []
        self._done: list[tuple] = []  # results waiting for the GUI thread
        self._queued: set[tuple[int, int]] = set()
        self._runners = 0
        self._threads = threads
        self._lru: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()
        self._lru_bytes = 0
        self._max_bytes = max_bytes
        self._made: dict[tuple[int, int], tuple[Path, Optional[tuple]]] = {}  # LRU key -> file, signature
        self._sizes: dict[int, set[int]] = {}  # image id -> its sizes in the LRU
        self._error_sigs: dict[int, tuple[Path, Optional[tuple]]] = {}
        self._stand_ins: dict[tuple[int, int], QPixmap] = {}  # made for sizes on their way
        self.max_pending = 400  # queued requests kept (newest first); older ones dropped
        self._errors: dict[int, str] = {}
        favour_gui_thread()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._keeper = RunnableKeeper()
        self._signals = _Signals()
        self._signals.wake.connect(self._on_loaded)
        self._signals.stale.connect(self._on_stale)
        self._closed = False
        self._companions: list = []  # shutdown(timeout_ms) -> bool of threads that go with ours

    # --- GUI thread -----------------------------------------------------------
    def pixmap(self, image_id: int, path: Path, size: int, ratio: float = 1.0) -> Optional[QPixmap]:
        """The thumbnail at ``size`` device pixels, tagged with device pixel ratio ``ratio``."""
        key = (image_id, size)
        pm = self._lru.get(key)
        if pm is not None:
            self._lru.move_to_end(key)
            return pm
        if image_id in self._errors or self._closed:
            return None
        self._push(image_id, path, size, ratio)
        return None

    def stand_in(self, image_id: int, size: int, ratio: float = 1.0) -> Optional[QPixmap]:
        """While ``size`` is on its way: another size of the image already in memory,
        scaled to about what ``size`` will be (made once, dropped when the real one
        arrives or at ``reset``). None when there is no other size."""
        key = (image_id, size)
        pm = self._stand_ins.get(key)
        if pm is not None or image_id in self._errors:
            return pm
        sizes = [s for s in self._sizes.get(image_id, ()) if s != size]
        if not sizes:
            return None
        larger = [s for s in sizes if s > size]
        old = min(larger) if larger else max(sizes)  # the nearest larger one looks best
        src = self._lru[(image_id, old)]
        longest = max(src.width(), src.height())
        # the new thumbnail's longest side: ``size`` unless the image is smaller than that
        # (a thumbnail smaller than its size was the whole image)
        target = min(longest, size) if longest < old else size
        if target == longest:
            pm = QPixmap(src)
        else:
            pm = src.scaled(target, target, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation)
        pm.setDevicePixelRatio(shown_ratio(pm.width(), pm.height(), size, ratio))
        self._stand_ins[key] = pm
        return pm

    def cached(self, image_id: int, size: int) -> Optional[QPixmap]:
        """The pixmap when it is in memory (marked recently used), else None; queues nothing."""
        key = (image_id, size)
        pm = self._lru.get(key)
        if pm is not None:
            self._lru.move_to_end(key)
        return pm

    def error(self, image_id: int) -> Optional[str]:
        return self._errors.get(image_id)

    def forget(self, image_id: int) -> None:
        """Drop what is known of one image (its file changed)."""
        self._errors.pop(image_id, None)
        self._error_sigs.pop(image_id, None)
        for size in list(self._sizes.get(image_id, ())):
            self._drop((image_id, size))
        for key in [k for k in self._stand_ins if k[0] == image_id]:
            del self._stand_ins[key]

    def revalidate(self) -> None:
        """Drop (and repaint, via ``ready``) the thumbnails and errors of files that
        changed since they were read; the files are stat'ed on a worker thread."""
        if self._closed:
            return
        items = [(k[0], path, sig) for k, (path, sig) in self._made.items()]
        items += [(i, path, sig) for i, (path, sig) in self._error_sigs.items()]
        if items:
            self._keeper.start(self.pool, _Revalidate(self, items))

    @Slot(object)
    def _on_stale(self, changed) -> None:
        if self._closed:
            return
        ids = []
        for image_id, sig in changed:
            known = [self._made[(image_id, size)][1] for size in self._sizes.get(image_id, ())]
            if image_id in self._error_sigs:
                known.append(self._error_sigs[image_id][1])
            if sig in known:  # (not made again from the new file meanwhile)
                self.forget(image_id)
                ids.append(image_id)
        if ids:
            log.info("%d thumbnail(s) dropped: their files changed", len(ids))
            self.ready.emit(ids)

    def reset(self) -> None:
        """New folder, filter or size: pending requests and late results are dropped."""
        with self._lock:
            self.generation += 1
            self._stack.clear()
            self._queued.clear()
        self._stand_ins.clear()

    def clear(self) -> None:
        self.reset()
        self._lru.clear()
        self._made.clear()
        self._sizes.clear()
        self._lru_bytes = 0
        self._errors.clear()
        self._error_sigs.clear()

    def set_capacity(self, max_bytes: int) -> None:
        """Pixmap memory kept, in bytes (at least 16 MB)."""
        self._max_bytes = max(16 * 2**20, int(max_bytes))
        self._trim()

    def memory(self) -> int:
        """Bytes of pixmaps in the LRU (width x height x 4 each)."""
        return self._lru_bytes

    def pending(self) -> int:
        with self._lock:
            return len(self._stack) + self._runners

    def join_on_shutdown(self, fn) -> None:
        """``fn(timeout_ms) -> bool`` stops and joins a companion's threads (the grid
        model's record fetcher) when this loader is shut down."""
        if fn not in self._companions:
            self._companions.append(fn)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self._closed = True
        self.reset()
        ok = all([fn(timeout_ms) for fn in self._companions])
        joined = self.pool.waitForDone(timeout_ms)
        if joined:
            self._keeper.release_ended()  # (each runner holds this loader)
        return joined and ok

    def _push(self, image_id: int, path: Path, size: int, ratio: float = 1.0) -> None:
        start = False
        with self._lock:
            key = (image_id, size)
            if key in self._queued:
                # move it to the top: it was asked for again, so it is on screen now
                for i in range(len(self._stack) - 1, -1, -1):
                    if self._stack[i][1] == image_id and self._stack[i][3] == size:
                        self._stack.append(self._stack.pop(i))
                        break
            else:
                self._queued.add(key)
                larger = tuple(s for s in self._sizes.get(image_id, ()) if s > size)
                self._stack.append((self.generation, image_id, Path(path), size, ratio, larger))
                # a long fast scroll leaves old requests behind: keep the newest ones
                # (a few screens). Rows scrolled past are not worth the CPU the GUI
                # thread needs while scrolling; painted again, they are asked again.
                if len(self._stack) > self.max_pending:
                    drop = len(self._stack) - self.max_pending // 2
                    for old in self._stack[:drop]:
                        self._queued.discard((old[1], old[3]))
                    del self._stack[:drop]
            if self._runners < self._threads:
                self._runners += 1
                start = True
        if start:
            self._keeper.start(self.pool, _Runner(self))

    def _deliver(self, result: tuple) -> None:
        """Worker side: queue a result; wake the GUI thread if it is not already due."""
        with self._lock:
            self._done.append(result)
            wake = len(self._done) == 1
        if wake:
            self._signals.wake.emit()

    @Slot()
    def _on_loaded(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        if self._closed:
            return
        ready = []
        with FOREGROUND.busy():
            for gen, image_id, size, ratio, img, err, path, sig in done:
                if gen != self.generation:
                    continue
                with self._lock:
                    self._queued.discard((image_id, size))
                if img is None:
                    self._errors[image_id] = err or "cannot read the image"
                    self._error_sigs[image_id] = (path, sig)
                    self.failed.emit(image_id, self._errors[image_id])
                else:
                    key = (image_id, size)
                    self._drop(key)
                    pm = QPixmap.fromImage(img)
                    pm.setDevicePixelRatio(shown_ratio(pm.width(), pm.height(), size, ratio))
                    self._lru[key] = pm
                    self._lru_bytes += pixmap_bytes(pm)
                    self._made[key] = (path, sig)
                    self._sizes.setdefault(image_id, set()).add(size)
                    self._stand_ins.pop(key, None)
                ready.append(image_id)
            self._trim()
            if ready:
                self.ready.emit(ready)

    def _drop(self, key: tuple[int, int]) -> None:
        pm = self._lru.pop(key, None)
        if pm is None:
            return
        self._lru_bytes -= pixmap_bytes(pm)
        self._made.pop(key, None)
        sizes = self._sizes.get(key[0])
        if sizes is not None:
            sizes.discard(key[1])
            if not sizes:
                del self._sizes[key[0]]

    def _trim(self) -> None:
        while self._lru_bytes > self._max_bytes and len(self._lru) > 1:
            self._drop(next(iter(self._lru)))

    # --- worker threads -------------------------------------------------------
    def _pop(self):
        with self._lock:
            while self._stack:
                item = self._stack.pop()  # newest first; stays in _queued while in flight
                if item[0] == self.generation:
                    return item
            self._runners -= 1
            return None
