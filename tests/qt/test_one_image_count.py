"""A folder of one image was counted "1 images" in the filter bar and the status bar."""
from __future__ import annotations

from PIL import Image
from qthelpers import open_and_index


def test_one_image_is_counted_in_the_singular(qtbot, window, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(folder / "a.png")
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.counts_label.text().startswith("1 image"), timeout=10000)
    assert window.counts_label.text().startswith("1 image ") or window.counts_label.text() == "1 image"
    assert window.filter_bar.count_label._texts[0] == "1 image"
