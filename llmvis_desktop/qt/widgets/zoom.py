"""Zoom and pan shared by the repair dialog's mask editor and its before/after view.

:class:`Viewport` is the view state both show: a zoom factor over "fit the image in the
widget" (1 = fit) and the image point at the widget's centre. "Fit" is one scale for
every widget showing the viewport (:meth:`Viewport.attach`): the largest at which the image
fits in each of them. So the same zoom is the same screen pixels per image pixel in the
mask editor and the before/after view, about the same image point: both show the same
region (the larger widget a little more around it). Each fitting its own size, the editor
(taller: the view shares its column with the controls) showed a larger part at one zoom.
:class:`ZoomPan` is a mixin of those widgets: the wheel (or Ctrl+wheel) zooms about the cursor; the
middle button, or Space held with the left button, drags the image. The keys (Ctrl+= /
Ctrl++ zoom in, Ctrl+- out, Ctrl+0 fit, Ctrl+1 actual pixels) are :func:`zoom_shortcuts`.

Non-square pixels (a DICOM's Pixel Spacing 0.5 x 1 mm): the widgets give the viewport the
image's *shown* size, :func:`shown_size` (one axis stretched by ``display_scale``), and draw
the stored image into the target rectangle, so it shows at its physical aspect; a widget
point maps back to a stored pixel per axis (:func:`axis_scales`). Zoom 1:1 is one screen
pixel per stored pixel along the unstretched axis (the main viewer's "actual size").
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter, QShortcut

MAX_PIXEL = 32.0  # the most screen pixels one image pixel is zoomed to
STEP = 1.25  # one wheel notch or key press


def shown_size(w: float, h: float, scale: tuple[float, float] = (1.0, 1.0)) -> tuple[float, float]:
    """The size ``w`` x ``h`` stored pixels are shown at, ``scale`` = (sx, sy) the stretch of x
    and y (:func:`~llmvis_desktop.core.imaging.aspect.display_scale`); exact, not rounded."""
    sx, sy = scale
    return w * sx, h * sy


def axis_scales(t: QRectF, image: QImage) -> tuple[float, float]:
    """Widget pixels per stored pixel of ``image`` drawn at ``t``, along x and along y (the
    same for square pixels; the stretched axis larger)."""
    return t.width() / max(1, image.width()), t.height() / max(1, image.height())


class Viewport(QObject):
    changed = Signal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0  # over fit
        self.center: Optional[QPointF] = None  # image point at the widget's centre; None: the image's centre
        self.views: list = []  # the widgets showing it (:meth:`attach`): their fits make one scale

    def attach(self, widget) -> None:
        """``widget`` shows this viewport: its size takes part in the common fit scale."""
        if widget not in self.views:
            self.views.append(widget)

    def common_fit(self, size, image) -> float:
        """The scale at zoom 1 for a widget of ``size``: the smallest of the attached shown
        widgets' fit scales (and ``size``'s own), so every widget draws at one scale."""
        size, image = QSizeF(size), QSizeF(image)
        scales = [self.fit_scale(size, image)]
        for w in self.views:
            try:
                if w.isVisible() and w.width() > 0 and w.height() > 0:
                    scales.append(self.fit_scale(QSizeF(w.size()), image))
            except RuntimeError:  # (deleted with its dialog)
                continue
        return min(scales)

    # --- mapping
    @staticmethod
    def fit_scale(size: QSizeF, image: QSizeF) -> float:
        return min(size.width() / max(1.0, image.width()), size.height() / max(1.0, image.height()))

    def _clamped(self, c: QPointF, s: float, size: QSizeF, image: QSizeF) -> QPointF:
        """``c`` moved so that the image covers the widget where it is larger than it
        (centred where it is smaller): never panned off into the void."""
        def axis(v: float, view: float, full: float) -> float:
            half = view / (2 * s)
            return full / 2 if full <= 2 * half else min(max(v, half), full - half)
        return QPointF(axis(c.x(), size.width(), image.width()), axis(c.y(), size.height(), image.height()))

    def target(self, size, image) -> QRectF:
        """Where the image is drawn in a widget of ``size`` (widget pixels)."""
        size, image = QSizeF(size), QSizeF(image)
        s = self.common_fit(size, image) * self.zoom
        c = self.center if self.center is not None else QPointF(image.width() / 2, image.height() / 2)
        c = self._clamped(c, s, size, image)
        return QRectF(size.width() / 2 - c.x() * s, size.height() / 2 - c.y() * s, image.width() * s,
                      image.height() * s)

    # --- changes
    def _set(self, zoom: float, center: Optional[QPointF]) -> None:
        if zoom == self.zoom and center == self.center:
            return
        self.zoom, self.center = zoom, center
        self.changed.emit()

    def _limit(self, zoom: float, size: QSizeF, image: QSizeF) -> float:
        if abs(zoom - 1.0) < 1e-9:  # in and out again: fit exactly
            return 1.0
        return min(max(zoom, 1.0), max(1.0, MAX_PIXEL / max(1e-9, self.common_fit(size, image))))

    def zoom_at(self, factor: float, pos: QPointF, size, image) -> None:
        """Zoom by ``factor`` keeping the image point under ``pos`` (widget pixels) there."""
        size, image = QSizeF(size), QSizeF(image)
        t = self.target(size, image)
        s0 = t.width() / image.width()
        under = QPointF((pos.x() - t.x()) / s0, (pos.y() - t.y()) / s0)
        zoom = self._limit(self.zoom * factor, size, image)
        s1 = self.common_fit(size, image) * zoom
        c = QPointF(under.x() - (pos.x() - size.width() / 2) / s1, under.y() - (pos.y() - size.height() / 2) / s1)
        self._set(zoom, None if zoom == 1.0 else self._clamped(c, s1, size, image))

    def zoom_by(self, factor: float, size, image) -> None:
        """Zoom by ``factor`` about the widget's centre (the keys)."""
        size = QSizeF(size)
        self.zoom_at(factor, QPointF(size.width() / 2, size.height() / 2), size, image)

    def actual_pixels(self, size, image) -> None:
        """One image pixel to one screen pixel, about the centre (``image`` the shown size:
        a stored pixel along the unstretched axis of non-square ones, :func:`shown_size`)."""
        size, image = QSizeF(size), QSizeF(image)
        self.zoom_by(1.0 / (self.common_fit(size, image) * self.zoom), size, image)

    def pan(self, delta: QPointF, size, image) -> None:
        """Drag the image by ``delta`` widget pixels."""
        size, image = QSizeF(size), QSizeF(image)
        t = self.target(size, image)
        s = t.width() / image.width()
        c = QPointF((size.width() / 2 - t.x()) / s - delta.x() / s, (size.height() / 2 - t.y()) / s - delta.y() / s)
        self._set(self.zoom, self._clamped(c, s, size, image))

    def fit(self) -> None:
        self._set(1.0, None)


