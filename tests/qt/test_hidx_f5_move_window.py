"""F5 after files were moved or renamed shows their new names, in their sorted place.

A move the listing pass finds (a folder renamed, a file renamed in case only, a file
moved to another folder under its name: size and time kept) changes no row count and
reads no header: the grid's query ran, and when the order it found was the one shown
(``b/`` renamed ``c/`` sorts where ``b/`` did) nothing read the rows again, so the tiles
kept their old names until the next change. Every row an index changed is now read
again (``ScanResult.rows_changed``); F5 on an unchanged folder still reads nothing
(tests/qt/test_hf5_f5_unchanged_no_requery.py)."""
from __future__ import annotations

import os

from qthelpers import open_and_index
from PySide6.QtCore import Qt

from llmvis_desktop.qt.models.grid_model import RecordRole


def _f5(qtbot, window):
    with qtbot.waitSignal(window.index_finished, timeout=20000) as got:
        window.act_reindex.trigger()
    return got.args[0]


def _shown(model) -> list[str]:
    """The relative path of every tile as the grid draws it, top to bottom."""
    return [model.data(model.index(r), RecordRole).relpath for r in range(model.rowCount())]


def _in_database(project, model) -> list[str]:
    """The relative paths in the grid's order as the database has them now."""
    ids = project.image_ids(model.filter, model.sort, model.descending)
    by_id = {rec.id: rec.relpath for rec in project.images(ids)}
    return [by_id[i] for i in ids]


def _caught_up(qtbot, window) -> None:
    """The grid's windows read again (a refresh in flight answers later)."""
    model = window.model
    qtbot.waitUntil(lambda: not model._stale and not model.reading(), timeout=10000)


def test_f5_after_a_folder_rename_shows_the_new_folder_in_place(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    model = window.model
    _caught_up(qtbot, window)
    assert _shown(model)[6] == "b/img_001.png"
    reviewed = model.id_at(7)
    project.set_status(reviewed, "reviewed", "tester")
    os.rename(image_folder / "b", image_folder / "c")  # sorts where b/ did: the same ids in order
    result = _f5(qtbot, window)
    assert (result.moved, result.added, result.missing, result.headers_read) == (6, 0, 0, 0)
    _caught_up(qtbot, window)
    assert _shown(model) == _in_database(project, model)
    assert _shown(model)[6:] == [f"c/img_{i:03d}.png" for i in (1, 3, 5, 7, 9, 11)]
    assert model.id_at(7) == reviewed and model.data(model.index(7), RecordRole).status == "reviewed"

    # the move seen, F5 again changes nothing: no row of the grid is read again
    refreshed = []
    model.refresh_all = lambda: refreshed.append(1)
    result = _f5(qtbot, window)
    assert not result.rows_changed and refreshed == []


def test_f5_after_a_rename_in_case_shows_the_new_name(qtbot, window, image_folder):
    """``img_004.png`` renamed ``IMG_004.png``: the same row (sorted without case), its
    tile's name the new one; then a rename that sorts elsewhere moves the tile."""
    project = open_and_index(qtbot, window, image_folder)
    model = window.model
    _caught_up(qtbot, window)
    row = _shown(model).index("a/img_004.png")
    image_id = model.id_at(row)
    os.rename(image_folder / "a" / "img_004.png", image_folder / "a" / "IMG_004.png")
    result = _f5(qtbot, window)
    assert result.moved == 1 and not result.headers_read
    _caught_up(qtbot, window)
    assert _shown(model) == _in_database(project, model)
    assert model.row_of(image_id) == row
    assert model.data(model.index(row), Qt.ItemDataRole.DisplayRole) == "IMG_004.png"

    # a rename found by content (the header pass hashes the new file) that sorts elsewhere:
    # the tile moves to its new place, the row kept
    first = model.id_at(0)
    os.rename(image_folder / "a" / "img_000.png", image_folder / "a" / "zz_last.png")
    result = _f5(qtbot, window)
    assert result.moved == 1 and not result.added and not result.missing
    _caught_up(qtbot, window)
    assert _shown(model) == _in_database(project, model)
    assert model.row_of(first) == 5 and _shown(model)[5] == "a/zz_last.png"
