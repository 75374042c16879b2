"""``[`` and ``]`` pressed faster than a frame is read (key auto-repeat): each press
counted from the frame on screen, not from the one already asked for, so five quick
presses moved one frame (two or three when a read ended between them)."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import tifffile
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.qt import image_shown as mw

PAGES = 8


@pytest.fixture
def gated_reads(monkeypatch):
    """Frame reads (other than the first frame's) wait until the test opens the gate: a
    read slower than any key press. Yields (gate, the frames read, in order)."""
    gate, read = threading.Event(), []
    real = mw._read_image

    def slow(path, max_pixels, frame=0, *rest):
        if frame:
            read.append(frame)
            gate.wait(20)
        return real(path, max_pixels, frame, *rest)

    monkeypatch.setattr(mw, "_read_image", slow)
    yield gate, read
    gate.set()  # never leave the loader thread waiting


def _press(window, key, n: int) -> None:
    for _ in range(n):
        QTest.keyClick(window.grid, key)


def _bar(viewer) -> str:
    return viewer.frame_label.text()


def test_n_quick_frame_presses_move_n_frames_and_read_only_the_last(qtbot, window, tmp_path, gated_reads):
    gate, read = gated_reads
    folder = tmp_path / "stack"
    folder.mkdir()
    with tifffile.TiffWriter(folder / "stack.tif") as w:
        for i in range(PAGES):
            w.write(np.full((16, 20), 10 * (i + 1), np.uint8), photometric="minisblack")
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    assert viewer.frames() == (0, PAGES)
    window.grid.setFocus()

    _press(window, Qt.Key.Key_BracketRight, 5)  # while frame 2 is still being read
    assert _bar(viewer) == f"frame 6/{PAGES}"  # the bar shows the target at once
    assert viewer.frames()[0] == 0  # (the pixels on screen are still frame 1's)
    gate.set()
    qtbot.waitUntil(lambda: viewer.frames() == (5, PAGES), timeout=10000)
    assert int(viewer.current_display().max()) == int(read_image(folder / "stack.tif", frame=5).display.max())
    assert read[-1] == 5 and len(read) <= 2, read  # the stale steps between were never read
    assert _bar(viewer) == f"frame 6/{PAGES}"

    gate.clear()
    read.clear()
    _press(window, Qt.Key.Key_BracketRight, 5)  # clamped at the last frame
    assert _bar(viewer) == f"frame {PAGES}/{PAGES}" and not viewer.next_frame_button.isEnabled()
    _press(window, Qt.Key.Key_BracketLeft, 3)  # counted back from the last frame, not from 6
    assert _bar(viewer) == f"frame {PAGES - 3}/{PAGES}"
    gate.set()
    qtbot.waitUntil(lambda: viewer.frames() == (PAGES - 4, PAGES), timeout=10000)
    assert read[-1] == PAGES - 4 and len(read) <= 2, read
    assert _bar(viewer) == f"frame {PAGES - 3}/{PAGES}"