def draw_visible(p: QPainter, t: QRectF, image: QImage, clip: QRectF) -> None:
    """Draw ``image`` at ``t``, only its part inside ``clip`` (a zoomed image is far larger
    than the widget: drawing it whole would scale all of it)."""
    vis = t.intersected(clip)
    if vis.isEmpty():
        return
    sx, sy = axis_scales(t, image)  # (a stretched image: one axis more widget pixels per pixel)
    src = QRectF((vis.x() - t.x()) / sx, (vis.y() - t.y()) / sy, vis.width() / sx, vis.height() / sy)
    p.drawImage(vis, image, src)


class ZoomPan:
    """Mixin of a QWidget showing an image of ``_image_size()`` through ``self.viewport``."""

    viewport: Viewport
    _pan_from: Optional[QPointF] = None
    _space = False

    def _target(self) -> QRectF:
        return self.viewport.target(self.size(), self._image_size())

    def wheelEvent(self, e) -> None:  # noqa: N802 - Qt API
        """The wheel (or Ctrl+wheel) zooms about the cursor, as in the main window's viewer."""
        if not e.angleDelta().y():
            e.ignore()
            return
        self.viewport.zoom_at(STEP ** (e.angleDelta().y() / 120), e.position(), self.size(), self._image_size())
        e.accept()

    def _pan_press(self, e) -> bool:
        """Middle button, or the left one with Space held: start dragging the image."""
        if e.button() == Qt.MouseButton.MiddleButton or (e.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = e.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return True
        return False

    def _pan_move(self, e) -> bool:
        if self._pan_from is None:
            return False
        self.viewport.pan(e.position() - self._pan_from, self.size(), self._image_size())
        self._pan_from = e.position()
        return True

    def _pan_release(self, e) -> bool:
        if self._pan_from is None:
            return False
        self._pan_from = None
        self.setCursor(getattr(self, "idle_cursor", Qt.CursorShape.ArrowCursor))
        return True

    def keyPressEvent(self, e) -> None:  # noqa: N802 - Qt API
        if e.key() == Qt.Key.Key_Space and not e.modifiers():
            self._space = True
            e.accept()
            return
        super().keyPressEvent(e)

    def keyReleaseEvent(self, e) -> None:  # noqa: N802 - Qt API
        if e.key() == Qt.Key.Key_Space and not e.isAutoRepeat():
            self._space = False
            e.accept()
            return
        super().keyReleaseEvent(e)

    def focusOutEvent(self, e) -> None:  # noqa: N802 - Qt API
        self._space = False  # released elsewhere
        super().focusOutEvent(e)

    def resizeEvent(self, e) -> None:  # noqa: N802 - Qt API
        """A widget sharing the viewport changed size (the splitter moved, the dialog was
        resized): the common fit scale may have changed, so every one of them is redrawn."""
        super().resizeEvent(e)
        for w in self.viewport.views:
            if w is not self:
                try:
                    w.update()
                except RuntimeError:  # (deleted with its dialog)
                    pass


def zoom_shortcuts(owner, viewport: Viewport, widget) -> list:
    """The zoom keys in ``owner``'s window, acting about the centre of ``widget``."""
    def by(f):
        return lambda: viewport.zoom_by(f, widget.size(), widget._image_size())

    keys = ((("Ctrl+=", "Ctrl++"), by(STEP)), (("Ctrl+-",), by(1 / STEP)), (("Ctrl+0",), viewport.fit),
            (("Ctrl+1",), lambda: viewport.actual_pixels(widget.size(), widget._image_size())))
    out = []
    for seqs, slot in keys:
        for seq in seqs:
            sc = QShortcut(QKeySequence(seq), owner)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            out.append(sc)
    return out
