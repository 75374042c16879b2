"""Line-scan strips in the viewer: Fit really fits, and F again fits the short side.

A 60000x300 strip was fitted at the 1% minimum zoom, still wider than the view (a
horizontal scroll bar at "fit"), and shown as a dotted line; there was no way to see the
strip across at the view's size and scroll along it.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta


def _data(w: int, h: int) -> ImageData:
    y = np.arange(h, dtype=np.uint16)[:, None]
    x = np.arange(w, dtype=np.uint16)[None, :]
    pixels = ((x // 7 + y // 5) % 200 + 20).astype(np.uint8)
    meta = ImageMeta(width=w, height=h, format="PNG", bit_depth=8, channels=1, frames=1, mode="L")
    return ImageData(pixels=pixels, display=pixels, meta=meta, window=None, frame=0)


class _Narrow:
    """The viewer 420x700, its graphics view laid out at that size once it shows an image."""

    def __init__(self, viewer, qtbot):
        self.viewer, self.qtbot = viewer, qtbot
        viewer.resize(420, 700)

    def __getattr__(self, name):
        return getattr(self.viewer, name)

    def show_image(self, data):
        self.viewer.show_image(data)
        self.qtbot.waitUntil(lambda: self.viewer._view.viewport().width() < 430)


@pytest.fixture
def narrow(viewer, qtbot):
    return _Narrow(viewer, qtbot)


def _shown(viewer):
    """The image's rectangle in the view's viewport (viewport pixels)."""
    view = viewer._view
    return view.mapFromScene(view.sceneRect()).boundingRect()


def _bars(viewer):
    view = viewer._view
    return view.horizontalScrollBar().maximum(), view.verticalScrollBar().maximum()


def _press_f(viewer):
    QTest.keyClick(viewer._view, Qt.Key.Key_F)


def test_fit_really_fits_a_long_strip(narrow):
    narrow.show_image(_data(60000, 300))
    vp = narrow._view.viewport().rect()
    shown = _shown(narrow)
    assert narrow.zoom() < 0.01  # below the old 1% floor
    assert _bars(narrow) == (0, 0)
    assert vp.width() - 2 <= shown.width() <= vp.width() + 1
    assert "(fit)" in narrow.status_text()


def test_f_again_fits_a_wide_strips_height_and_scrolls_along_it(narrow):
    narrow.show_image(_data(60000, 300))
    _press_f(narrow)
    view = narrow._view
    vp = view.viewport().rect()
    shown = _shown(narrow)
    hmax, vmax = _bars(narrow)
    assert vmax == 0 and hmax > 0  # scrolls along its length only
    assert abs(shown.height() - vp.height()) <= 2, (shown, vp)
    assert view.horizontalScrollBar().value() == 0  # at the strip's start
    assert "(fit height)" in narrow.status_text()
    _press_f(narrow)  # and back to the whole strip
    assert _bars(narrow) == (0, 0)
    assert "(fit)" in narrow.status_text()


def test_f_again_fits_a_tall_strips_width(narrow):
    narrow.show_image(_data(200, 20000))
    fit_all = narrow.zoom()
    _press_f(narrow)
    view = narrow._view
    vp = view.viewport().rect()
    shown = _shown(narrow)
    hmax, vmax = _bars(narrow)
    assert hmax == 0 and vmax > 0
    assert abs(shown.width() - vp.width()) <= 2, (shown, vp)
    assert view.verticalScrollBar().value() == 0
    assert narrow.zoom() > 10 * fit_all
    assert "(fit width)" in narrow.status_text()


def test_the_short_side_fit_stays_for_the_next_strip_and_not_for_a_photo(narrow):
    narrow.show_image(_data(60000, 300))
    _press_f(narrow)
    narrow.show_image(_data(40000, 250))  # the next strip of the web
    assert "(fit height)" in narrow.status_text()
    narrow.show_image(_data(400, 300))  # not a strip: the whole image
    assert "(fit)" in narrow.status_text() and _bars(narrow) == (0, 0)
    _press_f(narrow)  # F on a photo fits it, as before
    assert "(fit)" in narrow.status_text() and _bars(narrow) == (0, 0)


def test_zooming_out_stops_at_the_whole_strip(narrow):
    narrow.show_image(_data(60000, 300))
    fit = narrow.zoom()
    narrow.zoom_in()
    for _ in range(30):
        narrow.zoom_out()
    assert narrow.zoom() == pytest.approx(fit, rel=1e-6)
    narrow.set_zoom(1e-6)
    assert narrow.zoom() == pytest.approx(fit, rel=1e-6)


def test_help_says_what_f_does_on_a_strip(qtbot):
    from llmvis_desktop.qt.dialogs.shortcuts_dialog import DEFAULT_ROWS

    words = [a for s, k, a in DEFAULT_ROWS if s == "View" and k == "F"]
    assert words and "short side" in words[0]
