"""File names with control characters in the grid and the viewer: ``tab\\there.png`` was
drawn as "tab…png" (the tab elided the name), ``new\\nline.png`` wrapped into two lines
cut off by the tile; they are shown on one line with the characters escaped (\\t, \\n,
\\x1b), the whole name in the tooltip, which says what the escapes are."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt.models.grid_model import GridModel, RecordRole
from llmvis_desktop.qt.thumb_loader import ThumbLoader, make_cache
from llmvis_desktop.qt.widgets.viewer import ImageViewer

pytestmark = pytest.mark.skipif(os.sep != "/", reason="POSIX file names")

NAMES = {"tab\there.png": "tab\\there.png", "new\nline.png": "new\\nline.png",
         "esc\x1b[31m.png": "esc\\x1b[31m.png"}


def test_visible_name():
    for raw, shown in NAMES.items():
        assert visible_name(raw) == shown
    assert visible_name("café 😀 back\\slash.png") == "café 😀 back\\slash.png"  # as it is
    assert visible_name("x\u202egnp.exe\x7f\x85\r") == "x\\u202egnp.exe\\x7f\\x85\\r"


def test_grid_tiles_and_tooltips_show_control_characters_escaped(qtbot, tmp_path):
    from llmvis_desktop.qt.widgets.grid_view import GridView

    root = tmp_path / "p"
    root.mkdir()
    for i, raw in enumerate(NAMES):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(root / raw)
    with Project.open(root) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"))
        model = GridModel()
        model.set_project(p, loader)
        view = GridView(thumb_size=96)
        qtbot.addWidget(view)
        view.setModel(model)
        try:
            delegate = view.itemDelegate()
            seen = set()
            for row in range(model.rowCount()):
                rec = model.index(row).data(RecordRole)
                shown = NAMES[rec.relpath]
                seen.add(rec.relpath)
                assert model.index(row).data(Qt.ItemDataRole.DisplayRole) == shown
                tip = model.index(row).data(Qt.ItemDataRole.ToolTipRole).split("\n")
                assert tip[0] == shown and "escaped" in tip[1]  # the whole name, and what the escapes are
                tile = delegate.tile_name(rec.name, 96)
                assert tile.isprintable() and "\u2026" not in tile[:4]  # one line, not "tab…png"
                if "\x1b" not in rec.relpath:  # (that one is too wide for 96 px: elided in the middle)
                    assert tile == shown  # whole: short enough for the tile once escaped
            assert seen == set(NAMES)
        finally:
            assert loader.shutdown()


def test_the_viewer_error_panel_and_status_show_the_name_on_one_line(qtbot):
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.show_error("/data/new\nline.png", "cannot read /data/new\nline.png: truncated")
    assert viewer._error.path.text().replace("\u200b", "") == "/data/new\\nline.png"
    assert "\n" not in viewer.status_text() and "new\\nline.png" in viewer.status_text()


def test_characters_drawn_as_nothing_are_shown_escaped():
    """A soft hyphen (or a zero-width space, joiner, BOM) in a file name was drawn as
    nothing: "CT_s\\u00admall.dcm" read "CT_small.dcm", as another file's name."""
    assert visible_name("CT_s\u00admall.dcm") == "CT_s\\xadmall.dcm"
    assert visible_name("a\u200bb\u200dc\ufeff.png") == "a\\u200bb\\u200dc\\ufeff.png"
    assert visible_name("CT_s\u00admall.dcm") != visible_name("CT_small.dcm")
