"""The W/L preset a reviewer chose goes on to the next images that offer it, as a series'
slices keep their window in a DICOM viewer: every image opened "As loaded", so a CT series
stored one file per slice (the usual layout) needed the lung window chosen again on each."""
from __future__ import annotations

import shutil

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pydicom.data import get_testdata_file

from qthelpers import open_and_index, settle


def _series(folder):
    folder.mkdir(parents=True)
    for name in ("IM0001.dcm", "IM0002.dcm", "IM0004.dcm"):
        shutil.copyfile(get_testdata_file("CT_small.dcm", download=False), folder / name)
    Image.fromarray(np.full((40, 60, 3), 128, np.uint8)).save(folder / "IM0003.png")  # no W/L
    return folder


def _at(qtbot, win, name):
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.name == name
                    and win.viewer.has_image() and win.viewer_image is not None, timeout=10000)
    settle(qtbot)


def _choose(viewer, name):
    box = viewer.preset_combo
    i = box.findText(name)
    box.setCurrentIndex(i)
    box.activated.emit(i)  # as a click in the box does


def test_a_chosen_preset_goes_on_to_the_next_slices(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, _series(tmp_path / "series1"))
    win.review.go_to_row(0)
    _at(qtbot, win, "IM0001.dcm")
    viewer, box = win.viewer, win.viewer.preset_combo
    as_loaded = viewer.window()
    _choose(viewer, "CT Lung (-600/1500)")
    assert viewer.window() == (-600.0, 1500.0)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    _at(qtbot, win, "IM0002.dcm")
    assert box.currentText() == "CT Lung (-600/1500)" and viewer.window() == (-600.0, 1500.0)
    assert "W 1500  L -600" in viewer.status_text()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    _at(qtbot, win, "IM0003.png")  # an 8-bit photo: none to apply, nothing kept from it
    assert not viewer.window_enabled()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    _at(qtbot, win, "IM0004.dcm")
    assert box.currentText() == "CT Lung (-600/1500)" and viewer.window() == (-600.0, 1500.0)
    _choose(viewer, "As loaded")  # ends it
    QTest.keyClick(win.grid, Qt.Key.Key_Left)
    QTest.keyClick(win.grid, Qt.Key.Key_Left)
    _at(qtbot, win, "IM0002.dcm")
    assert box.currentText() == "As loaded" and viewer.window() == as_loaded


def test_the_w_key_keeps_its_preset_too(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, _series(tmp_path / "series1"))
    win.review.go_to_row(0)
    _at(qtbot, win, "IM0001.dcm")
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)  # round to the last: bone
    assert "CT Bone (400/1800)" in win.statusBar().currentMessage()
    assert "kept for the next images" in win.statusBar().currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    _at(qtbot, win, "IM0002.dcm")
    assert win.viewer.window() == (400.0, 1800.0)
