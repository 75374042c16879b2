"""A window/level right-drag on a large image: previews while dragging, the exact full
resolution once it ends, nothing stale after the release or after another image.

On a 48 MP 16-bit TIFF every drag step after the full resolution had been shown froze
the GUI thread 30-60 ms freeing that picture (192 MB of RGB32), the release waited
:data:`DRAG_SETTLE_MS` before asking for the full resolution, "As loaded" converted the
whole picture on the GUI thread (1.2 s), and moves after the image changed mid-drag
applied the old image's window. "Large" is made small here by lowering
``DRAG_PREVIEW_PIXELS``.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication

from qthelpers import answers_delivered

from llmvis_desktop.core.imaging.reader import (
    ImageData,
    ImageMeta,
    auto_window,
    to_display,
)


def gray16(h=200, w=300, seed=0) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (x * 61420 // (w - 1)).astype(np.uint16) + (y * 37 % 1000).astype(np.uint16) + seed


def make_data(pixels: np.ndarray, window=None, display=None) -> ImageData:
    window = window or auto_window(pixels)
    meta = ImageMeta(width=pixels.shape[1], height=pixels.shape[0], format="TIFF", bit_depth=16,
                     channels=1, frames=1, mode="I;16")
    shown = to_display(pixels, window) if display is None else display
    return ImageData(pixels=pixels, display=shown, meta=meta, window=window, frame=0)


@pytest.fixture
def large(monkeypatch, viewer):
    """Every image counts as large, and a pause in a drag never settles by itself."""
    from llmvis_desktop.qt.widgets import viewer_window

    monkeypatch.setattr(viewer_window, "DRAG_PREVIEW_PIXELS", 1000)
    viewer._full_timer.setInterval(60_000)
    return viewer


def _mouse(viewer, kind, pos: QPointF, buttons) -> None:
    vp = viewer._view.viewport()
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.RightButton
    QApplication.sendEvent(vp, QMouseEvent(kind, pos, vp.mapToGlobal(pos), button, buttons,
                                           Qt.KeyboardModifier.NoModifier))


def _press(viewer) -> QPointF:
    centre = QPointF(viewer._view.viewport().rect().center())
    _mouse(viewer, QEvent.Type.MouseButtonPress, centre, Qt.MouseButton.RightButton)
    return centre


def _move(viewer, pos: QPointF, qtbot) -> None:
    _mouse(viewer, QEvent.Type.MouseMove, pos, Qt.MouseButton.RightButton)
    qtbot.wait(5)  # the step is applied on the next turn of the event loop


def _all_delivered(viewer) -> None:
    """Every render asked for has ended and was handled, and the event loop has taken a
    turn (a drag step due): "nothing later replaces it" as an event. (Were 100-200 ms
    waits: on a loaded machine a late render could land after them, unchecked.)"""
    answers_delivered(viewer._renderer._worker)
    QApplication.processEvents()


def _release(viewer, pos: QPointF) -> None:
    _mouse(viewer, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton)


def test_drag_steps_are_drawn_off_the_gui_thread_from_a_copy_made_once(large, qtbot, monkeypatch):
    """Each step converted every step-th pixel of the whole image on the GUI thread (and
    gathered them from the 96 MB of a 48 MP image, each time)."""
    import threading

    from llmvis_desktop.qt.widgets import viewer_render, viewer_window

    calls = []
    for mod in (viewer_render, viewer_window):
        real = mod.to_display

        def recording(pixels, *args, _real=real, **kwargs):
            calls.append((threading.current_thread() is threading.main_thread(), np.shape(pixels)))
            return _real(pixels, *args, **kwargs)

        monkeypatch.setattr(mod, "to_display", recording)
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    start = _press(viewer)
    sources = set()
    for i in range(1, 5):
        _move(viewer, QPointF(start.x() - 9 * i, start.y()), qtbot)
        qtbot.waitUntil(lambda: viewer.is_preview() and np.array_equal(
            viewer.current_display(), to_display(px[::viewer._preview_step, ::viewer._preview_step],
                                                 viewer.window())), timeout=10000)
        sources.add(id(viewer._preview_pixels.get()))
    step = viewer._preview_step
    assert step > 1 and calls
    assert all(not main and shape == px[::step, ::step].shape for main, shape in calls), calls
    assert len(sources) == 1  # one copy for the whole drag
    _release(viewer, QPointF(start.x() - 36, start.y()))
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))


def _pixmap_of(display: np.ndarray):
    from llmvis_desktop.qt.widgets.viewer_display import ndarray_to_qimage

    qimg, _buf = ndarray_to_qimage(display)
    return QPixmap.fromImage(qimg).toImage()


def test_a_drag_previews_and_its_release_shows_the_exact_full_resolution_at_once(large, qtbot):
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    start = _press(viewer)
    for i in range(1, 6):
        _move(viewer, QPointF(start.x() - 7 * i, start.y() - 5 * i), qtbot)
        # every step: the subsampled copy, through the step's window
        qtbot.waitUntil(lambda: viewer.is_preview() and np.array_equal(
            viewer.current_display(), to_display(px[::viewer._preview_step, ::viewer._preview_step],
                                                 viewer.window())), timeout=10000)
    end = QPointF(start.x() - 40, start.y() - 30)
    _move(viewer, end, qtbot)
    _release(viewer, end)
    final = viewer.window()
    # the release asks for the full resolution itself (no 60 s pause to wait for)
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert viewer.window() == final
    want = to_display(px, final)
    assert np.array_equal(viewer.current_display(), want)
    assert viewer._item.pixmap().toImage() == _pixmap_of(want)
    assert viewer._item.scale() == 1
    _all_delivered(viewer)  # nothing later replaces it
    assert np.array_equal(viewer.current_display(), want) and viewer.window() == final


def test_the_full_resolution_picture_is_reused_not_freed_by_each_drag(large, qtbot):
    """Replacing the full-resolution pixmap by a drag's preview freed its 192 MB (48 MP)
    on the GUI thread, 30-60 ms; the next full render allocated them again. Its image is
    now kept and the next full resolution is rendered into it."""
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    images = []
    viewer._renderer.rendered.connect(lambda window, display, image: images.append(image))
    for n in range(3):
        start = _press(viewer)
        end = QPointF(start.x() - 10 - n, start.y() + 5)
        _move(viewer, end, qtbot)
        _release(viewer, end)
        qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
        assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))
        assert viewer._item.pixmap().toImage() == _pixmap_of(to_display(px, viewer.window()))
    assert len(images) == 3
    assert images[1] is images[0] and images[2] is images[0]


def test_another_image_mid_drag_ends_the_drag_and_no_stale_picture_follows(large, qtbot):
    viewer = large
    first, second = gray16(), gray16(180, 240, seed=500)
    viewer.show_image(make_data(first))
    start = _press(viewer)
    _move(viewer, QPointF(start.x() - 30, start.y() - 20), qtbot)
    qtbot.waitUntil(viewer.is_preview, timeout=10000)
    data = make_data(second)
    viewer.show_image(data)  # the next image, the button still held
    for i in range(1, 4):
        _move(viewer, QPointF(start.x() + 20 * i, start.y() + 10 * i), qtbot)
    end = QPointF(start.x() + 60, start.y() + 30)
    _release(viewer, end)
    qtbot.waitUntil(lambda: not viewer.is_preview() and viewer.current_display().shape == second.shape,
                    timeout=5000)  # the new image's full render
    _all_delivered(viewer)  # (a late step of the old drag would land meanwhile)
    # the old image's drag does not go on over the new one
    assert viewer.window() == tuple(data.window)
    assert not viewer.is_preview()
    assert np.array_equal(viewer.current_display(), data.display)
    assert viewer.current_display().shape == second.shape


def test_a_release_after_a_settled_pause_keeps_the_newest_window(large, qtbot):
    """A full render asked for at a pause, then more steps and the release: only the
    final window's full resolution is shown."""
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    start = _press(viewer)
    _move(viewer, QPointF(start.x() - 10, start.y()), qtbot)
    viewer._full_timer.timeout.emit()  # a pause: the full resolution of that window
    for i in range(1, 4):
        _move(viewer, QPointF(start.x() - 10 - 5 * i, start.y() - 4 * i), qtbot)
    end = QPointF(start.x() - 30, start.y() - 20)
    _release(viewer, end)
    final = viewer.window()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    _all_delivered(viewer)
    assert viewer.window() == final
    assert np.array_equal(viewer.current_display(), to_display(px, final))


