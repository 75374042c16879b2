"""Opening a project runs the grid's first id query off the GUI thread (at 100k images it
froze the window for 0.2-0.35 s on every open); the grid says it is loading meanwhile,
and the reviewer's place is restored once the ids arrive."""
from __future__ import annotations

import threading

import pytest

from qthelpers import open_and_index, settle


@pytest.fixture
def query_threads(monkeypatch):
    """Project.image_ids as the window calls it, recording the thread it ran on; held
    while ``gate`` is clear."""
    from llmvis_desktop.core.project import Project

    real = Project.image_ids
    gate, threads = threading.Event(), []
    gate.set()

    def recorded(self, *args, **kwargs):
        threads.append(threading.get_ident())
        IN_FLIGHT.append(1)
        try:
            gate.wait(5)
            return real(self, *args, **kwargs)
        finally:
            IN_FLIGHT.pop()

    monkeypatch.setattr(Project, "image_ids", recorded)
    return gate, threads


#: one item per image_ids call (of ``query_threads``) not returned yet
IN_FLIGHT: list = []


def _reopen(qtbot, window, folder):
    window.close_project()
    with qtbot.waitSignal(window.project_opened, timeout=10000):
        assert window.open_project(folder, index=False)


def test_the_first_grid_query_of_an_open_runs_off_the_gui_thread(qtbot, window, image_folder, query_threads):
    _gate, threads = query_threads
    open_and_index(qtbot, window, image_folder)
    threads.clear()
    _reopen(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10000)
    assert threads and threading.get_ident() not in threads


def test_the_grid_loads_after_the_open_and_the_position_is_restored(qtbot, window, image_folder, query_threads):
    gate, threads = query_threads
    open_and_index(qtbot, window, image_folder)
    window.grid.select_row(7)
    placed = window.review.current
    assert placed is not None and window.model.row_of(placed.id) == 7
    gate.clear()  # the next open's query waits
    threads.clear()
    _reopen(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert window.project is not None and window.model.rowCount() == 0  # opened, ids on their way
    assert window.grid.empty_text == "Loading images\u2026"
    gate.set()
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10000)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    assert window.review.current.id == placed.id and window.grid.current_id() == placed.id
    assert window.grid.empty_text != "Loading images\u2026"  # (drawn only in an empty grid)
    assert window.filter_bar.count_label.text()  # the count is said once the ids arrived


def test_a_filter_chosen_while_the_first_query_runs_wins(qtbot, window, image_folder, query_threads):
    from llmvis_desktop.core.store.records import ImageFilter

    gate, threads = query_threads
    open_and_index(qtbot, window, image_folder)
    gate.clear()
    threads.clear()
    _reopen(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    window.project_ctl.on_filter(ImageFilter(text="img_001"), "name", False)
    gate.set()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10000)
    # every query has returned (the first, unfiltered one too) and its worker is idle; the
    # answers queued for the GUI thread are then delivered: a late one is not applied
    qtbot.waitUntil(lambda: not IN_FLIGHT and window.query_loader._pool.activeThreadCount() == 0,
                    timeout=10000)
    settle(qtbot)
    assert window.model.rowCount() == 1
    assert window.model.record_at(0).name == "img_001.png"
