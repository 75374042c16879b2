"""The grid's Name sort in the window: natural and case-insensitive (images.name_key),
the arrow keys step in that order, the filter bar's descending toggle turns it round."""
from __future__ import annotations

import numpy as np
from PIL import Image
from qthelpers import open_and_index

NAMES = ["a.png", "B.png", "img2.png", "img10.png", "Img11.png", "zebra.png"]


def _folder(root):
    root.mkdir()
    for i, name in enumerate(reversed(NAMES)):
        px = np.full((48, 64, 3), (i * 40, 120, 200 - i * 30), np.uint8)
        Image.fromarray(px).save(root / name)
    return root


def _shown(win):
    return [win.model.record(i).relpath for i in win.model.ids]


def test_the_grid_lists_and_steps_by_natural_name(qtbot, window, tmp_path, shots_dir):
    open_and_index(qtbot, window, _folder(tmp_path / "n"))
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=10000)
    assert window.filter_bar.current()[1] == "name"
    assert _shown(window) == NAMES
    window.grid.select_row(0)
    seen = [window.review.current.relpath]
    for _ in NAMES[1:]:
        window.review.next()
        qtbot.waitUntil(lambda: window.review.current.relpath != seen[-1], timeout=5000)
        seen.append(window.review.current.relpath)
    assert seen == NAMES
    window.filter_bar.desc.setChecked(True)  # the ↓ toggle
    qtbot.waitUntil(lambda: _shown(window) == NAMES[::-1], timeout=5000)
    window.filter_bar.desc.setChecked(False)
    qtbot.waitUntil(lambda: _shown(window) == NAMES, timeout=5000)
    qtbot.waitUntil(lambda: window.thumbs.pending() == 0, timeout=10000)
    window.grid.grab().save(str(shots_dir / "grid_name_sort.png"))
