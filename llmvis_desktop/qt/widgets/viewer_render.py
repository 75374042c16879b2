"""Full-resolution window/level renders for the ImageViewer, off the GUI thread.

A window change on a 48 MP 16-bit or float image took 0.2-1.9 s on the GUI thread
(``to_display`` 0.1-0.8 s, then ``QPixmap.fromImage`` converting the uint8 array to the
screen's format, 0.1 s more). The viewer now shows a subsampled preview at once and asks
:class:`WindowRenderer` for the full resolution, which arrives a moment later.

Public API
----------
``render_window(pixels, window, invert=False, sigmoid=False, stale=None)``
    -> ``(display, image)`` or None: the uint8 array ``to_display`` gives and an RGB32
    QImage of it, a pixmap's own format (:func:`.viewer_display.fill_rgb32`), so the
    GUI thread makes its pixmap without a conversion. Works in bands of rows with numpy,
    which lets the GUI thread run Python meanwhile (``QImage.convertToFormat`` does not:
    it froze the GUI thread 80-170 ms on a 48 MP image); between
    bands it returns None as soon as ``stale()`` is true, and lets a busy GUI thread
    run (:data:`~llmvis_desktop.core.tasks.FOREGROUND`). The pixels are those the
    synchronous path (``to_display`` and ``QPixmap.fromImage``) gives.
``WindowRenderer(parent)``: one worker thread (:class:`..workers.LatestOnly`).
    ``request(pixels, window, invert, sigmoid)``: render on the worker; any request
    not finished yet is dropped (only the newest is delivered), as after ``cancel()``.
    ``rendered(window, display, image)``: on the GUI thread, for the newest request.
    ``busy() -> bool``: a request is on its way.  ``shutdown()``: cancel and join.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from llmvis_desktop.core.imaging.reader import to_display
from llmvis_desktop.core.tasks import FOREGROUND

from ..workers import LatestOnly, favour_gui_thread
from .viewer_display import fill_rgb32, rgb32_image

log = logging.getLogger(__name__)

#: pixels per band: a stale render stops within one band (10-30 ms of work)
BAND_PIXELS = 2_000_000


def render_window(pixels: np.ndarray, window: tuple[float, float], invert: bool = False,
                  sigmoid: bool = False, stale: Optional[Callable[[], bool]] = None
                  ) -> Optional[tuple[np.ndarray, QImage]]:
    """``to_display(pixels, window, ...)`` and its screen-ready QImage; None once ``stale()``."""
    h, w = pixels.shape[:2]
    rows = max(1, BAND_PIXELS // max(1, w))
    display: Optional[np.ndarray] = None
    image, out = rgb32_image(w, h)
    for top in range(0, h, rows):
        if stale is not None and stale():
            return None
        FOREGROUND.yield_to()
        band = to_display(pixels[top:top + rows], window, invert=invert, sigmoid=sigmoid)
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

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._busy = False
        self._worker = LatestOnly(self)
        self._worker.done.connect(self._on_done)
        favour_gui_thread()  # the worker runs Python between numpy calls

    def request(self, pixels: np.ndarray, window: tuple[float, float], invert: bool = False,
                sigmoid: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        self._busy = True

        def stale() -> bool:  # read on the worker thread; the GUI thread only bumps it
            return self._generation != generation

        def job():
            out = render_window(pixels, window, invert, sigmoid, stale)
            return None if out is None else (generation, window, out[0], out[1])

        self._worker.submit(job)

    def cancel(self) -> None:
        self._generation += 1
        self._busy = False
        self._worker.cancel()

    def busy(self) -> bool:
        return self._busy

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self._generation += 1
        self._busy = False
        return self._worker.shutdown(timeout_ms)

    def _on_done(self, result, error) -> None:
        if error is not None:
            self._busy = False  # the preview stays on screen
            log.warning("window/level render failed: %r", error)
            return
        if result is None or result[0] != self._generation:
            return  # dropped: a newer window was asked for meanwhile
        self._busy = False
        _generation, window, display, image = result
        self.rendered.emit(window, display, image)
