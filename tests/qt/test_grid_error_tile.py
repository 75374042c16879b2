"""The grid tile of an unreadable image: its reason stays clear of the badges at the top
and of the status bar at the bottom (a too-large image's reason ran under the E and !
badges and was cut off at the bottom: "...exceeds the limit of 178.9 MP (setting")."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from llmvis_desktop.qt.models.grid_model import ThumbErrorRole
from llmvis_desktop.qt.widgets.grid_delegate import PAD, GridDelegate

TOO_LARGE = ("image too large: 50000x50000 = 2500.0 MP exceeds the limit of 178.9 MP "
             "(setting max_image_pixels)")


class _OneError(QAbstractListModel):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.rec = SimpleNamespace(error=reason, status="error", labels=(), has_repair=False, name="bomb.png", relpath="bomb.png")

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 1

    def cached_record(self, row):
        return self.rec

    def data(self, index, role=0):
        return self.rec.error if role == ThumbErrorRole else None


def _tile(reason: str, size: int) -> tuple[QImage, GridDelegate]:
    delegate = GridDelegate(thumb_size=size)
    model = _OneError(reason)
    cell = delegate.cell_size()
    image = QImage(cell.width(), cell.height(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, cell.width(), cell.height())
        delegate.paint(painter, option, model.index(0))
    finally:
        painter.end()
    return image, delegate


def _ink(image: QImage, background: QColor, x0: int, x1: int, y0: int, y1: int) -> int:
    """Pixels in the box that are not the tile's background."""
    return sum(image.pixelColor(x, y) != background for x in range(x0, x1) for y in range(y0, y1))


@pytest.mark.parametrize("size", [96, 160])
def test_a_long_reason_stays_between_the_badges_and_the_status_bar(qtbot, size):
    image, delegate = _tile(TOO_LARGE, size)
    bg = delegate._error_bg
    left, right = PAD + 24, PAD + size - 24  # between the E badge and the ! badge
    assert _ink(image, bg, left, right, PAD + 1, PAD + 20) == 0  # the badge row
    assert _ink(image, bg, PAD + 2, PAD + size - 2, PAD + size - 18, PAD + size - 5) == 0  # above the bar
    assert _ink(image, bg, PAD + 2, PAD + size - 2, PAD + 22, PAD + size - 20) > 0  # the reason is drawn


def test_a_short_reason_is_drawn_whole(qtbot):
    _, delegate = _tile("empty file (0 bytes)", 96)
    assert delegate._error_text("empty file (0 bytes)", 84, 54) == "⚠ empty file (0 bytes)"
