"""A 10x10 image's thumbnail (an RTDOSE dose grid) was drawn at 10x10 in a 96-pixel tile,
a speck (/tmp/hunt-hhuntmed/shots/win_1280_5.png): a tiny image is now enlarged a whole
number of times to fill the tile, nearest neighbour (its pixels sharp squares)."""
from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QStyleOptionViewItem

from llmvis_desktop.qt.widgets.grid_delegate import PAD, GridDelegate


class _OneTiny(QAbstractListModel):
    def __init__(self, pm: QPixmap) -> None:
        super().__init__()
        self.pm = pm
        self.rec = SimpleNamespace(error=None, status="new", labels=(), has_repair=False, name="dose.dcm",
                                   relpath="p/dose.dcm", width=10, height=10)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 1

    def cached_record(self, row):
        return self.rec

    def thumb_for(self, row, rec, ratio=None):
        return self.pm

    def data(self, index, role=0):
        return None


def test_a_tiny_thumbnail_fills_its_tile_with_sharp_pixels(qtbot):
    small = QImage(10, 10, QImage.Format.Format_RGB32)
    for y in range(10):
        for x in range(10):
            small.setPixelColor(x, y, QColor("black") if (x + y) % 2 else QColor("#ff0000"))
    size = 96
    delegate = GridDelegate(thumb_size=size)
    model = _OneTiny(QPixmap.fromImage(small))
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
    k = size // 10  # 9: a 90x90 square, centred
    x0 = PAD + (size - 10 * k) // 2
    y0 = PAD + (size - 10 * k) // 2
    # the square's middle rows (clear of the badges and the status bar), pixel by pixel
    for y in range(4, 7):
        for x in range(10):
            want = QColor("black") if (x + y) % 2 else QColor("#ff0000")
            for dy in (1, k // 2, k - 2):
                for dx in (1, k // 2, k - 2):
                    got = image.pixelColor(x0 + x * k + dx, y0 + y * k + dy)
                    assert got == want, (x, y, dx, dy, got.name())
