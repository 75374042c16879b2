"""A window of grid rows read off the GUI thread is kept when rows of another window
changed meanwhile.

Any row change (a review action's record, a row read again) made a window fetch in flight
read again on its arrival, though only a change to one of its own rows can make it stale.
At the end of a folder's first index the grid re-reads the rows it holds, and the image
shown is read again too: its record put in the grid made every window read then be read
a second time (windows 0 and 1 twice and a third for the neighbour, at 20k images, where
one read of each was enough)."""
from __future__ import annotations

import threading

from qthelpers import make_images, open_and_index


def _settled(qtbot, window) -> None:
    """The index's end caught up with: its rows read again, no window being read."""
    model = window.model
    qtbot.waitUntil(lambda: 0 in model._windows and not window.jobs.active()
                    and not model._stale and not model._fetch_wanted and not model._fetch_running,
                    timeout=20000)
    qtbot.wait(200)
    qtbot.waitUntil(lambda: not model._fetch_wanted and not model._fetch_running, timeout=10000)


def test_a_fetch_is_kept_when_only_another_windows_rows_changed(qtbot, window, tmp_path):
    folder = tmp_path / "many"
    make_images(folder, n=300, size=(16, 12))
    project = open_and_index(qtbot, window, folder, timeout=60000)
    model = window.model
    _settled(qtbot, window)
    assert model.rowCount() == 300
    ids = list(model.ids)
    gate, reads = threading.Event(), []
    real = project.images

    def held(wanted):  # read, then held until the edit is made
        reads.append(wanted[0])
        got = real(wanted)
        gate.wait(20)
        return got

    project.images = held  # (the fetch thread's read of the window)
    try:
        model._painted.clear()
        model._painted[0] = None
        model.refresh_all()  # window 0 (painted) read again, and its neighbour
        qtbot.waitUntil(lambda: ids[0] in reads, timeout=10000)
        edited = real([ids[299]])[0]  # a row of window 1 changes meanwhile
        model.update_records([edited])
        gate.set()
        qtbot.waitUntil(lambda: 0 not in model._stale, timeout=10000)
        qtbot.wait(300)  # (a second read would have been asked for by now)
    finally:
        gate.set()
        project.images = real
    assert reads.count(ids[0]) == 1  # read once: its rows did not change
    assert model.drawn_record(ids[0]) == real([ids[0]])[0]


def test_a_fetch_is_read_again_when_one_of_its_rows_changed(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    model = window.model
    _settled(qtbot, window)
    ids = list(model.ids)
    gate, reads = threading.Event(), []
    real = project.images

    def held(wanted):  # read, then held until the edit is made
        reads.append(wanted[0])
        got = real(wanted)
        gate.wait(20)
        return got

    project.images = held
    try:
        model._painted.clear()
        model._painted[0] = None
        model.refresh_all()
        qtbot.waitUntil(lambda: bool(reads), timeout=10000)
        project.set_status(ids[4], "reviewed", "t")  # after the fetch began reading
        model.update_records([real([ids[4]])[0]])
        gate.set()
        qtbot.waitUntil(lambda: len(reads) == 2 and 0 not in model._stale, timeout=10000)
    finally:
        gate.set()
        project.images = real
    assert model.drawn_record(ids[4]).status == "reviewed"
