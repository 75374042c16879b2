"""Before and after a repair, in one view: the original left of a movable split line,
the repaired image right of it (:class:`BeforeAfterView`, the repair dialog's comparison).

It shows the image through a :class:`~.zoom.Viewport` shared with the mask editor
(:meth:`BeforeAfterView.share`): one zoom and pan for both; Space held drags the image.
``show_original`` hides the repaired side (the dialog's "show original" toggle).
``scale`` (sx, sy) stretches non-square pixels to their physical shape, as the editor does.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .zoom import Viewport, ZoomPan, draw_visible, shown_size


class BeforeAfterView(ZoomPan, QWidget):
    """Before on the left of the split, after on the right; split in [0, 1] of the part of
    the image shown. Zoomed and panned with the mask editor (:meth:`share`)."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.before: Optional[QImage] = None
        self.after: Optional[QImage] = None
        self.split = 0.5
        self.scale = (1.0, 1.0)  # the stretch of x, y that shows non-square pixels at their shape
        self.show_original = False
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Space held: drag the image
        self.share(Viewport(self))

    def share(self, viewport: Viewport) -> None:
        """Show the image through ``viewport`` (the mask editor's: one zoom and pan for both)."""
        self.viewport = viewport
        viewport.attach(self)  # one fit scale for both: the same zoom shows the same region
        viewport.changed.connect(self.update)
        self.update()

    def _image_size(self) -> QSizeF:
        """The image's shown size (:func:`~.zoom.shown_size`), the editor's too."""
        if self.before is None:
            return QSizeF(1, 1)
        return QSizeF(*shown_size(self.before.width(), self.before.height(), self.scale))

    def set_images(self, before: QImage, after: Optional[QImage], scale: Optional[tuple] = None) -> None:
        """``scale``: the (sx, sy) stretch of the pixels (None: as it was)."""
        self.before, self.after = before, after
        if scale is not None:
            self.scale = (float(scale[0]), float(scale[1]))
        self.update()

    def set_split(self, v: float) -> None:
        self.split = min(max(v, 0.0), 1.0)
        self.update()

    def mousePressEvent(self, e) -> None:  # noqa: N802 - Qt API
        self._pan_press(e)

    def mouseMoveEvent(self, e) -> None:  # noqa: N802 - Qt API
        self._pan_move(e)

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802 - Qt API
        self._pan_release(e)

    def paintEvent(self, _e) -> None:
        with QPainter(self) as p:  # (ended however the drawing ends)
            p.fillRect(self.rect(), QColor(40, 40, 40))
            if self.before is None:
                return
            t = self._target()
            vis = t.intersected(QRectF(self.rect()))
            draw_visible(p, t, self.before, vis)
            if self.after is not None and not self.show_original and not vis.isEmpty():
                x = vis.x() + vis.width() * self.split
                draw_visible(p, t, self.after, QRectF(x, vis.y(), vis.right() - x, vis.height()))
                p.setPen(QPen(QColor(255, 220, 0), 2))
                p.drawLine(int(x), int(vis.y()), int(x), int(vis.bottom()))
