"""A study has one folder per patient / series with the same file names in each
(``patient_A/series1/IM0001.dcm``, ``patient_B/series1/IM0001.dcm``), an inspection set
lot folders with ``0001.png`` in each: the grid tile showed the file name alone, so their
tiles looked alike (/tmp/hunt-hfolder/before.png). A file in a subfolder is shown as
FOLDER/NAME, the folder elided in the middle first, the name kept whole while it fits;
the text is made once per path and tile size (kept), never per paint; the window's title
names the image shown by its relative path."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.models.grid_model import GridModel
from llmvis_desktop.qt.widgets.grid_view import GridView

PATHS = ["lot_01/0001.png", "lot_02/0001.png", "patient_A/series1/IM0001.png",
         "patient_B/series1/IM0001.png", "top.png"]


def _folder(root):
    for rel in PATHS:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(root / rel)  # all alike


def _painted(view, model, row, size) -> QImage:
    delegate = view.itemDelegate()
    cell = delegate.cell_size()
    img = QImage(cell.width(), cell.height(), QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    opt = QStyleOptionViewItem()
    opt.rect = QRect(0, 0, cell.width(), cell.height())
    opt.palette = view.palette()
    p = QPainter(img)
    try:
        delegate.paint(p, opt, model.index(row))
    finally:
        p.end()
    return img


def test_same_names_in_different_folders_have_tiles_apart(qtbot, tmp_path):
    root = tmp_path / "study"
    _folder(root)
    with Project.open(root) as p:
        p.index()
        model = GridModel()
        model.set_project(p)  # no thumbnails: every tile the same placeholder
        view = GridView(thumb_size=160)
        qtbot.addWidget(view)
        view.setModel(model)
        try:
            rows = {model.record_at(r).relpath: r for r in range(model.rowCount())}
            shots = {rel: _painted(view, model, row, 160) for rel, row in rows.items()}
            assert shots["lot_01/0001.png"] != shots["lot_02/0001.png"]  # the same picture before
            assert shots["patient_A/series1/IM0001.png"] != shots["patient_B/series1/IM0001.png"]
            delegate = view.itemDelegate()
            texts = {rel: delegate.tile_name(rel, 160) for rel in rows}
            assert texts["lot_01/0001.png"] == "lot_01/0001.png"
            for who in "AB":  # each folder cut in its middle: both ends of each stay, the name whole
                shown = texts[f"patient_{who}/series1/IM0001.png"]
                assert shown.startswith("pat") and f"_{who}/ser" in shown and shown.endswith("1/IM0001.png"), shown
                assert delegate._fm.horizontalAdvance(shown) <= 160
            assert texts["top.png"] == "top.png"  # the project's own folder: the name alone
            # a narrow tile: the folder gives way first (elided in the middle), the name stays whole
            small = delegate.tile_name("lot_2026_11_001/0001.png", 120)
            assert small.startswith("lot_") and small.endswith("001/0001.png") and "\u2026" in small, small
            assert delegate._fm.horizontalAdvance(small) <= 120
            # the tooltip says the whole relative path
            tip = model.index(rows["lot_02/0001.png"]).data(Qt.ItemDataRole.ToolTipRole)
            assert tip.split("\n")[0] == "lot_02/0001.png"
        finally:
            model.shutdown()


def test_tile_text_is_made_once_per_path_and_size(qtbot, tmp_path, monkeypatch):
    """Painting a tile again does no path work (no split, no elision): kept per path."""
    root = tmp_path / "study"
    _folder(root)
    with Project.open(root) as p:
        p.index()
        model = GridModel()
        model.set_project(p)
        view = GridView(thumb_size=160)
        qtbot.addWidget(view)
        view.setModel(model)
        try:
            for row in range(model.rowCount()):
                _painted(view, model, row, 160)
            from llmvis_desktop.qt.widgets import grid_delegate

            calls = []
            real = grid_delegate.folder_and_name
            monkeypatch.setattr(grid_delegate, "folder_and_name", lambda *a: calls.append(a) or real(*a))
            for row in range(model.rowCount()):
                _painted(view, model, row, 160)
            assert calls == []
        finally:
            model.shutdown()


def test_the_window_title_names_the_image_by_its_relative_path(qtbot, window, tmp_path):
    """The viewer showed which image nowhere once read (the title: the project's folder)."""
    from qthelpers import open_and_index

    root = tmp_path / "study"
    _folder(root)
    win = window
    open_and_index(qtbot, win, root)
    rows = {win.model.record_at(r).relpath: r for r in range(win.model.rowCount())}
    win.grid.select_row(rows["patient_B/series1/IM0001.png"])
    qtbot.waitUntil(lambda: win.review.current is not None
                    and win.review.current.relpath == "patient_B/series1/IM0001.png")
    assert win.windowTitle() == "patient_B/series1/IM0001.png \u2014 study \u2014 llmvis"
    win.grid.select_row(rows["top.png"])
    qtbot.waitUntil(lambda: win.review.current.relpath == "top.png")
    assert win.windowTitle() == "top.png \u2014 study \u2014 llmvis"
