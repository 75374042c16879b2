"""Thumbnails off the GUI thread.

``ThumbLoader.pixmap(image_id, path, size)`` answers from a pixmap LRU at once or
returns None and queues the request. Workers serve the newest request first (a LIFO
stack: what the user scrolled to last is what they look at), read through the core's
disk cache (``core.imaging.thumbs.ThumbnailCache``), build a ``QImage`` in the worker
and hand it to the GUI thread, which turns it into a ``QPixmap`` (pixmaps are GUI-
thread only), stores it and emits ``ready([image_id, ...])``. Results are handed over
in batches: a worker queues its result and wakes the GUI thread only when the queue
was empty, and the GUI thread takes everything queued in one call (one signal per
batch instead of one per thumbnail: during a fast scroll that dispatch was most of
what the GUI thread did besides painting). ``reset()`` bumps a generation
counter: results of requests made before it (other folder, other filter) are dropped.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from ..core.tasks import FOREGROUND
from .workers import KeptRunnable, RunnableKeeper, background_thread, favour_gui_thread

log = logging.getLogger(__name__)


class _Fallback:
    """No disk cache (its folder cannot be made, or ``core.imaging.thumbs`` is missing):
    every thumbnail is made from its file again."""

    def __init__(self, max_pixels: Optional[int] = None) -> None:
        self.max_pixels = max_pixels

    def get(self, path, size: int):
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


class _Signals(QObject):
    wake = Signal()  # results are queued in ``ThumbLoader._done``


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
            gen, image_id, path, size = item
            FOREGROUND.yield_to()
            img, err = None, ""
            try:
                img = pil_to_qimage(loader.cache.get(path, size))
            except Exception as exc:  # ImageReadError and reader bugs alike
                err = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            loader._deliver((gen, image_id, size, img, err))


class ThumbLoader(QObject):
    ready = Signal(object)  # list of image ids whose thumbnail (or error) is now known
    failed = Signal(int, str)

    def __init__(self, cache, parent: Optional[QObject] = None, threads: int = 2,
                 lru_items: int = 1500) -> None:
        super().__init__(parent)
        self.cache = cache
        self.generation = 0
        self._lock = threading.Lock()
        self._stack: list[tuple[int, int, Path, int]] = []
        self._done: list[tuple] = []  # results waiting for the GUI thread
        self._queued: set[tuple[int, int]] = set()
        self._runners = 0
        self._threads = threads
        self._lru: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()
        self._lru_items = lru_items
        self.max_pending = 400  # queued requests kept (newest first); older ones dropped
        self._errors: dict[int, str] = {}
        favour_gui_thread()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._keeper = RunnableKeeper()
        self._signals = _Signals()
        self._signals.wake.connect(self._on_loaded)
        self._closed = False
        self._companions: list = []  # shutdown(timeout_ms) -> bool of threads that go with ours

    # --- GUI thread -----------------------------------------------------------
    def pixmap(self, image_id: int, path: Path, size: int) -> Optional[QPixmap]:
        key = (image_id, size)
        pm = self._lru.get(key)
        if pm is not None:
            self._lru.move_to_end(key)
            return pm
        if image_id in self._errors or self._closed:
            return None
        self._push(image_id, path, size)
        return None

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
        for key in [k for k in self._lru if k[0] == image_id]:
            del self._lru[key]

    def reset(self) -> None:
        """New folder or filter: pending requests and late results are dropped."""
        with self._lock:
            self.generation += 1
            self._stack.clear()
            self._queued.clear()

    def clear(self) -> None:
        self.reset()
        self._lru.clear()
        self._errors.clear()

    def set_capacity(self, items: int) -> None:
        self._lru_items = max(100, items)
        self._trim()

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
        return self.pool.waitForDone(timeout_ms) and ok

    def _push(self, image_id: int, path: Path, size: int) -> None:
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
                self._stack.append((self.generation, image_id, Path(path), size))
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
            for gen, image_id, size, img, err in done:
                if gen != self.generation:
                    continue
                with self._lock:
                    self._queued.discard((image_id, size))
                if img is None:
                    self._errors[image_id] = err or "cannot read the image"
                    self.failed.emit(image_id, self._errors[image_id])
                else:
                    self._lru[(image_id, size)] = QPixmap.fromImage(img)
                ready.append(image_id)
            self._trim()
            if ready:
                self.ready.emit(ready)

    def _trim(self) -> None:
        while len(self._lru) > self._lru_items:
            self._lru.popitem(last=False)

    # --- worker threads -------------------------------------------------------
    def _pop(self):
        with self._lock:
            while self._stack:
                item = self._stack.pop()  # newest first; stays in _queued while in flight
                if item[0] == self.generation:
                    return item
            self._runners -= 1
            return None
