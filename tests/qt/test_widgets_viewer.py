"""Behaviour and screenshots of the image viewer on its own: 8- and 16-bit images, zoom,
pan and keys, window/level (presets, the right drag, a large image's preview), inversion
and curves kept, the error panel."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta, auto_window, to_display  # noqa: E402

from widget_shots import shot  # noqa: E402


def make_data(pixels: np.ndarray, fmt: str = "PNG", bit_depth: int = 8, window=None, modality: str = "") -> ImageData:
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if pixels.dtype == np.uint8 and window is None:
        display = pixels
    else:
        window = window or auto_window(pixels)
        display = to_display(pixels, window)
    meta = ImageMeta(width=pixels.shape[1], height=pixels.shape[0], format=fmt, bit_depth=bit_depth,
                     channels=channels, frames=1, mode="RGB" if channels == 3 else "I;16", modality=modality)
    return ImageData(pixels=pixels, display=display, meta=meta, window=window, frame=0)


def rgb8(h=120, w=200) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 255 // w), (y * 255 // h), np.full_like(x, 128)], axis=2).astype(np.uint8)


def gray16(h=200, w=300) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (x * 61420 // (w - 1)).astype(np.uint16) + (y % 2).astype(np.uint16)


# --- viewer ------------------------------------------------------------------------
def test_viewer_rgb8(viewer, qtbot):
    data = make_data(rgb8())
    viewer.show_image(data)
    assert viewer.mode() == "image"
    assert not viewer.window_enabled()
    assert viewer.window() is None
    disp = viewer.current_display()
    assert disp.shape == (120, 200, 3) and np.array_equal(disp, data.display)
    assert "200 \u00d7 120" in viewer.status_text() and "8-bit RGB" in viewer.status_text()
    assert not viewer.preset_combo.isVisible()
    shot(viewer, "viewer_rgb8")


def test_a_large_display_is_made_screen_ready_off_the_gui_thread(viewer, qtbot, monkeypatch):
    """The loader thread converts a large display to the pixmap's format; the GUI thread
    then only wraps it (a 12000x9000 photo stalled the window 0.2 s converting it)."""
    from llmvis_desktop.qt.widgets import viewer_display

    assert viewer_display.screen_image(rgb8()) is None  # small: converted in no time anyway
    monkeypatch.setattr(viewer_display, "SCREEN_READY_PIXELS", 1000)
    data = make_data(rgb8())
    ready = viewer_display.screen_image(data.display)
    assert ready is not None and ready.format() == ready.Format.Format_RGB32
    viewer.show_image(data, ready)
    img = viewer._item.pixmap().toImage()
    for x, y in ((0, 0), (199, 0), (57, 91), (199, 119)):
        c = img.pixelColor(x, y)
        assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in data.display[y, x])
    assert np.array_equal(viewer.current_display(), data.display)


def test_viewer_zoom_keys_and_unclaimed_keys(viewer, qtbot):
    viewer.show_image(make_data(rgb8()))
    fit_zoom = viewer.zoom()
    assert fit_zoom > 1.0  # small image fitted into 640x480
    QTest.keyClick(viewer._view, Qt.Key.Key_0)
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.keyClick(viewer._view, Qt.Key.Key_Plus)
    assert viewer.zoom() == pytest.approx(1.25)
    QTest.keyClick(viewer._view, Qt.Key.Key_Minus)
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.keyClick(viewer._view, Qt.Key.Key_F)
    assert viewer.zoom() == pytest.approx(fit_zoom)
    assert "100%" not in viewer.zoom_label.text()
    # review keys are not consumed by the viewer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtCore import QEvent

    for key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_Return, Qt.Key.Key_1):
        ev = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        viewer._view.keyPressEvent(ev)
        assert not ev.isAccepted(), key


def test_viewer_16bit_not_clipped(viewer, qtbot):
    px = gray16()
    assert px.max() >= 61420
    data = make_data(px, fmt="TIFF", bit_depth=16)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.show_image(data)
    assert viewer.window_enabled()
    disp = viewer.current_display()
    assert disp.dtype == np.uint8 and disp.shape == px.shape
    # the full 0..61420 ramp maps onto the 0..255 range, not clipped at 255 after 1/256 of it
    assert disp[:, 0].max() < 10 and disp[:, -1].min() > 245
    assert len(np.unique(disp[0])) > 200
    assert "16-bit gray" in viewer.status_text() and "W " in viewer.status_text() and " L " in viewer.status_text()
    shot(viewer, "viewer_gray16")


def test_viewer_window_level_is_readable_in_a_narrow_viewer(viewer, qtbot):
    """At 1440 px the status line was cut at "... zoom 71% (fit) · W 4": the window/level
    is on a label of its own, first, shown whole however narrow the viewer is."""
    viewer.show_image(make_data(gray16(), fmt="TIFF", bit_depth=16))
    viewer.set_window(30000.0, 40000.0)
    viewer.resize(360, 300)
    qtbot.wait(20)
    wl = viewer.wl_status
    assert wl.isVisible() and wl.text() == "W 40000  L 30000"
    assert wl.width() >= wl.fontMetrics().horizontalAdvance(wl.text())
    assert wl.x() < viewer.status_label.x()  # before the size, format and zoom
    assert viewer.status_text().startswith("W 40000  L 30000")
    viewer.clear()
    assert not wl.isVisible() and viewer.status_text() == ""


def test_viewer_window_api_and_presets(viewer, qtbot):
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    before = viewer.current_display().copy()
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000) as blocker:
        viewer.set_window(10000, 2000)
    assert blocker.args == [10000.0, 2000.0]
    after = viewer.current_display()
    assert np.array_equal(after, to_display(px, (10000, 2000)))
    assert not np.array_equal(before, after)
    assert viewer.preset_combo.currentText() == "Custom"
    items = [viewer.preset_combo.itemText(i) for i in range(viewer.preset_combo.count())]
    assert "Auto" in items and "Full range" in items
    assert not any(t.startswith("CT") for t in items)  # unsigned TIFF: no CT presets
    viewer.preset_combo.activated.emit(items.index("Full range"))
    c, w = viewer.window()
    assert c == pytest.approx((int(px.min()) + int(px.max())) / 2) and w == pytest.approx(int(px.max()) - int(px.min()))


def test_viewer_ct_presets(viewer, qtbot):
    y, x = np.mgrid[0:128, 0:128]
    hu = (x * 30 - 1500).astype(np.int16)
    viewer.show_image(make_data(hu, fmt="DICOM", bit_depth=16, window=(40.0, 400.0), modality="CT"))
    items = [viewer.preset_combo.itemText(i) for i in range(viewer.preset_combo.count())]
    lung = next(i for i, t in enumerate(items) if t.startswith("CT Lung"))
    viewer.preset_combo.setCurrentIndex(lung)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000) as blocker:
        viewer.preset_combo.activated.emit(lung)
    assert blocker.args == [-600.0, 1500.0]
    assert np.array_equal(viewer.current_display(), to_display(hu, (-600, 1500)))
    shot(viewer, "viewer_ct_lung")


def test_viewer_keeps_monochrome1_inverted_when_the_window_changes(viewer, qtbot):
    """A MONOCHROME1 image (low values white) lost its inversion at the first window
    change: bone and background swapped."""
    from dataclasses import replace

    y, x = np.mgrid[0:64, 0:64]
    px = (x * 40).astype(np.uint16)
    data = make_data(px, fmt="DICOM", bit_depth=16, window=(1200.0, 2400.0))
    data = replace(data, meta=replace(data.meta, mode="MONOCHROME1"),
                   display=to_display(px, (1200.0, 2400.0), invert=True))
    viewer.show_image(data)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.set_window(1200, 2400)  # the same window, set again
    assert np.array_equal(viewer.current_display(), to_display(px, (1200, 2400), invert=True))
    assert viewer.current_display()[0, 0] > viewer.current_display()[0, -1]  # low values stay bright


@pytest.mark.parametrize("kind", ["min_is_white", "sigmoid"])
def test_viewer_keeps_inversion_and_curve_when_the_window_changes(viewer, qtbot, kind):
    """A MinIsWhite TIFF shows inverted and a DICOM whose VOI LUT Function is SIGMOID
    keeps its S-curve for every window the reviewer picks."""
    from dataclasses import replace

    y, x = np.mgrid[0:64, 0:64]
    px = (x * 40).astype(np.uint16)
    flags = {"min_is_white": dict(invert=True), "sigmoid": dict(sigmoid=True)}[kind]
    data = make_data(px, fmt="TIFF" if kind == "min_is_white" else "DICOM", bit_depth=16,
                     window=(1200.0, 2400.0))
    data = replace(data, meta=replace(data.meta, **{kind: True}),
                   display=to_display(px, (1200.0, 2400.0), **flags))
    viewer.show_image(data)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.set_window(1000, 1000)
    assert np.array_equal(viewer.current_display(), to_display(px, (1000, 1000), **flags))
    assert not np.array_equal(viewer.current_display(), to_display(px, (1000, 1000)))


def test_viewer_right_drag_changes_window(viewer, qtbot):
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    start_window = viewer.window()
    before = viewer.current_display().copy()
    vp = viewer._view.viewport()
    centre = vp.rect().center()
    QTest.mousePress(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, centre)
    # QTest.mouseMove carries no buttons; send real move events with the right button held
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    for step in range(1, 6):
        pos = QPointF(centre.x() - 12 * step, centre.y() - 8 * step)
        ev = QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos), Qt.MouseButton.NoButton,
                         Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(vp, ev)
    QTest.mouseRelease(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(centre.x() - 60, centre.y() - 40))
    qtbot.waitUntil(lambda: viewer.window() != start_window, timeout=10000)
    c, w = viewer.window()
    assert w < start_window[1]  # dragged left: narrower window
    assert c > start_window[0]  # dragged up: higher level
    assert not np.array_equal(before, viewer.current_display())
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))


def test_a_window_drag_on_a_large_image_previews_then_settles_at_full_resolution(viewer, qtbot, monkeypatch):
    """Every step of a drag converted the whole image on the GUI thread (0.5 s a step at
    100 MP, 16-bit): steps now show a subsampled copy over the same area, and the full
    resolution follows when the drag pauses."""
    from llmvis_desktop.qt.widgets import viewer_window as viewer_mod

    monkeypatch.setattr(viewer_mod, "DRAG_PREVIEW_PIXELS", 1000)
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    full_rect = viewer._scene.sceneRect()
    viewer._drag_window(viewer.window(), -30, -20)
    qtbot.waitUntil(viewer.is_preview, timeout=10000)
    shown = viewer.current_display()
    step = viewer._preview_step
    assert step > 1 and shown.shape == px[::step, ::step].shape
    assert np.array_equal(shown, to_display(px[::step, ::step], viewer.window()))
    assert viewer._scene.sceneRect() == full_rect  # the copy covers the same area
    assert viewer._item.sceneBoundingRect().width() >= full_rect.width()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=10000)
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))
    assert viewer._item.scale() == 1 and viewer._scene.sceneRect() == full_rect


def test_viewer_error_panel_and_clear(viewer, qtbot):
    viewer.show_image(make_data(rgb8()))
    viewer.show_error("/data/line3/cam2/img_0042.tif", "truncated or corrupt image data")
    assert viewer.mode() == "error"
    assert "truncated or corrupt image data" in viewer.error_text()
    assert "img_0042.tif" in viewer.error_text()
    assert viewer.current_display() is None
    shot(viewer, "viewer_error")
    viewer.clear()
    assert viewer.mode() == "empty" and viewer.error_text() == ""


def test_viewer_pan_and_wheel(viewer, qtbot):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent, QWheelEvent
    from PySide6.QtWidgets import QApplication

    viewer.show_image(make_data(rgb8(600, 900)))
    viewer.set_zoom(2.0)
    hbar = viewer._view.horizontalScrollBar()
    vbar = viewer._view.verticalScrollBar()
    h0, v0 = hbar.value(), vbar.value()
    QTest.keyClick(viewer._view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(viewer._view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert hbar.value() > h0 and vbar.value() > v0
    vp = viewer._view.viewport()
    h1, v1 = hbar.value(), vbar.value()
    start = QPointF(300, 200)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start.toPoint())
    pos = QPointF(260, 170)
    QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos), Qt.MouseButton.NoButton,
                                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos.toPoint())
    assert hbar.value() == h1 + 40 and vbar.value() == v1 + 30  # content follows the hand
    z = viewer.zoom()
    wheel = QWheelEvent(QPointF(100, 100), vp.mapToGlobal(QPointF(100, 100)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, wheel)
    assert viewer.zoom() == pytest.approx(z * 1.25)
    assert "250%" in viewer.zoom_label.text()
