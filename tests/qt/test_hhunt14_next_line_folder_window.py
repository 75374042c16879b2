"""N's status line names the image by its path in the project, as the tiles and the title
do: on a line camera's folder every subfolder holds an img_573.png, and "Next unreviewed:
img_573.png" did not say which. Its count has thousands separators, as the counts line
("30,480 left", not "30480 left")."""
from __future__ import annotations

import numpy as np
from PIL import Image

from qthelpers import open_and_index


def _same_names(root, per=40):
    rng = np.random.default_rng(5)
    for sub in ("line_a", "line_b", "line_c"):
        (root / sub).mkdir(parents=True)
        for i in range(per):
            Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(root / sub / f"img_{i}.png")
    return root


def test_n_names_the_folder_of_the_image_it_went_to(qtbot, window, tmp_path):
    win = window
    project = open_and_index(qtbot, win, _same_names(tmp_path / "imgs"))
    ids = win.model.ids
    first_b = next(r for r in range(len(ids)) if win.model.record_at(r).relpath == "line_b/img_0.png")
    for i in ids[:first_b]:  # all of line_a decided: N from its last image goes into line_b
        project.set_status(i, "reviewed", "t")
    win.model.refresh_all()
    win.grid.select_row(first_b - 1)
    said: list[str] = []
    win.review.message.connect(said.append)
    win.grid.setFocus()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.keyClick(win.grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: any(s.startswith("Next unreviewed") for s in said), timeout=10000)
    assert win.review.current.relpath == "line_b/img_0.png"
    line = [s for s in said if s.startswith("Next unreviewed")][-1]
    assert line == f"Next unreviewed: line_b/img_0.png ({len(ids) - first_b} left in this view)", line


def test_next_line_counts_with_separators():
    from llmvis_desktop.qt.review_next import next_line

    assert next_line("line_a/img_1.png", 30480) == "Next unreviewed: line_a/img_1.png (30,480 left in this view)"
