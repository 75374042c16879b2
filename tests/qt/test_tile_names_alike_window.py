"""The files of one folder have their folder cut alike under each tile: at a width where
"line_a/img_3.png" fitted whole and "line_a/img_03.png" did not, one tile read
"line_a/img_3.png" and the next "l…_a/img_03.png" (two folders, to the eye). The folder is
now cut as it is beside the widest name of that folder on screen, the names whole."""
from __future__ import annotations

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.models.grid_model import GridModel
from llmvis_desktop.qt.widgets.grid_delegate import GridDelegate
from llmvis_desktop.qt.widgets.grid_view import GridView
from llmvis_desktop.qt.widgets.tile_names import tile_text

NAMES = ["img_3.png", "img_03.png", "img_10.png", "img_100.png", "img_7.png"]


def _prefixes(texts: list[str], names: list[str], widest: str) -> set[str]:
    """The folder part of each text (up to its last slash), every name but the widest
    whole (an assertion otherwise)."""
    out = set()
    for text, name in zip(texts, names):
        assert name == widest or text.endswith("/" + name), (text, name)
        out.add(text[: text.rfind("/") + 1])
    return out


def test_a_row_of_one_folder_is_cut_alike(qtbot):
    fm = GridDelegate()._fm
    widest = max(NAMES, key=fm.horizontalAdvance)
    # from the width where only the shortest fitted whole down to where a folder's last letter
    # and the other names still fit
    for width in range(fm.horizontalAdvance("line_a/img_3.png"), fm.horizontalAdvance("\u2026a/img_03.png") - 1, -1):
        texts = [tile_text("line_a", n, width, fm.horizontalAdvance, widest) for n in NAMES]
        assert len(_prefixes(texts, NAMES, widest)) == 1, (width, texts)
        assert all(fm.horizontalAdvance(t) <= width for t in texts)
    # wide enough for all: whole
    width = fm.horizontalAdvance("line_a/" + widest)
    assert [tile_text("line_a", n, width, fm.horizontalAdvance, widest) for n in NAMES] == \
        [f"line_a/{n}" for n in NAMES]


def test_the_grid_cuts_a_folder_alike_on_its_tiles(qtbot, tmp_path):
    root = tmp_path / "line"
    for rel in [f"line_a/{n}" for n in NAMES] + ["other_folder/x_1.png", "top.png"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(root / rel)
    with Project.open(root) as p:
        p.index()
        model = GridModel()
        model.set_project(p)
        view = GridView(thumb_size=96)
        qtbot.addWidget(view)
        view.setModel(model)
        view.resize(700, 500)
        view.show()
        qtbot.waitExposed(view)
        try:
            qtbot.waitUntil(lambda: all(model.cached_record(r) is not None for r in range(model.rowCount())))
            view.grab()  # a paint: the view tells the delegate the folders' widest names
            fm = view.delegate._fm
            widest = max(NAMES, key=fm.horizontalAdvance)
            width = fm.horizontalAdvance("line_a/img_3.png")  # line_a/img_03.png does not fit
            rels = [f"line_a/{n}" for n in NAMES]
            texts = [view.delegate.tile_name(rel, width) for rel in rels]
            assert len(_prefixes(texts, NAMES, widest)) == 1, texts
            assert view.delegate.tile_name("top.png", width) == "top.png"
        finally:
            model.shutdown()
