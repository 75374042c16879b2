"""Reopening an indexed project: its index starts once the grid holds (and has drawn) the
project's first ids, not with the open. Started with the open, the index's listing (at
100k images, every file compared with its row in Python) ran beside the grid's first
query, the window's set-up and first paint, stretching each: a reopen froze the window
60-145 ms and drew the grid 0.45-0.95 s after the click (tests/benchmarks:
bench_open_stall.py; /tmp/hunt-hreopen/probe.py)."""
from __future__ import annotations

from qthelpers import open_and_index


def _rows_when_index_started(qtbot, window, folder) -> list:
    seen = []
    window.jobs.job_added.connect(
        lambda job: seen.append((job.name, window.model.rowCount(), window.project is not None)))
    open_and_index(qtbot, window, folder)
    return [s for s in seen if s[0].startswith("Index")]


def test_reopen_index_starts_after_first_ids(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)  # indexed once: the reopen lists 12 images at once
    n = window.model.rowCount()
    assert n == 12
    window.close_project()
    started = _rows_when_index_started(qtbot, window, image_folder)
    assert started == [(started[0][0], n, True)]  # one index, the grid already listing every image
    assert window.model.rowCount() == n


def test_first_open_still_indexes_and_lists(qtbot, window, image_folder):
    started = _rows_when_index_started(qtbot, window, image_folder)
    assert len(started) == 1  # a new folder: its first ids are none, then its index lists them
    assert window.model.rowCount() == 12


def test_f5_before_the_deferred_index_runs_one_index(qtbot, window, image_folder):
    """F5 pressed while the open's index waits for the first ids: that index is the one."""
    open_and_index(qtbot, window, image_folder)
    window.close_project()
    added = []
    window.jobs.job_added.connect(lambda job: added.append(job.name))
    with qtbot.waitSignal(window.project_opened, timeout=20000):
        window.open_project(image_folder)
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        window.start_index()
    qtbot.waitUntil(lambda: not window.jobs.active(), timeout=20000)
    qtbot.wait(50)
    assert [a for a in added if a.startswith("Index")] == [added[0]]
