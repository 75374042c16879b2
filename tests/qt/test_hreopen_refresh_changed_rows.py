"""The grid after its rows may all have changed (the end of an F5 re-index that found
files changed, a job's progress, a teammate's many changes): ``refresh_all`` dropped every
window of records and repainted the whole grid, drawn as grey placeholders, then again once
read back (two full repaints in the turns where the index's end landed, 19-66 ms at 100k
images; /tmp/hunt-hreopen/probe.py f5). The rows now stay drawn as they were while read
again off the GUI thread, and only the rows whose record changed are repainted."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.qt.models.grid_model import RecordRole


def _painted_as_indexed(qtbot, model) -> None:
    """The grid painted its rows, and read again those it held when the index ended (the
    first index reads the rows drawn before their headers again: a refresh still under
    way would repaint every row, each changed by its header)."""
    qtbot.waitUntil(lambda: 0 in model._windows and not model._stale and not model._fetch_wanted,
                    timeout=10000)


def test_refresh_all_keeps_rows_drawn_and_repaints_only_the_changed(qtbot, window, image_folder):
    win = window
    project = open_and_index(qtbot, win, image_folder)
    model = win.model
    _painted_as_indexed(qtbot, model)
    ids = list(model.ids)
    project.set_status(ids[3], "reviewed", "t")  # one row changes in the database
    repainted = []
    model.dataChanged.connect(lambda a, b, roles: repainted.append((a.row(), b.row()))
                              if RecordRole in roles else None)
    with qtbot.waitSignal(model._fetch_signals.fetched, timeout=10000):
        model.refresh_all()
        # drawn as they were meanwhile: no grey placeholder, no repaint yet
        assert all(model.cached_record(r) is not None for r in range(model.rowCount()))
        assert repainted == []
    qtbot.waitUntil(lambda: 0 not in model._stale, timeout=10000)
    assert model.cached_record(3).status == "reviewed"
    assert repainted == [(3, 3)]  # the one row that changed, not the grid


def test_a_stale_row_is_read_afresh_where_it_is_asked_for(qtbot, window, image_folder):
    """What the window reads of a row (``record``, ``held_record``) is never the copy
    kept for painting while it is read again."""
    win = window
    project = open_and_index(qtbot, win, image_folder)
    model = win.model
    _painted_as_indexed(qtbot, model)
    ids = list(model.ids)
    project.set_status(ids[5], "rejected", "t")
    model.refresh_all()
    assert model.held_record(ids[5]) is None  # not known fresh
    assert model.record(ids[5]).status == "rejected"  # read again, as when it was dropped
