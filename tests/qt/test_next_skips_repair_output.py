"""N went to a repair's output, listed as a new image once the repair was saved in the
project (``repaired/NAME.repaired.png``): the reviewer was sent to review a copy of an
image already reviewed. It is its source's, linked to it, and N leaves it out."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

import cv2  # noqa: F401 - a runtime dependency of the classical repair

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import apply as apply_mod


def test_n_does_not_go_to_a_repair_output(qtbot, window, tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    rng = np.random.default_rng(3)
    for name in ("a.png", "b.png", "c.png"):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3)).astype(np.uint8)).save(root / name)
    mask = np.zeros((40, 40), bool)
    mask[4:12, 4:20] = True
    with Project.open(root) as p:
        p.index()
        res = apply_mod.repair_file(root / "b.png", mask, method="telea", project=p, actor="tester")
        for name in ("b.png", "c.png"):
            p.set_status(p.image_by_path(name).id, "reviewed", "tester")
        out_id = res.output_image_id
    project = open_and_index(qtbot, window, root)
    ids = window.model.ids
    assert out_id in ids and project.image(out_id).status == "new"  # listed in the grid
    window.grid.select_row(ids.index(project.image_by_path("a.png").id))
    window.grid.setFocus()
    said = []
    window.review.message.connect(said.append)
    QTest.keyClick(window.grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: bool(said) or window.review.current.relpath != "a.png", timeout=5000)
    assert window.review.current.relpath == "a.png"
    assert said[-1] == ("No other unreviewed image in this view: this one is the last "
                        "(1 repaired copy left out: reviewed with its source).")
