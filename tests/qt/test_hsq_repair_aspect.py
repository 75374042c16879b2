"""The repair dialog shows a DICOM with non-square pixels at its physical aspect, as the
main viewer does (one axis stretched, display only): the mask editor, the before/after
view and the engines' thumbnails. The mask stays on the stored pixel grid: a stroke lands
on the stored pixel under the cursor, the brush is round on screen (an ellipse in stored
pixels), the saved mask and repair keep the stored size; Ctrl+1 is one screen pixel per
stored pixel along the unstretched axis."""
from __future__ import annotations

import copy
import math

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from repair_dialog_helpers import telea_saved

ROWS, COLS = 600, 800  # larger than the dialog at 1:1 (Ctrl+1 never zooms out past fit)


def _write_dicom(path, spacing=None, aspect=None) -> None:
    """ROWS x COLS pixels, a bright 200 x 200 pixel square at row 200, column 300."""
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    ds.WindowCenter, ds.WindowWidth = 500, 1000
    del ds.PixelSpacing
    if spacing is not None:
        ds.PixelSpacing = spacing
    if aspect is not None:
        ds.PixelAspectRatio = aspect
    arr = np.full((ROWS, COLS), 100, np.uint16)
    arr[200:400, 300:500] = 1000
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=False)


# (how the image is written, its shown size: width, height)
CASES = {
    "wide": (dict(spacing=[0.5, 1.0]), (2 * COLS, ROWS)),  # 1 mm wide, 0.5 mm high: x stretched
    "tall": (dict(spacing=[1.0, 0.5]), (COLS, 2 * ROWS)),  # 0.5 mm wide, 1 mm high: y stretched
    "ratio": (dict(aspect=[3, 2]), (COLS, round(1.5 * ROWS))),  # Pixel Aspect Ratio 3:2 (vertical first)
    "square": (dict(spacing=[0.7, 0.7]), (COLS, ROWS)),
    "png": (None, (COLS, ROWS)),
}


def _image(tmp_path, case):
    how = CASES[case][0]
    if how is None:
        path = tmp_path / "flat.png"
        arr = np.full((ROWS, COLS), 40, np.uint8)
        arr[200:400, 300:500] = 250
        Image.fromarray(arr).save(path)
    else:
        path = tmp_path / f"{case}.dcm"
        _write_dicom(path, **how)
    return path


def _dialog(qtbot, path):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(path, None)
    qtbot.addWidget(dlg)
    dlg.resize(900, 600)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _ratio(t) -> float:
    return t.width() / t.height()


@pytest.mark.parametrize("case", list(CASES))
def test_the_editor_and_the_view_show_the_true_aspect(qtbot, tmp_path, case):
    dlg = _dialog(qtbot, _image(tmp_path, case))
    w, h = CASES[case][1]
    for widget in (dlg.editor.canvas, dlg.view):
        assert _ratio(widget._target()) == pytest.approx(w / h, rel=1e-6), widget
    assert dlg.editor.mask().shape == (ROWS, COLS)  # the mask stays on the stored grid
    if case == "wide":
        dlg.grab().save(str(tmp_path / "hsq_wide.png"))
    dlg.reject()


@pytest.mark.parametrize("case", ["wide", "tall", "png"])
def test_the_thumbnails_show_the_true_aspect(tmp_path, case):
    from llmvis_desktop.core.imaging import read_image
    from llmvis_desktop.qt.dialogs.repair_render import THUMB, render_images

    data = read_image(_image(tmp_path, case))
    after, thumb = render_images(data, np.asarray(data.pixels))
    assert (after.width(), after.height()) == (COLS, ROWS)  # the view's image: stored pixels
    w, h = CASES[case][1]
    f = min(THUMB[0] / w, THUMB[1] / h)
    assert (thumb.width(), thumb.height()) == (round(w * f), round(h * f))


