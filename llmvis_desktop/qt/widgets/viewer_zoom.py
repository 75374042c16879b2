"""The ImageViewer's zoom: fit, 1:1, zoom steps, in device (screen) pixels.

:class:`ZoomMixin` is part of :class:`.viewer.ImageViewer`; its public methods are the
viewer's ``fit()``, ``actual_size()``, ``zoom_in()`` / ``zoom_out()``, ``set_zoom(factor)``,
``zoom()`` and ``device_pixel_ratio()``. A zoom of 1.0 is one image pixel per device pixel
(on a 2x screen the view's own scale is then 0.5); a fitted view stays fitted while it is
resized, and fitted or 1:1 stays so on a screen of another pixel ratio.
:class:`.zoom_pan_view.ZoomPanView` calls ``_zoom_by`` (the wheel) and ``_on_resized``.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView

from .zoom_pan_view import MAX_ZOOM, MIN_ZOOM, ZOOM_STEP


class ZoomMixin:
    def device_pixel_ratio(self) -> float:
        """Device pixels per view pixel: 2.0 on a 2x (HiDPI) screen."""
        return float(self._view.devicePixelRatioF()) or 1.0

    def zoom(self) -> float:
        """Device (screen) pixels per image pixel: 1.0 is 1:1 on any screen."""
        return float(self._view.transform().m11()) * self.device_pixel_ratio()

    def set_zoom(self, factor: float) -> None:
        if not self.has_image():
            return
        self._fit_mode = False
        factor = min(MAX_ZOOM, max(MIN_ZOOM, float(factor))) / self.device_pixel_ratio()
        self._view.resetTransform()
        self._view.scale(factor, factor)
        self._zoom_updated()

    def fit(self) -> None:
        self._fit_mode = True
        self._apply_fit()
        self._update_status()

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_by(1.0 / ZOOM_STEP)

    def _apply_fit(self) -> None:
        if not self.has_image() and self._display is None:
            return
        rect = self._scene.sceneRect()
        if rect.isEmpty():
            return
        self._view.resetTransform()
        vp = self._view.viewport().rect()
        if vp.width() < 2 or vp.height() < 2:
            return
        dpr = self.device_pixel_ratio()
        s = min(vp.width() / rect.width(), vp.height() / rect.height()) * dpr
        s = min(MAX_ZOOM, max(MIN_ZOOM, s)) / dpr
        self._view.scale(s, s)
        self._view.centerOn(rect.center())
        self._zoom_updated(fit=True)

    def _zoom_by(self, factor: float, anchor_under_mouse: bool = False) -> None:
        if not self.has_image():
            return
        current = self.zoom()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        if target == current:
            return
        self._fit_mode = False
        anchor = (QGraphicsView.ViewportAnchor.AnchorUnderMouse if anchor_under_mouse
                  else QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._view.setTransformationAnchor(anchor)
        self._view.scale(target / current, target / current)
        self._view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._zoom_updated()

    def _zoom_updated(self, fit: bool = False) -> None:
        z = self._device_zoom = self.zoom()
        # smooth when shrinking, crisp pixels from 1:1 up (in device pixels: inspection)
        mode = (Qt.TransformationMode.SmoothTransformation if z < 1.0
                else Qt.TransformationMode.FastTransformation)
        self._item.setTransformationMode(mode)
        self._view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, z < 1.0)
        self.zoom_label.setText(f"{z * 100:.0f}%")
        self._update_status()
        self.zoomChanged.emit(z)

    def _on_resized(self) -> None:
        if self._fit_mode and self.has_image():
            self._apply_fit()

    def event(self, event) -> bool:  # noqa: D401 - Qt API
        if event.type() == QEvent.Type.DevicePixelRatioChange and self.has_image():
            QTimer.singleShot(0, self, self._on_ratio_changed)  # once the view has its new ratio
        return super().event(event)

    def _on_ratio_changed(self) -> None:
        """Moved to a screen of another pixel ratio: fitted stays fitted, 1:1 stays 1:1."""
        if not self.has_image():
            return
        if self._fit_mode:
            self._apply_fit()
            return
        ratio = self._device_zoom / self.zoom()
        if abs(ratio - 1.0) > 1e-9:
            self._view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self._view.scale(ratio, ratio)
            self._view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._zoom_updated()
