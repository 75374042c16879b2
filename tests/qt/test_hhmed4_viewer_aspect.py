"""The viewer shows a DICOM with non-square pixels at its physical shape (one axis
stretched, display only), says so in its info line, and still names the right pixel under
the mouse; a window change (its preview too) and a region keep the shape."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from llmvis_desktop.core.imaging import read_image
from llmvis_desktop.core.imaging.reader import ImageData


def write_us(path, PixelSpacing) -> None:  # noqa: N803 (the tag's name)
    """80 x 60 pixels, a bright 20 x 20 pixel square at row 20, column 30."""
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns = 60, 80
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    ds.WindowCenter, ds.WindowWidth = 500, 1000
    ds.PixelSpacing = PixelSpacing
    arr = np.zeros((60, 80), np.uint16)
    arr[20:40, 30:50] = 1000
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=False)


def _settle(qtbot):
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


@pytest.fixture
def wide(tmp_path):
    path = tmp_path / "us.dcm"
    write_us(path, PixelSpacing=[0.5, 1.0])  # 80 x 60 pixels, 1 mm wide, 0.5 mm high
    return read_image(path)


def test_shown_stretched_across_and_said(viewer, qtbot, wide, tmp_path):
    viewer.show_image(wide)
    _settle(qtbot)
    rect = viewer._scene.sceneRect()
    assert (rect.width(), rect.height()) == (160, 60)
    assert viewer._item.sceneBoundingRect().size().toTuple() == (160, 60)
    assert "pixels 1 \u00d7 0.5 mm" in viewer.status_text()
    assert "80 \u00d7 60" in viewer.status_text()  # the size stays in pixels
    viewer.grab().save(str(tmp_path / "viewer_aspect.png"))


def test_the_pixel_under_the_mouse_is_the_stored_one(viewer, qtbot, wide):
    viewer.show_image(wide)
    _settle(qtbot)
    viewer._hover(QPointF(2 * 45 + 1, 25.5))  # scene x 91 is pixel column 45 (of the bright square)
    assert "(45, 25) = 1000" in viewer.status_text()
    viewer._hover(QPointF(2 * 55 + 1, 25.5))  # column 55: outside it
    assert "(55, 25) = 0" in viewer.status_text()
    viewer._hover(QPointF(159.5, 59.5))  # the last pixel is still inside
    assert "(79, 59) = 0" in viewer.status_text()


def test_a_window_and_its_preview_keep_the_shape(viewer, qtbot, wide):
    viewer.show_image(wide)
    _settle(qtbot)
    viewer._render_preview(4)  # a drag step's subsampled copy
    assert viewer._item.sceneBoundingRect().size().toTuple() == (160, 60)
    assert viewer._scene.sceneRect().size().toTuple() == (160, 60)
    viewer.set_window(300.0, 400.0)
    _settle(qtbot)
    assert viewer._item.sceneBoundingRect().size().toTuple() == (160, 60)


def test_a_region_of_pixels_lands_on_them(viewer, qtbot, wide):
    viewer.show_image(wide)
    _settle(qtbot)
    assert viewer.show_region((30, 20, 20, 20))
    box = viewer.tile_outline()
    assert (box.x(), box.y(), box.width(), box.height()) == (60, 20, 40, 20)


def test_square_pixels_and_the_next_image_are_as_before(viewer, qtbot, wide, tmp_path):
    viewer.show_image(wide)
    _settle(qtbot)
    square = tmp_path / "sq.dcm"
    write_us(square, PixelSpacing=[0.5, 0.5])
    viewer.show_image(read_image(square))
    _settle(qtbot)
    assert viewer._scene.sceneRect().size().toTuple() == (80, 60)
    assert viewer._item.sceneBoundingRect().size().toTuple() == (80, 60)
    assert "pixels" not in viewer.status_text()
    plain = np.zeros((10, 12), np.uint8)
    meta = read_image(square).meta.__class__(12, 10, "PNG", 8, 1, 1, "L")
    viewer.show_image(ImageData(plain, plain, meta, None, 0))
    _settle(qtbot)
    assert viewer._scene.sceneRect().size().toTuple() == (12, 10)
