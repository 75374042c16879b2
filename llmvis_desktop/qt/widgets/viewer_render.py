"""Full-resolution window/level renders for the ImageViewer, off the GUI thread.

A window change on a 48 MP 16-bit or float image took 0.2-1.9 s on the GUI thread
(``to_display`` 0.1-0.8 s, then ``QPixmap.fromImage`` converting the uint8 array to the
screen's format, 0.1 s more). The viewer now shows a subsampled preview at once and asks
:class:`WindowRenderer` for the full resolution, which arrives a moment later.

Public API
----------
``render_window(pixels, window, invert=False, sigmoid=False, stale=None, canvas=None)``
    -> ``(display, image)`` or None: the uint8 array ``to_display`` gives and an RGB32
    QImage of it, a pixmap's own format (:func:`.viewer_display.fill_rgb32`), so the
    GUI thread makes its pixmap without a conversion. Works in bands of rows with numpy,
    which lets the GUI thread run Python meanwhile (``QImage.convertToFormat`` does not:
    it froze the GUI thread 80-170 ms on a 48 MP image); between
    bands it returns None as soon as ``stale()`` is true, and lets a busy GUI thread
    run (:data:`~llmvis_desktop.core.tasks.FOREGROUND`). The pixels are those the
    synchronous path (``to_display`` and ``QPixmap.fromImage``) gives. ``canvas``: an
    RGB32 QImage of the same size, no longer on screen, to render into instead of a new
    one (the viewer keeps its last full-resolution picture for that: freeing its 192 MB
    at 48 MP took the GUI thread 30-60 ms at the first step of every drag).
``render_display(display, stale=None, canvas=None)`` -> ``(display, image)`` or None:
    the same for a uint8 display already made ("As loaded": the file's own look).
``PreviewSource(pixels, step)``: every ``step``-th pixel of ``pixels`` (``get()``), copied
    once, by the first thread that asks (each drag step gathered them from the whole image).
``WindowRenderer(parent)``: one worker thread (:class:`..workers.LatestOnly`).
    ``request(pixels, window, invert, sigmoid, canvas=None)``: render on the worker; any
    request not finished yet is dropped (only the newest is delivered), as after
    ``cancel()``. ``request_display(display, window, canvas=None)``: the same for a
    display already made, delivered as ``window``'s.
    ``rendered(window, display, image)``: on the GUI thread, for the newest request.
    ``request_preview(source, window, invert, sigmoid)``: a drag step's preview from a
    ``PreviewSource``, as a request (it drops the one under way and is dropped by the
    next); ``previewed(window, display, image, step)`` on the GUI thread.
    ``busy() -> bool``: a request is on its way; ``asked()``: the window of the full
    resolution on its way, or None.  ``shutdown()``: cancel and join.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from llmvis_desktop.core.imaging.reader import to_display
from llmvis_desktop.core.tasks import FOREGROUND

from ..workers import LatestOnly, favour_gui_thread
from .viewer_display import fill_rgb32, pixmap_image, rgb32_image

log = logging.getLogger(__name__)

#: pixels per band: a stale render stops within one band (10-30 ms of work)
BAND_PIXELS = 2_000_000


def render_window(pixels: np.ndarray, window: tuple[float, float], invert: bool = False,
                  sigmoid: bool = False, stale: Optional[Callable[[], bool]] = None,
                  canvas: Optional[QImage] = None) -> Optional[tuple[np.ndarray, QImage]]:
    """``to_display(pixels, window, ...)`` and its screen-ready QImage (``canvas`` when it
    fits); None once ``stale()``."""
    def band(top: int, rows: int) -> np.ndarray:
        return to_display(pixels[top:top + rows], window, invert=invert, sigmoid=sigmoid)

    return _render_bands(pixels.shape[0], pixels.shape[1], band, stale, canvas)


def render_display(display: np.ndarray, stale: Optional[Callable[[], bool]] = None,
                   canvas: Optional[QImage] = None) -> Optional[tuple[np.ndarray, QImage]]:
    """A uint8 gray or RGB ``display`` as a screen-ready QImage (``canvas`` when it fits),
    the pixels ``QPixmap.fromImage`` gives; None once ``stale()``."""
    def band(top: int, rows: int) -> np.ndarray:
        return display[top:top + rows]

    return _render_bands(display.shape[0], display.shape[1], band, stale, canvas)


class PreviewSource:
    """Every ``step``-th pixel of ``pixels``, copied once (:meth:`get`, any thread)."""

    def __init__(self, pixels: np.ndarray, step: int) -> None:
        self.pixels, self.step = pixels, step
        self._copy: Optional[np.ndarray] = None
        self._lock = threading.Lock()

    def get(self) -> np.ndarray:
        with self._lock:
            if self._copy is None:
                self._copy = np.ascontiguousarray(self.pixels[::self.step, ::self.step])
            return self._copy


def render_preview(source: PreviewSource, window: tuple[float, float], invert: bool = False,
                   sigmoid: bool = False) -> tuple[np.ndarray, QImage]:
    """``to_display`` of the source's copy and its screen-ready QImage."""
    display = to_display(source.get(), window, invert=invert, sigmoid=sigmoid)
    return display, pixmap_image(display)


