"""An unreviewed repair output (the image a linked repair wrote) showed the grid's "N"
(new) badge, while the status bar counted it apart ("repair outputs 1") and N skipped it.
Its tile now has its own status badge ("copy", the repair purple, its letters >= 4.5:1 in
a light and a dark palette, measured on a grab of the grid) and its tooltip says whose
repaired copy it is; reviewed, it shows ✓ as any image does."""
from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from contrast import contrast_ratio, theme  # noqa: F401 - theme: a fixture
from qthelpers import folder_with_a_repair, open_and_index

import cv2  # noqa: F401 - a runtime dependency of the classical repair

from llmvis_desktop.qt.style import REPAIR_BADGE, STATUS_COLORS
from llmvis_desktop.qt.widgets.grid_delegate import PAD


def _rgb(hex_color: str) -> tuple:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def _status_badge(window, row: int) -> tuple[tuple, float]:
    """(the ground colour, the letters' contrast on it) of the status badge (top left) of
    the tile at ``row``, from a grab of the grid as drawn."""
    grid, delegate = window.grid, window.grid.itemDelegate()
    rect = grid.visualRect(window.model.index(row))
    pm = grid.viewport().grab()
    img, dpr = pm.toImage(), pm.devicePixelRatio()
    x0, y0 = rect.x() + PAD + 3, rect.y() + PAD + 3
    w = delegate._badge_h  # (the badge's first square: "N" is one, "copy" wider)
    seen = Counter()
    for y in range(round((y0 + 2) * dpr), round((y0 + delegate._badge_h - 2) * dpr)):
        for x in range(round((x0 + 2) * dpr), round((x0 + w - 2) * dpr)):
            p = img.pixel(x, y)
            seen[((p >> 16) & 255, (p >> 8) & 255, p & 255)] += 1
    ground = seen.most_common(1)[0][0]
    return ground, max(contrast_ratio(c, ground) for c in seen)


def test_an_unreviewed_repair_output_has_its_own_badge_and_names_its_source(qtbot, window, tmp_path,
                                                                          theme):  # noqa: F811
    root, out_id = folder_with_a_repair(tmp_path)
    project = open_and_index(qtbot, window, root)
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 3 and all(model.cached_record(r) for r in range(3)), timeout=5000)
    row, new_row = model.ids.index(out_id), model.ids.index(project.image_by_path("a.png").id)
    out_name = project.image(out_id).relpath
    tip = model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert "a repaired copy of b.png" in tip, tip
    assert "repaired copy" not in model.data(model.index(new_row), Qt.ItemDataRole.ToolTipRole)
    window.grid.viewport().grab().save(str(tmp_path / f"grid_{theme}.png"))

    ground, letters = _status_badge(window, row)
    assert ground == _rgb(REPAIR_BADGE), (ground, out_name)  # not the new grey of "N"
    assert letters >= 4.5, letters
    ground, _ = _status_badge(window, new_row)
    assert ground == _rgb(STATUS_COLORS["new"])  # an ordinary new image: N as before

    # Enter on it (the record the action hands back): reviewed, its source still named
    window.grid.select_row(row)
    qtbot.waitUntil(lambda: window.review.current is not None and window.review.current.id == out_id, timeout=5000)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_Return)  # reviewed: the ✓ of any reviewed image
    qtbot.waitUntil(lambda: model.cached_record(row) is not None and model.cached_record(row).status == "reviewed",
                    timeout=5000)
    qtbot.waitUntil(lambda: _status_badge(window, row)[0] == _rgb(STATUS_COLORS["reviewed"]), timeout=5000)
    assert "a repaired copy of b.png" in model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
