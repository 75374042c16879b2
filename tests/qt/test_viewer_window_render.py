"""Window/level on a large image: the full resolution is rendered off the GUI thread.

A preset or ``set_window`` (and each pause of a right-drag) re-rendered a whole 48 MP
16-bit or float image on the GUI thread: 0.2-1.9 s of a frozen window at every step.
Here "large" is made small by lowering ``DRAG_PREVIEW_PIXELS``.
"""
from __future__ import annotations

import importlib
import threading

import numpy as np
import pytest
from PySide6.QtGui import QPixmap

from qthelpers import answers_delivered

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta, auto_window, to_display


def gray16(h=200, w=300) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (x * 61420 // (w - 1)).astype(np.uint16) + (y * 37 % 1000).astype(np.uint16)


def rgb16(h=120, w=160) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 400, y * 500, (x + y) * 150], axis=2).astype(np.uint16)


def make_data(pixels: np.ndarray) -> ImageData:
    window = auto_window(pixels)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    meta = ImageMeta(width=pixels.shape[1], height=pixels.shape[0], format="TIFF", bit_depth=16,
                     channels=channels, frames=1, mode="I;16" if channels == 1 else "RGB")
    return ImageData(pixels=pixels, display=to_display(pixels, window), meta=meta, window=window, frame=0)


def _viewer_modules():
    mods = []
    for name in ("viewer", "viewer_window", "viewer_render"):
        try:
            mods.append(importlib.import_module(f"llmvis_desktop.qt.widgets.{name}"))
        except ImportError:
            pass
    return mods


@pytest.fixture
def large(monkeypatch):
    """Every image counts as large; returns the list of (thread, shape) of every
    ``to_display`` call the viewer makes."""
    calls = []

    def recording(pixels, *args, **kwargs):
        calls.append((threading.current_thread() is threading.main_thread(), np.shape(pixels)))
        return to_display(pixels, *args, **kwargs)

    for mod in _viewer_modules():
        monkeypatch.setattr(mod, "DRAG_PREVIEW_PIXELS", 1000, raising=False)
        monkeypatch.setattr(mod, "to_display", recording, raising=False)
    return calls


def _synchronous_pixmap(display: np.ndarray):
    """What the viewer's pixmap held when it converted on the GUI thread."""
    from llmvis_desktop.qt.widgets.viewer_display import ndarray_to_qimage

    qimg, _buf = ndarray_to_qimage(display)
    return QPixmap.fromImage(qimg).toImage()


@pytest.mark.parametrize("pixels", [gray16(), rgb16()], ids=["gray16", "rgb16"])
def test_a_preset_on_a_large_image_renders_full_resolution_off_the_gui_thread(viewer, qtbot, large, pixels):
    viewer.show_image(make_data(pixels))
    large.clear()
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.set_window(20000.0, 30000.0)
    # at once: a preview, drawn on the GUI thread from a subsampled copy
    assert viewer.is_preview()
    assert viewer.current_display().shape[:2] != pixels.shape[:2]
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=5000)
    full_width = [main for main, shape in large if shape[1] == pixels.shape[1]]
    assert full_width and not any(full_width), large  # full resolution: only off the GUI thread
    want = to_display(pixels, (20000.0, 30000.0))
    assert np.array_equal(viewer.current_display(), want)
    # the pixels on screen are those the synchronous conversion gave
    assert viewer._item.pixmap().toImage() == _synchronous_pixmap(want)
    assert viewer._item.scale() == 1 and viewer._scene.sceneRect().width() == pixels.shape[1]


def test_only_the_newest_window_reaches_the_screen(viewer, qtbot, large, monkeypatch):
    """A render still running when a newer window is asked for is dropped."""
    from llmvis_desktop.qt.widgets import viewer_render

    px = gray16()
    viewer.show_image(make_data(px))
    gate, started = threading.Event(), threading.Event()
    real = viewer_render.to_display

    def slow_first(pixels, window, **kw):
        if tuple(window) == (1000.0, 2000.0):
            started.set()
            gate.wait(5)
        return real(pixels, window, **kw)

    monkeypatch.setattr(viewer_render, "to_display", slow_first)
    shown = []
    viewer._renderer.rendered.connect(lambda window, display, image: shown.append(window))
    viewer.set_window(1000.0, 2000.0)
    assert started.wait(5)
    viewer.set_window(30000.0, 9000.0)  # while the first one renders
    gate.set()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=5000)
    answers_delivered(viewer._renderer._worker)  # (was a 50 ms wait for a late first render)
    assert shown == [(30000.0, 9000.0)]
    assert viewer.window() == (30000.0, 9000.0)
    assert np.array_equal(viewer.current_display(), to_display(px, (30000.0, 9000.0)))


def test_a_render_under_way_is_dropped_for_another_image_or_as_loaded(viewer, qtbot, large, monkeypatch):
    from llmvis_desktop.qt.widgets import viewer_render

    px = gray16()
    data = make_data(px)
    viewer.show_image(data)
    gate, started = threading.Event(), threading.Event()
    real = viewer_render.to_display

    def slow(pixels, window, **kw):
        started.set()
        gate.wait(5)
        return real(pixels, window, **kw)

    monkeypatch.setattr(viewer_render, "to_display", slow)
    viewer.set_window(1000.0, 2000.0)
    assert started.wait(5)
    i = viewer.preset_combo.findText("As loaded")
    viewer.preset_combo.setCurrentIndex(i)
    viewer.preset_combo.activated.emit(i)  # the file's own look: its preview at once
    assert viewer.window() == tuple(data.window) and viewer.is_preview()
    gate.set()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), data.display)
    answers_delivered(viewer._renderer._worker)  # (was a 200 ms wait for the late render)
    assert np.array_equal(viewer.current_display(), data.display)  # the late render was dropped
    assert viewer.window() == tuple(data.window)


def test_a_small_image_still_changes_window_at_once(viewer, qtbot):
    px = gray16(60, 80)
    viewer.show_image(make_data(px))
    viewer.set_window(20000.0, 30000.0)
    assert not viewer.is_preview()
    want = to_display(px, (20000.0, 30000.0))
    assert np.array_equal(viewer.current_display(), want)
    assert viewer._item.pixmap().toImage() == _synchronous_pixmap(want)
