"""Window sizes that fit the screen: a dialog's default size, clamped to the room the
screen has (a 1920x1080 screen at 2x scaling is 960x540 logical pixels: a 900 px tall
dialog put its buttons out of reach)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QGuiApplication

#: room kept for a window's title bar and border, when the frame is not known yet
FRAME_MARGIN = QSize(16, 48)


def available_size(widget) -> QSize | None:
    """The available geometry's size of the screen ``widget`` (or its parent) is on."""
    screen = widget.screen()
    parent = widget.parentWidget()
    if screen is None and parent is not None:
        screen = parent.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry().size() if screen is not None else None


def fit_to_screen(widget, width: int, height: int) -> QSize:
    """``widget.resize(width, height)``, each side no larger than the screen's available
    room less a window frame; returns the size asked for."""
    avail = available_size(widget)
    if avail is not None:
        frame = widget.frameGeometry().size() - widget.size() if widget.isVisible() else FRAME_MARGIN
        width = min(width, max(200, avail.width() - max(0, frame.width())))
        height = min(height, max(150, avail.height() - max(0, frame.height())))
    size = QSize(width, height)
    widget.resize(size)
    return size


class MinHeightFollows(QObject):
    """Keeps ``widget``'s minimum height at what its layout needs at its width now, its
    wrapped lines whole (a status line grown to three lines at the dialog's minimum height
    was cut, while a list above it could have given up rows): read again as it is resized
    and as a line's text changes (the layout request that follows). Its minimum width is
    left as it was set."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self._widget = widget
        widget.installEventFilter(self)
        self.fit()

    def eventFilter(self, obj, event) -> bool:
        if obj is self._widget and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.fit()
        return False

    def fit(self) -> None:
        widget = self._widget
        lay = widget.layout()
        if lay is None:
            return
        need = lay.totalMinimumHeightForWidth(max(widget.width(), widget.minimumWidth()))
        if need != widget.minimumHeight():
            widget.setMinimumHeight(need)