def test_as_loaded_on_a_large_image_previews_then_shows_the_files_own_look(large, qtbot):
    """"As loaded" converted the whole picture to the screen's format on the GUI thread
    (1.2 s for 48 MP); a large one now previews at once and the full resolution, converted
    off the GUI thread, follows. The look is the file's own (here a display no window
    gives, as a VOI LUT's)."""
    viewer = large
    px = gray16()
    own = (np.sqrt(px.astype(np.float64) / 65535.0) * 255).astype(np.uint8)
    data = make_data(px, window=(30000.0, 60000.0), display=own)
    viewer.show_image(data)
    viewer.set_window(10000.0, 5000.0)
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    i = viewer.preset_combo.findText("As loaded")
    viewer.preset_combo.setCurrentIndex(i)
    viewer.preset_combo.activated.emit(i)
    assert viewer.window() == (30000.0, 60000.0)
    assert viewer.is_preview()
    step = viewer._preview_step
    assert np.array_equal(viewer.current_display(), own[::step, ::step])
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), own)
    assert viewer._item.pixmap().toImage() == _pixmap_of(own)
    assert viewer.preset_combo.currentText() == "As loaded"


def test_a_pause_mid_drag_renders_the_full_resolution_only_where_the_preview_is_coarse(large, qtbot):
    """Zoomed out (a large image fitted), a preview pixel is about a screen pixel: the full
    resolution, whose first paint took 15-45 ms on the GUI thread at 48 MP, waits for the
    release; zoomed in, a pause shows it as before."""
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    start = _press(viewer)
    _move(viewer, QPointF(start.x() - 20, start.y()), qtbot)
    qtbot.waitUntil(viewer.is_preview, timeout=10000)
    viewer.set_zoom(1.0 / (viewer._preview_step * 1.2))  # a preview pixel: under one screen pixel
    viewer._full_timer.timeout.emit()  # a pause, the button held
    _all_delivered(viewer)
    assert viewer.is_preview() and not viewer._renderer.busy()
    viewer.set_zoom(1.0)  # zoomed in: the preview is coarse
    viewer._full_timer.timeout.emit()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))
    _move(viewer, QPointF(start.x() - 40, start.y()), qtbot)
    viewer.set_zoom(1.0 / (viewer._preview_step * 1.2))
    _release(viewer, QPointF(start.x() - 40, start.y()))  # the release: at any zoom
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))


def test_a_drag_whose_release_went_elsewhere_ends_at_the_next_move(large, qtbot):
    viewer = large
    px = gray16()
    viewer.show_image(make_data(px))
    start = _press(viewer)
    _move(viewer, QPointF(start.x() - 20, start.y() + 10), qtbot)
    final = viewer.window()
    # a move with no button held: the release was delivered elsewhere (a dialog)
    _mouse(viewer, QEvent.Type.MouseMove, QPointF(start.x() + 50, start.y() + 50), Qt.MouseButton.NoButton)
    assert not viewer._view.dragging_window()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert viewer.window() == final
    assert np.array_equal(viewer.current_display(), to_display(px, final))
