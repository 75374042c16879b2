"""While the next image was read, the viewer kept showing the last picture and its size
and format ("300 × 200 · PNG 8-bit RGB") with no word of loading, while the grid, the
caption, the labels and the suggestions already showed the next image and the review keys
acted on it (10 s for a 108 MP PNG): a reviewer could judge one image and accept a
suggestion for another. The status line says "Loading NAME…" at once, and the last
picture gives way to a "Loading NAME…" page shortly after (not at once: a fast read
swaps the pictures with no blank frame)."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QApplication

from qthelpers import open_and_index

from llmvis_desktop.core.imaging.reader import read_image

RED = (204, 26, 26)


def _red_pixels(widget) -> int:
    img = widget.grab().toImage()
    img = img.convertToFormat(img.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8)
    arr = arr[: img.height() * img.bytesPerLine()].reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    return int((np.abs(rgb - np.array(RED)).sum(axis=2) < 30).sum())


def _folder(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.full((200, 300, 3), RED, np.uint8)).save(folder / "a_small_red.png")
    Image.fromarray(np.full((90, 120, 3), (20, 160, 40), np.uint8)).save(folder / "b_green.png")
    return folder


def test_the_viewer_says_loading_at_once_and_drops_the_last_picture(qtbot, window, tmp_path, gated):
    gate, names = gated
    open_and_index(qtbot, window, _folder(tmp_path))
    viewer = window.viewer
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: viewer.mode() == "image" and viewer.current_display().shape[:2] == (200, 300),
                    timeout=10000)
    assert "300 × 200" in viewer.status_text() and _red_pixels(viewer) > 1000
    names.add("b_green.png")
    window.grid.select_row(1)
    qtbot.waitUntil(lambda: window.panel_ctl.record.relpath == "b_green.png", timeout=5000)
    # at once: nothing says the red picture is the current image
    assert viewer.mode() == "loading" and viewer.is_loading() and not viewer.has_image()
    assert "Loading b_green.png" in viewer.status_text()
    assert "300 × 200" not in viewer.status_text() and "PNG" not in viewer.status_text()
    assert viewer.frames() == (0, 1) and viewer.window() is None
    # soon: the red picture is gone, a page names the image being read
    qtbot.waitUntil(lambda: _red_pixels(viewer) == 0, timeout=5000)
    # (the page's name is breakable at / _ . : zero-width spaces, test_hhunt6_loading_name_width)
    assert viewer.is_loading() and "Loading b_green.png" in viewer._placeholder.text().replace("\u200b", "")
    assert viewer._placeholder.isVisible() and not viewer.zoom_in_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    assert viewer.current_display().shape[:2] == (90, 120) and "120 × 90" in viewer.status_text()


def test_a_fast_read_swaps_the_pictures_without_a_blank_page(qtbot, viewer, tmp_path):
    """The last picture stays until the blank delay; an image that comes first stops it."""
    folder = _folder(tmp_path)
    viewer.show_image(read_image(folder / "a_small_red.png"))
    zoom = viewer.zoom_label.text()
    viewer.show_loading("b_green.png")
    assert "Loading b_green.png" in viewer.status_text()
    assert _red_pixels(viewer) > 1000 and viewer.zoom_label.text() == zoom  # not blanked yet
    viewer.show_image(read_image(folder / "b_green.png"))
    # the blank delay was stopped: no "Loading" page can come (was a 300 ms wait for it)
    assert not viewer._loading_timer.isActive()
    QApplication.processEvents()
    assert viewer.mode() == "image" and viewer._stack.currentWidget() is viewer._view
    assert viewer.current_display().shape[:2] == (90, 120) and viewer.zoom_label.text()


def test_an_error_panel_or_the_placeholder_gives_way_at_once(qtbot, viewer, tmp_path):
    viewer.show_error(tmp_path / "broken.png", "cannot identify image file")
    viewer.show_loading("next.png")
    assert viewer.is_loading() and viewer._stack.currentWidget() is viewer._placeholder
    assert viewer._placeholder.text().replace("\u200b", "") == "Loading next.png\u2026" \
        and "broken" not in viewer.status_text()
    viewer.clear()
    assert viewer.mode() == "empty" and viewer._placeholder.text() == "No image selected"


def test_nothing_acts_on_the_last_picture_while_the_next_loads(qtbot, viewer, tmp_path):
    import tifffile

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.stack([np.full((48, 64), 1000 * (i + 1), np.uint16) for i in range(3)]),
                     photometric="minisblack")
    viewer.show_image(read_image(path))
    assert viewer.window_enabled() and viewer.frames() == (0, 3)
    windows, frames = [], []
    viewer.windowChanged.connect(lambda c, w: windows.append((c, w)))
    viewer.frameRequested.connect(frames.append)
    viewer.show_loading("next.png")
    viewer.set_window(100.0, 50.0)
    viewer.zoom_in()
    viewer.step_frame(+1)
    for i in range(viewer.preset_combo.count()):
        viewer.preset_combo.activated.emit(i)
    assert not windows and not frames and viewer.window() is None and viewer.is_loading()