def _one_to_one(qtbot, dlg):
    """Ctrl+1 from the keyboard, in the dialog's window."""
    cv = dlg.editor.canvas
    dlg.activateWindow()
    cv.setFocus()
    qtbot.waitUntil(cv.hasFocus, timeout=5000)
    QTest.keyClick(cv, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    return cv._target()


@pytest.mark.parametrize("case", ["wide", "tall", "png"])
def test_ctrl_1_is_a_screen_pixel_per_stored_pixel_along_the_unstretched_axis(qtbot, tmp_path, case):
    dlg = _dialog(qtbot, _image(tmp_path, case))
    t = _one_to_one(qtbot, dlg)
    assert (t.width(), t.height()) == pytest.approx(CASES[case][1])
    assert dlg.view._target().size().toTuple() == pytest.approx(CASES[case][1])  # the view follows
    QTest.keyClick(dlg.editor.canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # fit again
    assert dlg.editor.canvas._target().width() < t.width()
    dlg.reject()


def _at(t, shown_x: float, shown_y: float) -> QPoint:
    """The widget point over shown (1:1) point (shown_x, shown_y), taken inside the pixel:
    rounded up from the image's (maybe fractional) corner."""
    return QPoint(math.ceil(t.x()) + int(shown_x), math.ceil(t.y()) + int(shown_y))


def test_a_stroke_lands_on_the_stored_pixels_under_it(qtbot, tmp_path):
    dlg = _dialog(qtbot, _image(tmp_path, "wide"))
    t = _one_to_one(qtbot, dlg)
    cv = dlg.editor.canvas
    dlg.editor.size_spin.setValue(1)
    # along row R from stored column C - 20 to C + 20 (two shown pixels each): at 1:1 the
    # image's centre is the widget's, so these are on screen
    r, c = ROWS // 2, COLS // 2
    a, b = _at(t, 2 * (c - 20) + 1, r), _at(t, 2 * (c + 20) + 1, r)
    QTest.mousePress(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(cv, b)
    QTest.mouseRelease(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    m = dlg.editor.mask()
    assert m.shape == (ROWS, COLS)
    ys, xs = np.nonzero(m)
    assert set(ys.tolist()) == {r}
    assert xs.min() == c - 20 and xs.max() == c + 20
    dlg.reject()


@pytest.mark.parametrize("case", ["wide", "tall"])
def test_the_brush_is_round_on_screen(qtbot, tmp_path, case):
    dlg = _dialog(qtbot, _image(tmp_path, case))
    t = _one_to_one(qtbot, dlg)
    cv = dlg.editor.canvas
    dlg.editor.size_spin.setValue(16)
    sx, sy = CASES[case][1][0] / COLS, CASES[case][1][1] / ROWS
    r, c = ROWS // 2, COLS // 2
    at = _at(t, c * sx, r * sy)  # over stored pixel (c, r)
    QTest.mouseClick(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    m = dlg.editor.mask()
    assert m[r, c]
    ys, xs = np.nonzero(m)
    shown_w, shown_h = (xs.max() - xs.min() + 1) * sx, (ys.max() - ys.min() + 1) * sy
    assert shown_w == pytest.approx(16, abs=2.5) and shown_h == pytest.approx(16, abs=2.5)  # round on screen
    assert abs(np.mean(xs) - c) <= 1 and abs(np.mean(ys) - r) <= 1
    dlg.reject()


def test_the_saved_mask_and_repair_keep_the_stored_size(qtbot, tmp_path):
    from llmvis_desktop.core.imaging import read_image

    dlg = _dialog(qtbot, _image(tmp_path, "wide"))
    t = _one_to_one(qtbot, dlg)
    cv = dlg.editor.canvas
    dlg.editor.size_spin.setValue(12)
    QTest.mouseClick(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(t, COLS, ROWS // 2))
    painted = dlg.editor.mask().copy()
    ys, xs = np.nonzero(painted)  # a disc 12 shown pixels across: 6 stored columns by 12 rows
    assert painted[ROWS // 2, COLS // 2] and abs(np.ptp(xs) + 1 - 6) <= 1 and abs(np.ptp(ys) + 1 - 12) <= 1
    saved = telea_saved(qtbot, dlg)
    mask = np.asarray(Image.open(saved.mask_path))
    assert mask.shape[:2] == (ROWS, COLS)
    assert np.array_equal(mask.reshape(ROWS, COLS, -1)[..., 0] > 127, painted)
    assert np.asarray(read_image(saved.output_path).pixels).shape[:2] == (ROWS, COLS)
    dlg.reject()
