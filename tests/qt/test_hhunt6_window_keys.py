"""Window/level from the keyboard: W and Shift+W step through the W/L box's presets (a
CT's soft tissue, lung and bone too), as choosing one there does; the box needed the
mouse, in a review done from the keyboard for hours."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, settle


def ct_and_photo(folder):
    """A study folder: a CT slice in Hounsfield units and an 8-bit photo."""
    import shutil

    import numpy as np
    from PIL import Image
    from pydicom.data import get_testdata_file

    folder.mkdir(parents=True)
    shutil.copyfile(get_testdata_file("CT_small.dcm", download=False), folder / "CT_small.dcm")
    Image.fromarray(np.full((40, 60, 3), 128, np.uint8)).save(folder / "photo.png")
    return folder


def _select(qtbot, win, name):
    row = next(r for r in range(win.model.rowCount()) if win.model.record_at(r).name == name)
    win.review.go_to_row(row)
    qtbot.waitUntil(lambda: win.viewer.has_image() and win.viewer_image is not None
                    and win.review.current.name == name, timeout=10000)
    settle(qtbot)


def test_w_steps_the_presets_of_a_ct(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, ct_and_photo(tmp_path / "study"))
    _select(qtbot, win, "CT_small.dcm")
    box = win.viewer.preset_combo
    assert box.currentText() == "As loaded"
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_W)
    assert box.currentText() == "Auto"
    assert win.statusBar().currentMessage().startswith("Window/level: Auto (W ")
    for _ in range(3):
        QTest.keyClick(win.grid, Qt.Key.Key_W)
    assert box.currentText() == "CT Lung (-600/1500)"
    assert win.viewer.window() == (-600.0, 1500.0)
    assert "W 1500  L -600" in win.viewer.status_text()
    QTest.keyClick(win.grid, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)
    assert box.currentText() == "CT Soft tissue (40/400)" and win.viewer.window() == (40.0, 400.0)
    QTest.keyClick(win.grid, Qt.Key.Key_W)
    QTest.keyClick(win.grid, Qt.Key.Key_W)
    QTest.keyClick(win.grid, Qt.Key.Key_W)  # round the list
    assert box.currentText() == "As loaded"
    win.viewer.set_window(100.0, 50.0)  # a drag: "Custom"
    assert box.currentText() == "Custom"
    QTest.keyClick(win.grid, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)
    assert box.currentText() == "CT Bone (400/1800)" and win.viewer.window() == (400.0, 1800.0)


def test_w_on_an_8_bit_image_says_why_and_types_in_a_text_box(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, ct_and_photo(tmp_path / "study"))
    _select(qtbot, win, "photo.png")
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_W)
    assert "none for this image (8-bit)" in win.statusBar().currentMessage()
    _select(qtbot, win, "CT_small.dcm")
    win.edit_caption()
    settle(qtbot)
    typing = win.focusWidget()
    QTest.keyClicks(typing, "wW")
    assert win.viewer.preset_combo.currentText() == "As loaded"  # the keys were the text's
    assert "wW" in (typing.toPlainText() if hasattr(typing, "toPlainText") else typing.text())
