"""Dialogs and the grid's search read the project off the GUI thread.

On a team's PostgreSQL ~50 ms away (round trip) the window froze on each of these
(/tmp/hunt-hpgdlg/dlg_all.py --db pg, 20k images): a text search 760 ms (the grid read
the selected row's window of records on the GUI thread once the ids arrived), the Models
dialog 516 ms (the project's settings, read twice), Export… 338 ms and Import… 210 ms (the
settings, for the form's saved choices), a label added or renamed 1.2 s (the current
row's window again). Now the query thread reads the selected row's window with the ids,
and the dialogs open once their settings were read on a worker; a read that lands after
the project was closed (or another opened) is dropped."""
from __future__ import annotations

import threading

from qthelpers import open_and_index


def _watch(project, *names):
    """Record (name, on the GUI thread) for each call of these project methods."""
    seen: list = []
    for name in names:
        real = getattr(project, name)

        def wrapped(*a, _real=real, _name=name, **k):
            seen.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(*a, **k)

        setattr(project, name, wrapped)
    return seen


def test_a_search_reads_the_selected_rows_off_the_gui_thread(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    n = window.model.rowCount()
    seen = _watch(project, "images")
    window.filter_bar.text.setText("img_003")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < n, timeout=5000)
    qtbot.waitUntil(lambda: window.review.current is not None
                    and "003" in window.review.current.relpath, timeout=5000)
    assert ("images", True) not in seen, seen
    assert ("images", False) in seen  # read with the ids, on the query thread
