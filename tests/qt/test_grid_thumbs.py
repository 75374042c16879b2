"""Grid thumbnails: screen pixel ratio, a size change, the memory cap."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QStyleOptionViewItem
from qthelpers import make_images

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.models.grid_model import GridModel, ThumbRole
from llmvis_desktop.qt.thumb_loader import ThumbLoader, make_cache
from llmvis_desktop.qt.widgets.grid_delegate import PAD
from llmvis_desktop.qt.widgets.grid_view import GridView


def _grid_over(qtbot, folder, tmp_path):
    """(project, model, loader, view) over ``folder``'s images, thumbnails at 96; the
    loader shut down after."""
    with Project.open(folder) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"), threads=1)
        model = GridModel()
        model.set_project(p, loader)
        view = GridView(thumb_size=96)
        qtbot.addWidget(view)
        view.setModel(model)
        model.set_thumb_size(96)
        try:
            yield p, model, loader, view
        finally:
            assert loader.shutdown()


@pytest.fixture
def grid(qtbot, tmp_path):
    """(project, model, loader, view) over three 400x300 images, thumbnails at 96."""
    folder = tmp_path / "big"
    make_images(folder, n=3, size=(400, 300))
    yield from _grid_over(qtbot, folder, tmp_path)


def _paint_cell(view, model, row, ratio):
    """Paint one cell on a pixmap of device pixel ratio ``ratio`` (a 2x screen)."""
    cell = view.itemDelegate().cell_size()
    target = QPixmap(round(cell.width() * ratio), round(cell.height() * ratio))
    target.setDevicePixelRatio(ratio)
    target.fill()
    painter = QPainter(target)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, cell.width(), cell.height())
    try:
        view.itemDelegate().paint(painter, option, model.index(row))
    finally:
        painter.end()
    return target


def test_a_2x_screen_gets_thumbnails_with_twice_the_pixels(qtbot, grid):
    """QT_SCALE_FACTOR=2: thumbnails were made at the logical size and drawn blown up."""
    _p, model, loader, view = grid
    qtbot.waitUntil(lambda: model.cached_record(0) is not None, timeout=10000)
    rec = model.cached_record(0)
    _paint_cell(view, model, 0, 2.0)  # asks for 192 device pixels
    qtbot.waitUntil(lambda: loader.cached(rec.id, 192) is not None, timeout=10000)
    pm = loader.cached(rec.id, 192)
    assert (pm.width(), pm.height(), pm.devicePixelRatio()) == (192, 144, 2.0)
    assert model.thumb_ratio == 2.0 and model.index(0).data(ThumbRole).cacheKey() == pm.cacheKey()
    # drawn 1:1 at 96x72 logical pixels, centred in the 96x96 box
    shot = _paint_cell(view, model, 0, 2.0).toImage().convertToFormat(QImage.Format.Format_RGB32)
    x, y = 2 * PAD, 2 * (PAD + (96 - 72) // 2)
    drawn = shot.copy(x, y + 16, 192, 100)  # (below the status badge, above the status bar)
    want = pm.toImage().convertToFormat(QImage.Format.Format_RGB32).copy(0, 16, 192, 100)
    drawn.setDevicePixelRatio(1.0)
    want.setDevicePixelRatio(1.0)
    assert drawn == want


@contextmanager
def _held(loader):
    """No worker starts meanwhile: requests stay queued."""
    with loader._lock:
        loader._runners = loader._threads
    try:
        yield
    finally:
        with loader._lock:
            loader._runners = 0


def test_a_new_size_shows_the_old_thumbnail_until_it_arrives(qtbot, grid):
    """Each Ctrl+wheel step blanked every visible cell until its new size was decoded
    (8 s for large TIFFs)."""
    p, model, loader, _view = grid
    qtbot.waitUntil(lambda: model.cached_record(0) is not None, timeout=10000)
    rec = model.cached_record(0)
    assert model.thumb_for(0, rec) is None
    qtbot.waitUntil(lambda: loader.cached(rec.id, 96) is not None, timeout=10000)
    for new, shown in ((112, (112, 84)), (80, (80, 60))):  # larger, then smaller
        model.set_thumb_size(new)
        with _held(loader):
            pm = model.thumb_for(0, rec)
            assert pm is not None and (pm.width(), pm.height()) == shown
            assert loader.cached(rec.id, new) is None and len(loader._stack) == 1
            assert model.thumb_for(0, rec) is pm  # scaled once, not at every paint
        loader.pixmap(rec.id, p.path_of(rec), new)  # (the worker starts)
        qtbot.waitUntil(lambda n=new: loader.cached(rec.id, n) is not None, timeout=10000)
        assert model.thumb_for(0, rec) is loader.cached(rec.id, new)
        assert not loader._stand_ins


def test_pixmap_memory_is_capped_in_bytes(qtbot, grid):
    """1500 pixmaps whatever their size: 824 MB RSS at size 384."""
    p, _model, _loader, _view = grid
    recs = p.images(p.image_ids())
    one = 192 * 144 * 4
    loader = ThumbLoader(make_cache(p.root / "thumbs2"), threads=1, max_bytes=2 * one + one // 2)
    try:
        got = []
        loader.ready.connect(got.extend)
        for rec in recs:
            loader.pixmap(rec.id, p.path_of(rec), 192)
            qtbot.waitUntil(lambda i=rec.id: i in got, timeout=10000)
        assert len(loader._lru) == 2 and loader.memory() == 2 * one
        assert loader.cached(recs[0].id, 192) is None  # the least recently used went
        for rec in recs:  # small ones: all kept under the same cap
            loader.pixmap(rec.id, p.path_of(rec), 64)
            qtbot.waitUntil(lambda: loader.cached(rec.id, 64) is not None, timeout=10000)
        assert all(loader.cached(r.id, 64) is not None for r in recs)
        assert loader.memory() <= 2 * one + one // 2
    finally:
        assert loader.shutdown()


@pytest.fixture
def small_grid(qtbot, tmp_path):
    """(project, model, loader, view) over red squares of 40, 150 and 600 px, thumbnails
    at 96: one smaller than the size, one between it and twice it, one larger."""
    folder = tmp_path / "small"
    folder.mkdir()
    for side in (40, 150, 600):
        Image.fromarray(np.full((side, side, 3), (200, 30, 30), np.uint8)).save(folder / f"red_{side:04d}.png")
    yield from _grid_over(qtbot, folder, tmp_path)


def _red_width(shot: QPixmap) -> float:
    """Logical width of the red drawn in a painted cell."""
    img = shot.toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    red = (a[..., 2] > 150) & (a[..., 1] < 80) & (a[..., 0] < 80)  # BGRA
    return red.any(axis=0).sum() / shot.devicePixelRatio()


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_an_image_smaller_than_the_thumbnail_is_not_shrunk_on_a_2x_screen(qtbot, small_grid, ratio):
    """QT_SCALE_FACTOR=2: the grid asks for 2 x 96 device pixels; an image smaller than
    that came back whole, tagged as 2x, and was drawn at half its size (40 and 150 px
    images at 20 and 75 logical pixels, against 40 and 96 at 1x)."""
    _p, model, loader, view = small_grid
    qtbot.waitUntil(lambda: model.cached_record(2) is not None, timeout=10000)
    px = round(96 * ratio)
    for row in range(3):
        rec = model.cached_record(row)
        _paint_cell(view, model, row, ratio)
        qtbot.waitUntil(lambda i=rec.id: loader.cached(i, px) is not None, timeout=10000)
    widths = {model.cached_record(r).name: _red_width(_paint_cell(view, model, r, ratio)) for r in range(3)}
    # (40 px, at most half the tile, is enlarged twice, nearest neighbour: test_hmed2_tiny_thumb)
    assert widths == {"red_0040.png": 80, "red_0150.png": 96, "red_0600.png": 96}
    big = loader.cached(model.cached_record(2).id, px)  # large images: every device pixel
    assert (big.width(), big.devicePixelRatio()) == (px, ratio)
    mid = loader.cached(model.cached_record(1).id, px)  # all its 150 pixels, in 96 logical ones
    assert (mid.width(), mid.width() / mid.devicePixelRatio()) == (min(150, px), 96)
    # a new size on its way (Ctrl+wheel): the stand-in keeps the logical size too
    model.set_thumb_size(112)
    with _held(loader):
        for row, want in ((0, 40), (1, 112), (2, 112)):
            pm = model.thumb_for(row, model.cached_record(row), ratio)
            assert round(pm.width() / pm.devicePixelRatio()) == want
