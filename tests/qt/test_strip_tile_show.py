"""A tiled strip's label card takes the reviewer to the tile that gave the label its score.

A label suggestion for a line-scan strip is scored in tiles (core.suggest.strip_tiles);
the tile that gave the score was named only in the card's tooltip (x 704-1344, y
12240-12880): on a 2048x20000 strip fitted in the viewer the reviewer had to find it by
hand. The card's "Show tile" zooms the viewer to that box of the strip's pixels and
outlines it; the keys go back to the review (the grid)."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion, SuggestionRecord

BOX = [100, 4000, 150, 150]
TILED = {"tiles": 40, "tile_px": [150, 150], "source_px": [300, 6000], "best_tile": 27, "best_box": BOX}


def _rec(sid, params):
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, "label", "hole", 0.91, "learned-handcrafted-v6", "abc", None, params,
                            t, "pending", None, None, None)


def test_only_a_tiled_label_card_has_show_tile(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    panel = SuggestionPanel()
    qtbot.addWidget(panel)
    panel.resize(380, 400)
    panel.show()
    panel.set_suggestions([_rec(1, {"strip_tiles": TILED}), _rec(2, {}),
                           _rec(3, {"strip_tiles": {"tiles": 3}})])  # (no box: nothing to show)
    assert panel.card(1).tile_button.isVisible()
    assert not panel.card(2).tile_button.isVisible() and not panel.card(3).tile_button.isVisible()
    with qtbot.waitSignal(panel.tile_requested) as got:
        QTest.mouseClick(panel.card(1).tile_button, Qt.MouseButton.LeftButton)
    assert got.args == [1]
    assert panel.card(1).tile_box() == ((100, 4000, 150, 150), (300, 6000))
    # the card is refilled with another suggestion: its button goes
    panel.set_suggestions([_rec(2, {})])
    assert not panel.card(2).tile_button.isVisible()


@pytest.fixture
def strip_folder(tmp_path):
    folder = tmp_path / "web"
    folder.mkdir()
    rng = np.random.default_rng(0)
    a = rng.normal(150, 10, (6000, 300)).clip(0, 255).astype(np.uint8)
    a[4050:4100, 150:200] = 30  # the "hole", inside BOX
    Image.fromarray(a).save(folder / "a_strip.png")
    Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).save(folder / "b_plain.png")
    return folder


def test_show_tile_zooms_the_viewer_to_the_box_and_outlines_it(qtbot, window, strip_folder, shots_dir):
    win = window
    project = open_and_index(qtbot, win, strip_folder)
    first = win.review.current
    assert first.relpath == "a_strip.png"
    project.add_label("hole")
    (sid,) = project.add_suggestions([NewSuggestion(first.id, "label", "hole", "learned-x", score=0.91,
                                                    params={"strip_tiles": TILED})])
    win.review._refresh(first.id)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(sid) is not None, timeout=5000)
    qtbot.waitUntil(lambda: getattr(win, "viewer_image", None) == (project, first.id), timeout=10000)
    viewer = win.viewer
    assert viewer.fit_kind() == "all"
    win.grab().save(str(shots_dir / "strip_tile_before.png"))
    QTest.mouseClick(panel.card(sid).tile_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.fit_kind() == "", timeout=5000)
    view = viewer._view
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    box = QRectF(*BOX)
    assert shown.contains(box), (shown, box)
    # the box fills much of the view (not the whole strip at 3%)
    on_screen = view.mapFromScene(box).boundingRect()
    vp = view.viewport().rect()
    assert on_screen.width() >= 0.5 * min(vp.width(), vp.height()), (on_screen, vp)
    assert viewer.tile_outline() == box
    assert win.grid.hasFocus() or win.focusWidget() is win.grid
    win.grab().save(str(shots_dir / "strip_tile_shown.png"))
    # F fits again; the next image has no outline
    QTest.keyClick(view, Qt.Key.Key_F)
    assert viewer.fit_kind() == "all"
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    second = win.review.current
    qtbot.waitUntil(lambda: getattr(win, "viewer_image", None) == (project, second.id), timeout=10000)
    assert viewer.tile_outline() is None
