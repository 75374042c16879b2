"""The viewer's zoom on a 2x (HiDPI) screen: "1:1" is one image pixel per device pixel.

On a 2x screen the view scale 1.0 that "1:1" / "100%" set drew every image pixel as
2x2 screen pixels. The ratio cannot change inside one process (QT_SCALE_FACTOR), so
the tests replace ``ImageViewer.device_pixel_ratio``.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta


def stripes(h=400, w=600) -> ImageData:
    a = np.zeros((h, w), np.uint8)
    a[:, ::2] = 255
    meta = ImageMeta(width=w, height=h, format="PNG", bit_depth=8, channels=1, frames=1, mode="L")
    return ImageData(pixels=a, display=a, meta=meta, window=None, frame=0)


def _ratio(viewer, monkeypatch, r: float) -> None:
    monkeypatch.setattr(viewer, "device_pixel_ratio", lambda: r, raising=False)


def _smooth(viewer) -> bool:
    return (viewer._item.transformationMode() == Qt.TransformationMode.SmoothTransformation
            and bool(viewer._view.renderHints() & QPainter.RenderHint.SmoothPixmapTransform))


def test_one_to_one_is_one_image_pixel_per_device_pixel_on_a_2x_screen(viewer, monkeypatch):
    _ratio(viewer, monkeypatch, 2.0)
    viewer.show_image(stripes())
    viewer.actual_size()
    assert viewer._view.transform().m11() == pytest.approx(0.5)  # view pixels per image pixel
    assert viewer.zoom() == pytest.approx(1.0)
    assert viewer.zoom_label.text() == "100%"
    assert "zoom 100%" in viewer.status_text()
    assert not _smooth(viewer)  # 1:1 in device pixels: crisp
    viewer.zoom_in()
    assert viewer._view.transform().m11() == pytest.approx(0.625) and viewer.zoom_label.text() == "125%"
    viewer.set_zoom(2.0)
    assert viewer._view.transform().m11() == pytest.approx(1.0) and viewer.zoom_label.text() == "200%"
    # a view scale of 0.75 is 1.5 device pixels per image pixel: magnified, crisp
    viewer.set_zoom(1.5)
    assert not _smooth(viewer)
    viewer.set_zoom(0.8)
    assert viewer._view.transform().m11() == pytest.approx(0.4) and _smooth(viewer)


def test_fit_reports_device_pixels_on_a_2x_screen(viewer, monkeypatch):
    _ratio(viewer, monkeypatch, 2.0)
    viewer.show_image(stripes())
    vp = viewer._view.viewport().rect()
    view_scale = min(vp.width() / 600, vp.height() / 400)
    assert viewer._view.transform().m11() == pytest.approx(view_scale)  # fit fills the view
    assert viewer.zoom() == pytest.approx(view_scale * 2.0)
    assert viewer.zoom_label.text() == f"{view_scale * 200:.0f}%"


def test_one_to_one_stays_one_to_one_when_the_screen_ratio_changes(viewer, qtbot, monkeypatch):
    _ratio(viewer, monkeypatch, 1.0)
    viewer.show_image(stripes())
    viewer.actual_size()
    assert viewer._view.transform().m11() == pytest.approx(1.0)
    _ratio(viewer, monkeypatch, 2.0)  # the window moved to a 2x screen
    QApplication.sendEvent(viewer, QEvent(QEvent.Type.DevicePixelRatioChange))
    qtbot.waitUntil(lambda: viewer._view.transform().m11() == pytest.approx(0.5), timeout=10000)
    assert viewer.zoom() == pytest.approx(1.0) and viewer.zoom_label.text() == "100%"