def _render_bands(h: int, w: int, make_band, stale, canvas) -> Optional[tuple[np.ndarray, QImage]]:
    rows = max(1, BAND_PIXELS // max(1, w))
    display: Optional[np.ndarray] = None
    image, out = rgb32_image(w, h, canvas)
    for top in range(0, h, rows):
        if stale is not None and stale():
            return None
        FOREGROUND.yield_to()
        band = make_band(top, rows)
        if display is None:
            display = np.empty((h,) + band.shape[1:], dtype=np.uint8)
        display[top:top + rows] = band
        fill_rgb32(band, out[top:top + rows])
    del out  # a view of the image's memory
    if display is None or (stale is not None and stale()):
        return None
    return display, image


class WindowRenderer(QObject):
    """Renders windows of full-resolution pixels on one worker thread; only the newest
    request is delivered (``rendered``), earlier ones stop between bands."""

    rendered = Signal(object, object, object)  # window, display (ndarray), QImage
    previewed = Signal(object, object, object, int)  # window, display, QImage, step

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._busy = False
        self._asked = None  # the window of the request on its way
        self._worker = LatestOnly(self)
        self._worker.done.connect(self._on_done)
        favour_gui_thread()  # the worker runs Python between numpy calls

    def request(self, pixels: np.ndarray, window: tuple[float, float], invert: bool = False,
                sigmoid: bool = False, canvas: Optional[QImage] = None) -> None:
        self._submit(window, lambda stale: render_window(pixels, window, invert, sigmoid, stale, canvas))

    def request_display(self, display: np.ndarray, window: tuple[float, float],
                        canvas: Optional[QImage] = None) -> None:
        self._submit(window, lambda stale: render_display(display, stale, canvas))

    def request_preview(self, source: PreviewSource, window: tuple[float, float],
                        invert: bool = False, sigmoid: bool = False) -> None:
        self._submit(window, lambda stale: render_preview(source, window, invert, sigmoid),
                     step=source.step)

    def _submit(self, window, render, step: int = 1) -> None:
        self._generation += 1
        generation = self._generation
        self._busy = True
        self._asked = window if step == 1 else None

        def stale() -> bool:  # read on the worker thread; the GUI thread only bumps it
            return self._generation != generation

        def job():
            out = render(stale)
            return None if out is None else (generation, window, out[0], out[1], step)

        self._worker.submit(job)

    def cancel(self) -> None:
        self._generation += 1
        self._busy = False
        self._asked = None
        self._worker.cancel()

    def busy(self) -> bool:
        return self._busy

    def asked(self):
        """The window of the request on its way (None when none is)."""
        return self._asked if self._busy else None

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self._generation += 1
        self._busy = False
        self._asked = None
        return self._worker.shutdown(timeout_ms)

    def _on_done(self, result, error) -> None:
        if error is not None:
            self._busy = False  # the preview stays on screen
            self._asked = None
            log.warning("window/level render failed: %r", error)
            return
        if result is None or result[0] != self._generation:
            return  # dropped: a newer window was asked for meanwhile
        self._busy = False
        self._asked = None
        _generation, window, display, image, step = result
        if step > 1:
            self.previewed.emit(window, display, image, step)
        else:
            self.rendered.emit(window, display, image)
