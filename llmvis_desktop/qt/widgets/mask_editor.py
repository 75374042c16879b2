"""Mask painting for defect repair: brush, eraser, rectangle, clear, invert, opacity,
import from PNG, undo / redo (Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y, in the editor's window),
zoom and pan (:mod:`.zoom`); keys B / E / R (tools), X (brush <-> eraser), [ / ] (size),
Delete (clear), Ctrl+I (invert).
Self-contained: ``MaskEditor(display_uint8)``; ``mask()`` returns a bool (H, W) array at
the image's full resolution, ``set_mask(array)`` loads one.
Non-square pixels (``CanvasImages.scale``, a DICOM's ``display_scale``): shown stretched
along one axis; the mask stays on the stored pixel grid. The brush is round on screen, so an
ellipse in stored pixels; its size is in shown pixels (stored ones along the finer axis).
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QMouseEvent, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QSizePolicy, QSlider,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from .zoom import Viewport, ZoomPan, axis_scales, draw_visible, shown_size, zoom_shortcuts

BRUSH, ERASER, RECT = "brush", "eraser", "rect"
IMPORT_FILTER = "Masks (*.png *.tif *.tiff *.bmp *.jpg *.jpeg *.webp);;All files (*)"  # what load_mask reads


def to_qimage(display: np.ndarray) -> QImage:
    a = np.ascontiguousarray(display)
    if a.ndim == 2:
        img = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format.Format_Grayscale8)
    else:
        a = np.ascontiguousarray(a[..., :3])
        img = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format.Format_RGB888)
    return img.copy()  # own the buffer


class CanvasImages(NamedTuple):
    """What a :class:`MaskCanvas` shows: the image, its (empty) mask and the mask's red
    overlay, all full size. QImages, so they can be made on a worker (the repair dialog's
    image load): at 24 MP they took the GUI thread 0.1-0.2 s."""

    image: QImage
    mask: QImage
    overlay: QImage
    scale: tuple = (1.0, 1.0)  # (sx, sy): the stretch that shows non-square pixels at their shape


def canvas_images(display: np.ndarray, scale: tuple = (1.0, 1.0)) -> CanvasImages:
    """The canvas's images for ``display`` (uint8, (H, W) or (H, W, 3+)), with an empty mask;
    ``scale``: ``display_scale`` of the image's metadata ((1, 1): square pixels)."""
    h, w = display.shape[:2]
    mask = QImage(w, h, QImage.Format.Format_Grayscale8)
    mask.fill(0)
    overlay = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    overlay.fill(0)
    return CanvasImages(to_qimage(display), mask, overlay, (float(scale[0]), float(scale[1])))


