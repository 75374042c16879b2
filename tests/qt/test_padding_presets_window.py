"""W / Shift+W on a CT whose outside of the field of view carries its Pixel Padding Value:
"Auto" (the 0.5-99.5 percentiles) and "Full range" (min..max) counted the padding, a
quarter of a slice at -3024 HU, and showed air and lung as one mid gray; they now measure
the pixels inside the field of view, as "As loaded" does (test_dicom_pixel_padding)."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from test_dicom_pixel_padding import _write  # noqa: E402


def _choose(qtbot, win, name: str) -> None:
    viewer = win.viewer
    for _ in range(viewer.preset_combo.count()):
        if viewer.preset_combo.currentText() == name:
            break
        QTest.keyClick(win.grid, Qt.Key.Key_W)
    assert viewer.preset_combo.currentText() == name


def test_auto_and_full_range_leave_the_padding_out(qtbot, window, tmp_path, shots_dir):
    win = window
    folder = tmp_path / "ct"
    folder.mkdir()
    _write(folder / "slice.dcm", signed=True, padding=-3000)  # stored -3000: -4024 HU outside
    open_and_index(qtbot, win, folder)
    viewer = win.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    win.grid.setFocus()
    _choose(qtbot, win, "Full range")
    assert viewer.window() == (-50.0, 1900.0), viewer.window()  # air -1000 .. bone 900
    _choose(qtbot, win, "Auto")
    center, width = viewer.window()
    assert center - width / 2 >= -1000 and width <= 1900, viewer.window()
    qtbot.waitUntil(lambda: int(viewer.current_display()[64, 12]) == 0, timeout=5000)  # air black
    shown = viewer.current_display()
    assert int(shown[64, 50]) > 5, int(shown[64, 50])  # the lung apart from it
    viewer.grab().save(str(shots_dir / "padding_auto.png"))
