"""ZoomPanView: the ImageViewer's graphics view, i.e. its mouse and key handling.

The view holds no image state: every gesture is handed to its owner, the
:class:`~.viewer.ImageViewer`, which keeps the pixels, the zoom mode and the window:
    wheel / Ctrl+wheel: ``owner._zoom_by(ZOOM_STEP ** notches, anchor_under_mouse=True)``;
    left or middle drag: pans the scroll bars; Shift+arrows: pan by a tenth of the view
    width (at least 20 px);
    right drag: ``owner._drag_window(start window, dx, dy)`` (relative to the press point),
    its release (or a move without the button: a release gone elsewhere)
    ``owner._end_window_drag()``; ``dragging_window()``; ``cancel_drag()`` forgets a drag;
    double-click: ``owner.fit()``; F: ``fit()``; 0: ``actual_size()``; +/=/-: zoom;
    mouse move (not dragging): ``owner._hover(scene position)``; resize: ``owner._on_resized()``.
Other keys (Left/Right/J/K/Up/Down/Enter...) are ignored so they reach the window's
review shortcuts; the right button never opens a context menu.

``ZOOM_STEP``, ``MIN_ZOOM`` and ``MAX_ZOOM`` are the viewer's zoom step and limits (less
than ``MIN_ZOOM`` where the whole image needs it: a long strip fitted whole).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView

if TYPE_CHECKING:
    from .viewer import ImageViewer

ZOOM_STEP = 1.25
MIN_ZOOM = 0.01
MAX_ZOOM = 64.0


class ZoomPanView(QGraphicsView):
    """The graphics view: mouse/key handling; the ImageViewer owns the state."""

    def __init__(self, owner: "ImageViewer") -> None:
        super().__init__()
        self._owner = owner
        self._drag: Optional[tuple[Qt.MouseButton, QPointF]] = None
        self._wl_start: Optional[tuple[float, float]] = None
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

    # --- mouse ------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if not self._owner.has_image():
            return
        delta = event.angleDelta().y()
        if delta == 0:
            return
        factor = ZOOM_STEP ** (delta / 120.0)
        self._owner._zoom_by(factor, anchor_under_mouse=True)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        btn = event.button()
        if self._owner.has_image() and btn in (
            Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton
        ):
            self._drag = (btn, event.position())
            if btn == Qt.MouseButton.RightButton:
                self._wl_start = self._owner.window()
                if self._wl_start is None:
                    self._drag = None
                    return
                self.viewport().setCursor(Qt.CursorShape.SizeAllCursor)
            else:
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None:
            btn, last = self._drag
            pos = event.position()
            if btn == Qt.MouseButton.RightButton:
                start = self._wl_start
                if not event.buttons() & btn:  # its release went elsewhere (a dialog opened)
                    self.cancel_drag()
                    self._owner._end_window_drag()
                elif start is not None:
                    total = pos - last  # relative to the press point
                    self._owner._drag_window(start, total.x(), total.y())
            else:
                d = pos - last
                self._drag = (btn, pos)
                self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(d.x()))
                self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(d.y()))
            event.accept()
            return
        self._owner._hover(self.mapToScene(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None and event.button() == self._drag[0]:
            window_drag = self._drag[0] == Qt.MouseButton.RightButton
            self.cancel_drag()
            if window_drag:
                self._owner._end_window_drag()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def dragging_window(self) -> bool:
        """A right-drag (window/level) is under way."""
        return self._drag is not None and self._drag[0] == Qt.MouseButton.RightButton

    def cancel_drag(self) -> None:
        """Forget a drag under way (another image is shown: its moves until the release
        are not applied to it, as they were, from the old image's window)."""
        if self._drag is not None:
            self._drag = None
            self._wl_start = None
            self.viewport().unsetCursor()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._owner.has_image():
            self._owner.fit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        event.accept()  # right button is window/level, never a menu

    # --- keys ---------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        owner = self._owner
        arrows = {
            Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1),
        }
        if key in arrows and mods == Qt.KeyboardModifier.ShiftModifier:
            dx, dy = arrows[key]
            step = max(20, self.viewport().width() // 10)
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + dx * step)
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + dy * step)
            event.accept()
            return
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if plain and key == Qt.Key.Key_F and mods == Qt.KeyboardModifier.NoModifier:
            owner.fit()
        elif plain and key == Qt.Key.Key_0 and mods == Qt.KeyboardModifier.NoModifier:
            owner.actual_size()
        elif plain and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            owner.zoom_in()
        elif plain and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            owner.zoom_out()
        else:
            # Not ours (Left/Right/J/K/Enter/digits...): let the window's shortcuts have it.
            event.ignore()
            return
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._owner._on_resized()

