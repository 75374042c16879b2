"""A line-scan strip's grid tile says it is one, and its size: its thumbnail is folded
(:mod:`llmvis_desktop.core.imaging.strip_view`), and a folded 2048x60000 strip could be
taken for a square image of stripes."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from llmvis_desktop.qt.widgets.grid_delegate import PAD, GridDelegate


class _One(QAbstractListModel):
    def __init__(self, width, height) -> None:
        super().__init__()
        self.rec = SimpleNamespace(error=None, status="suggested", labels=(), has_repair=False,
                                   name="web.tif", relpath="web.tif", width=width, height=height)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 1

    def cached_record(self, row):
        return self.rec

    def data(self, index, role=0):
        return None


def _tile(width, height, size=160) -> tuple[QImage, GridDelegate]:
    delegate = GridDelegate(thumb_size=size)
    model = _One(width, height)
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
    return sum(image.pixelColor(x, y) != background for x in range(x0, x1) for y in range(y0, y1))


@pytest.mark.parametrize("size", [(60000, 300), (2048, 60000), (20, 20000)])
def test_a_strip_tile_has_a_badge_with_its_size(qtbot, size):
    image, delegate = _tile(*size)
    w, h = size
    assert delegate.strip_text(SimpleNamespace(width=w, height=h)) == f"strip {w}\u00d7{h}"
    # right of the status badge (3 + 16 px), in the badge row
    assert _ink(image, delegate._placeholder, PAD + 24, PAD + 100, PAD + 5, PAD + 17) > 40


@pytest.mark.parametrize("size", [(640, 480), (1200, 200), (None, None)])
def test_other_tiles_have_none(qtbot, size):
    image, delegate = _tile(*size)
    assert delegate.strip_text(SimpleNamespace(width=size[0], height=size[1])) == ""
    assert _ink(image, delegate._placeholder, PAD + 24, PAD + 100, PAD + 5, PAD + 17) == 0
