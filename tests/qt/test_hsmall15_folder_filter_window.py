"""The filter bar's folder choice: "All folders" first, then each subfolder of the project
by its relative path with the images under it ("cam2/night/ (2)"); choosing one lists only
its images and its subfolders' (not cam20/'s), N stays inside it, the counts line counts
it, and the choice is kept with the reviewer's view."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.qt import view_memory

LAYOUT = {"cam1": 3, "cam2": 3, "cam2/night": 2, "cam20": 2, "": 1}


def _line_camera(root):
    rng = np.random.default_rng(3)
    for sub, n in LAYOUT.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(root / sub / f"img_{i}.png")
    return root


def test_choosing_a_folder_lists_it_and_n_stays_inside(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, _line_camera(tmp_path / "dump"))
    bar = win.filter_bar
    assert bar.folder.isVisibleTo(bar)
    assert [bar.folder.itemText(i) for i in range(bar.folder.count())] == [
        "All folders", "cam1/ (3)", "cam2/ (5)", "cam2/night/ (2)", "cam20/ (2)"]
    bar.folder.setCurrentIndex(bar.folder.findData("cam2"))
    assert bar.current()[0] == ImageFilter(path_prefix="cam2")
    qtbot.waitUntil(lambda: win.model.rowCount() == 5, timeout=5000)
    paths = [win.model.record_at(r).relpath for r in range(win.model.rowCount())]
    assert all(p.startswith("cam2/") for p in paths), paths
    qtbot.waitUntil(lambda: bar.count_label.text() == "5 of 11", timeout=5000)
    # N walks the folder's unreviewed images and wraps inside it
    win.grid.select_row(0)
    said: list[str] = []
    win.review.message.connect(said.append)
    win.grid.setFocus()
    seen = set()
    for k in range(6):
        QTest.keyClick(win.grid, Qt.Key.Key_N)
        qtbot.waitUntil(lambda: len([s for s in said if s.startswith("Next unreviewed")]) > k, timeout=10000)
        seen.add(win.review.current.relpath)
    assert seen and all(p.startswith("cam2/") for p in seen), seen
    # kept with the reviewer's view, said in words, put back
    state = view_memory.view_state(bar)
    assert state == {"folder": "cam2"}
    assert view_memory.describe(bar) == "folder \u201ccam2/\u201d"
    bar.reset()
    assert bar.current()[0] is None
    assert view_memory.restore_view(bar, state) == [] and bar.folder.currentData() == "cam2"
    assert view_memory.restore_view(bar, {"folder": "cam3"}) == ["the folder \u201ccam3/\u201d (no longer in the project)"]
    bar.clear_filters()
    qtbot.waitUntil(lambda: win.model.rowCount() == 11, timeout=5000)


def test_the_bar_fits_at_1280_with_a_folder_chosen(qtbot, window, tmp_path):
    """In a 1280 px window the grid's bar takes two rows: the folder choice starts the
    second, the filters' row keeps its search box wide enough to read its words."""
    win = window
    open_and_index(qtbot, win, _line_camera(tmp_path / "dump"))
    bar = win.filter_bar
    win.resize(1280, 800)
    bar.folder.setCurrentIndex(bar.folder.findData("cam2/night"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: bar.count_label.text() == "2 of 11", timeout=5000)
    for w in (bar.status, bar.folder, bar.label, bar.sort, bar.count_label):
        assert w.width() >= w.minimumSizeHint().width(), w.objectName()
    fm = bar.text.fontMetrics()
    assert bar.text.width() >= fm.horizontalAdvance(bar.text.placeholderText()), bar.text.width()
    assert not bar.count_label.is_elided()
    win.grab().save(str(tmp_path / "window.png"))
    import os
    if os.environ.get("SHOT"):
        win.grab().save(os.environ["SHOT"])
        bar.resize(1280, bar.height())
        bar.grab().save(os.environ["SHOT"] + ".bar.png")


def test_a_flat_folder_shows_no_folder_choice(qtbot, window, tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    for i in range(3):
        Image.new("RGB", (8, 6), (i * 40, 0, 0)).save(root / f"f{i}.png")
    open_and_index(qtbot, window, root)
    assert not window.filter_bar.folder.isVisibleTo(window.filter_bar)
