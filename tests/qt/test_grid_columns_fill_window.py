"""The grid's columns fill its width: as many as fit at the thumbnail size, each cell
widened so the row spans the viewport (at 1280 px the grid pane showed 2 tiles of 172 px
and 132 px of blank on the right). Up/Down still move by one row, the thumbnail keeps its
size, centred in the wider cell, and the grid is set again only when the fit changes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtTest import QTest

from llmvis_desktop.qt.widgets.grid_view import GridView

GAP = 4  # between two cells (the grid cell less the delegate's rectangle), before and after


@pytest.fixture
def grid(qtbot):
    view = GridView(thumb_size=160)
    qtbot.addWidget(view)
    model = QStringListModel([f"img_{i}.png" for i in range(300)])  # enough rows for the scroll bar
    view.setModel(model)
    view._test_model = model  # (kept alive with the view)
    view.show()
    qtbot.waitExposed(view)
    return view


def _first_row(view) -> list:
    """The visual rectangles of the first row's cells."""
    view.executeDelayedItemsLayout()
    model = view.model()
    rects = [view.visualRect(model.index(r, 0)) for r in range(model.rowCount())]
    return [r for r in rects if r.y() == rects[0].y()]


@pytest.mark.parametrize("width", [250, 476, 640, 1000, 1517])
def test_the_columns_span_the_width(qtbot, grid, width):
    grid.resize(width, 600)
    qtbot.waitUntil(lambda: grid.viewport().width() < width)
    row = _first_row(grid)
    cell = grid.gridSize().width()
    natural = grid.delegate.cell_size().width() + GAP
    assert len(row) == max(1, (grid.viewport().width() - 1) // natural)  # every column that fits
    blank = grid.viewport().width() - (row[-1].x() + cell)
    assert 0 <= blank < 0.1 * cell, (width, len(row), cell, blank)
    # the delegate's rectangle is the widened cell less the gap
    assert row[0].width() == cell - GAP
    _keys_move_by_rows(grid, len(row))


def _keys_move_by_rows(grid, columns: int) -> None:
    """Down/Up move by one row (``columns`` images), Left/Right by one, Home/End to the
    ends, PageDown by whole rows."""
    grid.setFocus()
    grid.select_row(0)
    QTest.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == columns
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert grid.currentIndex().row() == columns + 1
    QTest.keyClick(grid, Qt.Key.Key_Up)
    assert grid.currentIndex().row() == 1
    QTest.keyClick(grid, Qt.Key.Key_Left)
    assert grid.currentIndex().row() == 0
    QTest.keyClick(grid, Qt.Key.Key_End)
    assert grid.currentIndex().row() == grid.model().rowCount() - 1
    QTest.keyClick(grid, Qt.Key.Key_Home)
    assert grid.currentIndex().row() == 0
    QTest.keyClick(grid, Qt.Key.Key_PageDown)
    page = grid.currentIndex().row()
    assert page >= columns and page % columns == 0  # whole rows, the same column


def test_a_tile_size_change_refits_and_an_unchanged_fit_sets_nothing(qtbot, grid, monkeypatch):
    grid.resize(640, 600)
    before = len(_first_row(grid))
    grid.set_thumb_size(96)
    row = _first_row(grid)
    assert len(row) > before
    assert grid.viewport().width() - (row[-1].x() + grid.gridSize().width()) < 0.1 * grid.gridSize().width()
    calls = []
    monkeypatch.setattr(grid, "setGridSize", lambda size: calls.append(size))
    grid.fit_columns()
    grid.viewport().update()
    grid.verticalScrollBar().setValue(200)
    QTest.qWait(20)
    assert calls == []  # the same fit: no new grid, no relayout


def test_the_thumbnail_is_centred_in_the_wider_cell(qtbot, grid):
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

    grid.resize(476, 600)
    row = _first_row(grid)
    cell = row[0]
    assert cell.width() > grid.thumb_size + 2 * 4 + 20  # widened
    img = QImage(cell.width(), cell.height(), QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    opt = QStyleOptionViewItem()
    opt.rect = cell.translated(-cell.x(), -cell.y())
    opt.palette = grid.palette()
    p = QPainter(img)
    try:
        grid.delegate.paint(p, opt, grid.model().index(0, 0))  # no record: the placeholder square
    finally:
        p.end()
    mid_y = 4 + grid.thumb_size // 2
    filled = [x for x in range(cell.width()) if img.pixelColor(x, mid_y) != Qt.GlobalColor.white]
    left, right = filled[0], cell.width() - 1 - filled[-1]
    assert len(filled) == grid.thumb_size  # its chosen size
    assert abs(left - right) <= 1  # centred
