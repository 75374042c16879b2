"""The ImageViewer's zoom: fit, 1:1, zoom steps, in device (screen) pixels.

:class:`ZoomMixin` is part of :class:`.viewer.ImageViewer`; its public methods are the
viewer's ``fit()``, ``actual_size()``, ``zoom_in()`` / ``zoom_out()``, ``set_zoom(factor)``,
``zoom()`` and ``device_pixel_ratio()``. A zoom of 1.0 is one image pixel per device pixel
(on a 2x screen the view's own scale is then 0.5); a fitted view stays fitted while it is
resized, and fitted or 1:1 stays so on a screen of another pixel ratio.

A line-scan strip (long side 8 or more times the short one:
:func:`llmvis_desktop.core.imaging.strip_view.is_strip`) has two fits: the whole image
(``fit()``: the zoom may go below ``MIN_ZOOM`` for it, so that it really fits, a
60000x300 strip at 0.7% in a 420-px view) and its short side at the view's size, its
start shown, scrolled along its length (``fit()`` again, F again; once more: the whole
strip). The short-side fit, once chosen, is how the next strips open too, until F
brings back the whole image; an image that is no strip is always fitted whole.
``show_region(box, source_px)`` zooms to a box of the image's pixels (the tile of a strip
that gave a label its score) and outlines it (``tile_outline()``) until the next image.
:class:`.zoom_pan_view.ZoomPanView` calls ``_zoom_by`` (the wheel) and ``_on_resized``.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from llmvis_desktop.core.imaging.strip_view import is_strip

from .viewer_display import zoom_text
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
        factor = min(MAX_ZOOM, max(self._min_zoom(), float(factor))) / self.device_pixel_ratio()
        self._view.resetTransform()
        self._view.scale(factor, factor)
        self._zoom_updated()

    def fit(self) -> None:
        """Fit the whole image; a strip fitted whole: its short side (and back again)."""
        if self._fit_mode and self._is_strip() and self.has_image():
            self._fit_short = not self._fit_short
        else:
            self._fit_short = False
        self._fit_mode = True
        self._apply_fit()
        self._update_status()

    def fit_kind(self) -> str:
        """"" (not fitted), "all", or the short side fitted: "width" or "height"."""
        if not self._fit_mode:
            return ""
        if not (self._fit_short and self._is_strip()):
            return "all"
        rect = self._scene.sceneRect()
        return "width" if rect.height() >= rect.width() else "height"

    def _is_strip(self) -> bool:
        rect = self._scene.sceneRect()
        return is_strip(round(rect.width()), round(rect.height()))

    def _fit_all_zoom(self) -> float | None:
        """Device pixels per image pixel that show the whole image (None: no room yet)."""
        rect = self._scene.sceneRect()
        room = self._view.maximumViewportSize()  # (the size with no scroll bars)
        if rect.isEmpty() or room.width() < 2 or room.height() < 2:
            return None
        return min(room.width() / rect.width(), room.height() / rect.height()) * self.device_pixel_ratio()

    def _min_zoom(self) -> float:
        """MIN_ZOOM, or less where the whole image needs it (a long strip)."""
        whole = self._fit_all_zoom()
        return MIN_ZOOM if whole is None else min(MIN_ZOOM, whole)

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
        whole = self._fit_all_zoom()
        if whole is None:
            return
        self._view.resetTransform()
        dpr = self.device_pixel_ratio()
        kind = self.fit_kind()
        if kind in ("width", "height"):
            # the short side at the view's size, less the scroll bar the long side will need
            room = self._view.maximumViewportSize()
            bar = self._view.style().pixelMetric(self._view.style().PixelMetric.PM_ScrollBarExtent)
            if kind == "width":
                s = (room.width() - bar) / rect.width()
            else:
                s = (room.height() - bar) / rect.height()
            s = min(MAX_ZOOM, max(whole / dpr, s))
            self._view.scale(s, s)
            self._view.centerOn(rect.center())
            bars = (self._view.horizontalScrollBar(), self._view.verticalScrollBar())
            bars[0 if kind == "height" else 1].setValue(bars[0 if kind == "height" else 1].minimum())
        else:
            s = min(MAX_ZOOM, whole) / dpr
            self._view.scale(s, s)
            self._view.centerOn(rect.center())
        self._zoom_updated(fit=True)

    def _zoom_by(self, factor: float, anchor_under_mouse: bool = False) -> None:
        if not self.has_image():
            return
        current = self.zoom()
        target = min(MAX_ZOOM, max(self._min_zoom(), current * factor))
        if target == current:
            return
        self._fit_mode = False
        anchor = (QGraphicsView.ViewportAnchor.AnchorUnderMouse if anchor_under_mouse
                  else QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._view.setTransformationAnchor(anchor)
        self._view.scale(target / current, target / current)
        self._view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._zoom_updated()

    def show_region(self, box, source_px=None, room: float = 0.8) -> bool:
        """Zoom to ``box`` (x, y, w, h) of an image ``source_px`` (width, height) in size
        (its pixels map onto the image shown, were it read smaller), centred, the box
        taking ``room`` of the view, outlined; False (nothing done) with no image or a box
        outside it."""
        rect = self._scene.sceneRect()
        if not self.has_image() or rect.isEmpty():
            return False
        if not source_px and self._pixels is not None:  # (the scene is stretched where pixels are not square)
            source_px = (self._pixels.shape[1], self._pixels.shape[0])
        sx = rect.width() / source_px[0] if source_px else 1.0
        sy = rect.height() / source_px[1] if source_px else 1.0
        x, y, w, h = box
        target = QRectF(x * sx, y * sy, w * sx, h * sy).intersected(rect)
        if target.isEmpty():
            return False
        port = self._view.maximumViewportSize()
        dpr = self.device_pixel_ratio()
        s = min(port.width() * room / target.width(), port.height() * room / target.height()) * dpr
        self._fit_mode = False
        self._view.resetTransform()
        s = min(MAX_ZOOM, max(self._min_zoom(), s)) / dpr
        self._view.scale(s, s)
        self._view.centerOn(target.center())
        self._drop_outline()
        pen = QPen(QColor("#ffb000"), 2)
        pen.setCosmetic(True)  # 2 screen pixels at any zoom
        self._outline = self._scene.addRect(target, pen)
        self._outline.setZValue(1)
        self._zoom_updated()
        return True

    def tile_outline(self) -> QRectF | None:
        """The box :meth:`show_region` outlined (scene units: image pixels, one axis
        stretched for non-square pixels), or None."""
        item = getattr(self, "_outline", None)
        return item.rect() if item is not None else None

    def _drop_outline(self) -> None:
        item = getattr(self, "_outline", None)
        if item is not None:
            self._scene.removeItem(item)
        self._outline = None

    def _zoom_updated(self, fit: bool = False) -> None:
        z = self._device_zoom = self.zoom()
        # smooth when shrinking, crisp pixels from 1:1 up (in device pixels: inspection)
        mode = (Qt.TransformationMode.SmoothTransformation if z < 1.0
                else Qt.TransformationMode.FastTransformation)
        self._item.setTransformationMode(mode)
        self._view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, z < 1.0)
        self.zoom_label.setText(zoom_text(z))
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

