"""The frame bar ("frame 2/3 ◀ ▶") after a read fails: an unreadable image selected after
a multi-frame one left the old image's bar up; a page of a multi-page file that cannot be
read (over the pixel limit) showed the error with the bar still saying "frame 1/3", and
"[" then said the image had a single frame."""
from __future__ import annotations

import numpy as np
import tifffile
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.imaging.reader import read_image


def _bar(viewer) -> tuple[bool, str]:
    return viewer.frame_label.isVisibleTo(viewer), viewer.frame_label.text()


def test_an_error_after_a_multiframe_image_hides_its_frame_bar(qtbot, viewer, tmp_path):
    path = tmp_path / "three.tif"
    with tifffile.TiffWriter(path) as w:
        for i in range(3):
            w.write(np.full((16, 20), 100 * (i + 1), np.uint16), photometric="minisblack")
    viewer.show_image(read_image(path, frame=1))
    assert _bar(viewer) == (True, "frame 2/3")
    viewer.show_error(tmp_path / "broken.png", "truncated or corrupt image data")
    assert viewer.mode() == "error"
    assert _bar(viewer)[0] is False and viewer.frames() == (0, 1)
    assert not viewer.prev_frame_button.isVisibleTo(viewer) and not viewer.next_frame_button.isVisibleTo(viewer)


def test_a_page_over_the_pixel_limit_keeps_the_frame_bar_to_step_past_it(qtbot, window, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    with tifffile.TiffWriter(folder / "mixed.tif") as w:
        w.write(np.full((64, 64), 10, np.uint8), photometric="minisblack")
        w.write(np.full((1000, 1100), 20, np.uint8), photometric="minisblack")  # 1.1 MP
        w.write(np.full((64, 64), 30, np.uint8), photometric="minisblack")
    window.config.max_image_pixels = 1_000_000
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_BracketRight)
    qtbot.waitUntil(lambda: viewer.mode() == "error", timeout=10000)
    assert "page 2 of 3" in viewer.error_text()
    assert _bar(viewer) == (True, "frame 2/3") and viewer.frames() == (1, 3)
    QTest.keyClick(window.grid, Qt.Key.Key_BracketRight)  # on to page 3, past the refused one
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    assert viewer.frames() == (2, 3) and int(viewer.current_display().max()) == 30
    QTest.keyClick(window.grid, Qt.Key.Key_BracketLeft)
    qtbot.waitUntil(lambda: viewer.mode() == "error", timeout=10000)
    QTest.keyClick(window.grid, Qt.Key.Key_BracketLeft)  # and back to page 1
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    assert viewer.frames() == (0, 3)
    assert "single frame" not in window.statusBar().currentMessage()


def test_frame_keys_on_an_unreadable_image_do_not_call_it_single_frame(qtbot, window, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.viewer.mode() == "error", timeout=10000)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_BracketRight)
    said = window.statusBar().currentMessage()
    assert "could not be read" in said and "single frame" not in said, said