def default_brush(w: float, h: float) -> int:
    return max(4, int(min(w, h)) // 40)


OVERLAY_RGBA = 0xFFE61E1E  # the mask's colour on the image (opaque; drawn at the editor's opacity)
UNDO_BYTES = 256 << 20  # the undo history keeps whole masks (1 byte a pixel) up to this much, at least one


def _pixels(img: QImage, dtype=np.uint8) -> np.ndarray:
    """A writable (H, W) numpy view of ``img``'s pixels (one ``dtype`` item per pixel)."""
    a = np.frombuffer(img.bits(), np.uint8, count=img.bytesPerLine() * img.height())
    return a.reshape(img.height(), img.bytesPerLine()).view(dtype)[:, : img.width()]


class MaskCanvas(ZoomPan, QWidget):
    """The image with the mask painted over it (red, adjustable opacity).

    The red overlay is a persistent full-resolution image: a brush stroke updates only the
    rectangle it touched (rebuilding the whole overlay on every repaint took 0.1 s per mouse
    move at 4000x4000 and 0.5 s at 8000x8000), and the count of masked pixels is kept the
    same way (``masked_pixels``)."""

    changed = Signal()
    placeholder = ""  # drawn instead of the image while there is none (the repair dialog's "Loading NAME…")

    def __init__(self, display, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.overlay_rebuilds = 0  # full rebuilds of the overlay (a load, clear, invert): never per stroke
        self.set_images(display if isinstance(display, CanvasImages) else canvas_images(display))
        self.tool = BRUSH
        self.opacity = 0.5
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.idle_cursor = Qt.CursorShape.CrossCursor
        self.setCursor(self.idle_cursor)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Space held: drag the image (ZoomPan)
        self.viewport = Viewport(self)  # zoom and pan (Ctrl+wheel, middle or Space drag), shared
        self.viewport.attach(self)
        self.viewport.changed.connect(self.update)

    def set_images(self, images: "CanvasImages") -> None:
        """Show ``images`` (:func:`canvas_images`, made on any thread) with an empty mask:
        the brush size fits the image, the undo history is dropped."""
        self._image, self._mask, self._overlay = images.image, images.mask, images.overlay
        self.scale = images.scale  # (sx, sy): shown stretched by it, painted on the stored grid
        self.masked_pixels = 0  # (the mask and the overlay come empty)
        self.brush = default_brush(*shown_size(images.image.width(), images.image.height(), self.scale))
        self._undo, self._redo = [], []
        self._last = self._rect_start = self._rect_now = None
        self.placeholder = ""
        self.update()

    # --- geometry (``_target``, where the image is drawn: :class:`ZoomPan`)
    def _image_size(self) -> QSizeF:
        """The image's shown size (stretched along one axis for non-square pixels)."""
        return QSizeF(*shown_size(self._image.width(), self._image.height(), self.scale))

    def to_image(self, p: QPointF) -> QPointF:
        """The stored-pixel point under widget point ``p``."""
        t = self._target()
        sx, sy = axis_scales(t, self._image)
        return QPointF((p.x() - t.x()) / sx, (p.y() - t.y()) / sy)

    def _to_widget(self, r: QRect) -> QRect:
        t = self._target()
        sx, sy = axis_scales(t, self._image)
        return QRectF(t.x() + r.x() * sx, t.y() + r.y() * sy, r.width() * sx, r.height() * sy).toAlignedRect(
        ).adjusted(-1, -1, 1, 1)

    # --- mask access
    def mask(self) -> np.ndarray:
        m = self._mask
        ptr = m.constBits()
        arr = np.frombuffer(ptr, np.uint8, count=m.bytesPerLine() * m.height()).reshape(m.height(), m.bytesPerLine())
        return arr[:, : m.width()] > 127

    def coverage(self) -> float:
        """The masked fraction of the image."""
        return self.masked_pixels / max(1, self._mask.width() * self._mask.height())

    def set_mask(self, mask: np.ndarray, name: str = "") -> None:
        """``name``: the mask's file, named when its size is not the image's (as the CLI does)."""
        mask = np.asarray(mask)
        if mask.shape != (self._image.height(), self._image.width()):
            from ...core.repair.mask_file import mask_size_error

            raise ValueError(mask_size_error(mask.shape, (self._image.height(), self._image.width()), name))
        a = np.ascontiguousarray((mask > 0).astype(np.uint8) * 255)
        self._begin_edit()
        self._mask = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format.Format_Grayscale8).copy()
        self._rebuild_overlay()
        self._changed()

    def clear(self) -> None:
        self._begin_edit()
        self._mask.fill(0)
        self._rebuild_overlay()
        self._changed()

    def invert(self) -> None:
        self._begin_edit()
        self._mask.invertPixels()
        self._rebuild_overlay()
        self._changed()

    # --- undo / redo: one step per stroke, rectangle, clear, invert or loaded mask
    def _begin_edit(self) -> None:
        """Keep the mask as it is before an edit (for undo); an edit drops the redo steps."""
        self._undo.append(self._mask.copy())
        self._redo.clear()
        keep = max(1, UNDO_BYTES // max(1, self._mask.sizeInBytes()))
        del self._undo[:-keep]

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        return self._swap(self._undo, self._redo)

    def redo(self) -> bool:
        return self._swap(self._redo, self._undo)

    def _swap(self, take: list, put: list) -> bool:
        if not take or self._last is not None or self._rect_start is not None:  # not in the middle of a stroke
            return False
        put.append(self._mask)
        self._mask = take.pop()
        self._rebuild_overlay()
        self._changed()
        return True

    def _changed(self, dirty: Optional[QRect] = None) -> None:
        """Repaint (only ``dirty``, in image pixels, when given) and tell the editor."""
        self.update() if dirty is None else self.update(self._to_widget(dirty))
        self.changed.emit()

    # --- the overlay, kept in step with the mask
    def _rebuild_overlay(self) -> None:
        self.overlay_rebuilds += 1
        self.masked_pixels = 0
        self._overlay.fill(0)  # counted from nothing
        self._sync(QRect(0, 0, self._mask.width(), self._mask.height()))

    def _sync(self, r: QRect) -> None:
        """Copy the mask inside ``r`` (image pixels) to the overlay and to the pixel count."""
        r = r.intersected(QRect(0, 0, self._mask.width(), self._mask.height()))
        if r.isEmpty():
            return
        ys, xs = slice(r.top(), r.bottom() + 1), slice(r.left(), r.right() + 1)
        on = _pixels(self._mask)[ys, xs] > 127
        ov = _pixels(self._overlay, np.uint32)[ys, xs]
        self.masked_pixels += int(np.count_nonzero(on)) - int(np.count_nonzero(ov))
        ov[...] = np.where(on, np.uint32(OVERLAY_RGBA), np.uint32(0))

    # --- painting
    def _stroke(self, a: QPointF, b: QPointF) -> QRect:
        """Paint one segment on the mask; returns the image rectangle it may have touched."""
        sx, sy = self.scale
        with QPainter(self._mask) as p:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            if (sx, sy) != (1.0, 1.0):  # painted in shown pixels: round on screen, an ellipse stored
                p.scale(1.0 / sx, 1.0 / sy)
                a, b = QPointF(a.x() * sx, a.y() * sy), QPointF(b.x() * sx, b.y() * sy)
            color = QColor(255, 255, 255) if self.tool == BRUSH else QColor(0, 0, 0)
            p.setPen(QPen(color, self.brush, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                          Qt.PenJoinStyle.RoundJoin))
            if a == b:  # a click: a dot of the brush's size (a line of no length drew nothing)
                p.drawPoint(a)
            else:
                p.drawLine(a, b)
        a, b = QPointF(a.x() / sx, a.y() / sy), QPointF(b.x() / sx, b.y() / sy)  # (stored again)
        px, py = self.brush / (2 * sx) + 2, self.brush / (2 * sy) + 2
        dirty = QRectF(a, b).normalized().adjusted(-px, -py, px, py).toAlignedRect()
        self._sync(dirty)
        return dirty

    def paint_stroke(self, points) -> None:
        """Paint (or erase) a polyline in image coordinates (used by tests and scripts)."""
        pts = [QPointF(*pt) for pt in points]
        self._begin_edit()
        dirty = QRect()
        for a, b in zip(pts, pts[1:] or pts):
            dirty = dirty.united(self._stroke(a, b))
        self._changed(dirty)

    def fill_rect(self, x0: int, y0: int, x1: int, y1: int, value: bool = True) -> None:
        r = QRect(QPoint(min(x0, x1), min(y0, y1)), QPoint(max(x0, x1) - 1, max(y0, y1) - 1))
        self._begin_edit()
        with QPainter(self._mask) as p:
            p.fillRect(r, QColor(255, 255, 255) if value else QColor(0, 0, 0))
        self._sync(r)
        self._changed(r)

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if self._pan_press(e) or e.button() != Qt.MouseButton.LeftButton:
            return
        pt = self.to_image(e.position())
        if self.tool == RECT:
            self._rect_start = self._rect_now = pt
        else:
            self._begin_edit()
            self._last = pt
            self._changed(self._stroke(pt, pt))

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._pan_move(e):
            return
        pt = self.to_image(e.position())
        if self.tool == RECT and self._rect_start is not None:
            self._rect_now = pt
            self.update()
        elif self._last is not None:
            dirty = self._stroke(self._last, pt)
            self._last = pt
            self._changed(dirty)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if self._pan_release(e):
            return
        if self.tool == RECT and self._rect_start is not None:
            a, b = self._rect_start, self.to_image(e.position())
            self._rect_start = self._rect_now = None
            self.fill_rect(int(a.x()), int(a.y()), int(b.x()), int(b.y()))
        self._last = None

    def paintEvent(self, e) -> None:
        with QPainter(self) as p:  # (ended however the drawing ends)
            p.setClipRect(e.rect())
            p.fillRect(self.rect(), QColor(40, 40, 40))
            if self.placeholder:  # no image yet ("Loading NAME…")
                p.setPen(QColor(200, 200, 200))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
                return
            t = self._target()
            draw_visible(p, t, self._image, QRectF(e.rect()))
            p.setOpacity(self.opacity)
            draw_visible(p, t, self._overlay, QRectF(e.rect()))
            p.setOpacity(1.0)
            if self._rect_start is not None and self._rect_now is not None:
                sx, sy = axis_scales(t, self._image)
                a, b = self._rect_start, self._rect_now
                p.setPen(QPen(QColor(255, 220, 0), 1, Qt.PenStyle.DashLine))
                p.drawRect(QRectF(t.x() + min(a.x(), b.x()) * sx, t.y() + min(a.y(), b.y()) * sy,
                                  abs(b.x() - a.x()) * sx, abs(b.y() - a.y()) * sy))


class MaskEditor(QWidget):
    """Tool row (brush / eraser / rectangle, size, opacity, clear, invert, import) + canvas."""

    changed = Signal()

    def __init__(self, display: np.ndarray, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.canvas = MaskCanvas(display, self)
        self.canvas.changed.connect(self.changed)
        # two rows (tools and actions; brush size, opacity and coverage): on one row they
        # made the repair dialog at least 1175 px wide, more than a 1024-px screen
        row = QHBoxLayout()
        row2 = QHBoxLayout()
        self.tool_buttons = {}
        group = QButtonGroup(self)
        for tool, text, tip in ((BRUSH, "Brush", "Paint the region to repair (B); X swaps brush and eraser"),
                                (ERASER, "Eraser", "Erase from the mask (E); X swaps brush and eraser"),
                                (RECT, "Rectangle", "Drag a rectangle (R)")):
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, t=tool: self.set_tool(t))
            group.addButton(b)
            row.addWidget(b)
            self.tool_buttons[tool] = b
        self.tool_buttons[BRUSH].setChecked(True)
        row.addSpacing(8)
        row2.addWidget(QLabel("Size:"))
        self.size_spin = QSpinBox(self)
        self.size_spin.setRange(1, 500)
        self.size_spin.setValue(self.canvas.brush)
        self.size_spin.setToolTip("Brush size in image pixels ([ smaller, ] larger); for non-square\n"
                                  "pixels along the finer axis (the brush is round on screen)")
        self.size_spin.valueChanged.connect(self._set_size)
        row2.addWidget(self.size_spin)
        row2.addWidget(QLabel("Opacity:"))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(int(self.canvas.opacity * 100))
        self.opacity_slider.setMinimumWidth(70)
        self.opacity_slider.setMaximumWidth(120)
        self.opacity_slider.valueChanged.connect(self._set_opacity)
        row2.addWidget(self.opacity_slider)
        for text, slot, tip in (("Clear", self.canvas.clear, "Empty the mask (Delete)"),
                                ("Invert", self.canvas.invert, "Swap masked and unmasked (Ctrl+I)"),
                                ("Import…", self.import_dialog, "Load a mask image (PNG, TIFF, JPEG…) of the image's size")):
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, f=slot: f())
            row.addWidget(b)
        self.shortcuts = []
        for std, extra, slot in ((QKeySequence.StandardKey.Undo, ("Ctrl+Z",), self.canvas.undo),
                                 (QKeySequence.StandardKey.Redo, ("Ctrl+Shift+Z", "Ctrl+Y"), self.canvas.redo)):
            keys = {k.toString(): k for k in QKeySequence.keyBindings(std)}
            keys.update({k: QKeySequence(k) for k in extra if k not in keys})
            for seq in keys.values():  # in the editor's window (the repair dialog), not the main window's undo
                sc = QShortcut(seq, self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(slot)
                self.shortcuts.append(sc)
        # the tools' keys, at once (a button's own shortcut clicked it 100 ms later), in the editor's
        # window; a focused text or number box keeps its keys (Delete, letters)
        for keys, slot in ((("B",), lambda: self.set_tool(BRUSH)), (("E",), lambda: self.set_tool(ERASER)),
                           (("R",), lambda: self.set_tool(RECT)), (("X",), self.swap_tool),
                           (("[",), lambda: self.step_size(-1)), (("]",), lambda: self.step_size(+1)),
                           (("Delete", "Backspace"), self.canvas.clear), (("Ctrl+I",), self.canvas.invert)):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(slot)
                self.shortcuts.append(sc)
        # Ctrl+= / Ctrl++ / Ctrl+- / Ctrl+0 (fit) / Ctrl+1 (actual pixels), in the editor's window
        self.shortcuts += zoom_shortcuts(self, self.canvas.viewport, self.canvas)
        row.addStretch(1)
        row2.addStretch(1)
        self.coverage = QLabel("", self)
        row2.addWidget(self.coverage)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addLayout(row2)
        lay.addWidget(self.canvas, 1)
        self.changed.connect(self._update_coverage)
        self._update_coverage()

    def set_images(self, images: CanvasImages) -> None:
        """Edit the mask of another image (:func:`canvas_images`), starting empty."""
        self.canvas.set_images(images)
        self.imported = None
        self.size_spin.setValue(self.canvas.brush)
        self._update_coverage()

    def set_tool(self, tool: str) -> None:
        self.canvas.tool = tool
        self.tool_buttons[tool].setChecked(True)

    def swap_tool(self) -> None:
        """X: the brush <-> the eraser (from the rectangle: the brush)."""
        self.set_tool(ERASER if self.canvas.tool == BRUSH else BRUSH)

    def step_size(self, direction: int) -> None:
        """[ / ]: the brush a quarter smaller / larger, at least a pixel a step."""
        v = self.size_spin.value()
        self.size_spin.setValue(max(v + 1, round(v * 1.25)) if direction > 0 else min(v - 1, round(v / 1.25)))

    def _set_size(self, v: int) -> None:
        self.canvas.brush = int(v)

    def _set_opacity(self, v: int) -> None:
        self.canvas.opacity = v / 100.0
        self.canvas.update()

    def _update_coverage(self) -> None:
        self.coverage.setText(f"mask {100.0 * self.canvas.coverage():.1f}%")  # counted as it is painted

    def mask(self) -> np.ndarray:
        return self.canvas.mask()

    def set_mask(self, mask: np.ndarray) -> None:
        self.canvas.set_mask(mask)

    def import_mask(self, path) -> None:
        """Load a mask PNG; raises ValueError with a one-line reason. An empty one is
        refused here, the painting kept (it was taken, and Repair said so only later)."""
        from ...core.repair import RepairError
        from ...core.repair.apply import load_mask

        try:
            m = load_mask(path, self.max_pixels)
        except RepairError as exc:
            raise ValueError(str(exc)) from None
        m = np.asarray(m)
        if m.shape == (self.canvas._image.height(), self.canvas._image.width()) and not m.any():  # a wrong size says so
            raise ValueError(f"{path}: the mask is empty (no pixel set)")
        self.canvas.set_mask(m, str(path))
        self.imported = (str(Path(path).resolve()), self.canvas.mask().copy())

    imported: Optional[tuple] = None  # (the mask file imported last, resolved; the mask it gave)

    def mask_source(self, mask: np.ndarray) -> str:
        """Where ``mask`` came from, for the repair's provenance: the imported file's path when
        it is that file's mask as imported; "PATH, edited" when it was changed since; else
        "painted" (every repair from the dialog said "painted", an imported one too)."""
        if self.imported is None:
            return "painted"
        path, got = self.imported
        return path if np.array_equal(mask, got) else f"{path}, edited"

    max_pixels: Optional[int] = None  # the pixel limit a mask is held to (the max_image_pixels setting)
    last_import_dir: Optional[Path] = None  # the folder a mask was last imported from (this session)
    import_dirs: tuple = ()  # where Import… starts when nothing was imported yet, first existing one

    def _import_start(self) -> str:
        for d in (self.last_import_dir, *self.import_dirs):
            if d is not None and Path(d).is_dir():
                return str(d)
        return ""

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import mask", self._import_start(), IMPORT_FILTER)
        if not path:
            return
        MaskEditor.last_import_dir = Path(path).parent  # the next Import… starts there, in any dialog
        try:
            self.import_mask(path)
        except ValueError as exc:
            QMessageBox.warning(self, "Import mask", str(exc))
