"""N (next unreviewed) read the ids of every unreviewed image on the GUI thread: on a
team's PostgreSQL 25 ms away each way the window froze ~300 ms at every press, 20k
images (/tmp/hunt-hpgcards/act_stall.py, ACTION=next_unreviewed). The read now runs off
the GUI thread; N pressed again before the answer steps one more unreviewed image, and
an answer for a place the reviewer has since left is dropped (their own move stands)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.qt import review_next

_REAL_WAIT = review_next.NEXT_WAIT_S


@pytest.fixture(autouse=True)
def real_next_wait(next_awaited, monkeypatch):
    """The slow path itself: N waits for its read only as the window does (conftest's
    ``next_awaited`` makes every other test wait for it)."""
    monkeypatch.setattr(review_next, "NEXT_WAIT_S", _REAL_WAIT)


def _held(monkeypatch, project):
    real = project.image_ids
    gate, reads = threading.Event(), []

    def slow(*a, **k):
        main = threading.current_thread() is threading.main_thread()
        reads.append(main)
        assert gate.wait(2 if main else 20), "the test's gate was never opened"
        return real(*a, **k)

    monkeypatch.setattr(project, "image_ids", slow)
    return gate, reads


def test_n_reads_off_the_gui_thread_and_each_press_counts(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = win.model.ids
    project.set_status(ids[1], "reviewed", "t")
    project.set_status(ids[3], "reviewed", "t")
    win.model.refresh_all()
    win.grid.select_row(0)
    gate, reads = _held(monkeypatch, project)
    win.grid.setFocus()
    try:
        QTest.keyClick(win.grid, Qt.Key.Key_N)
        QTest.keyClick(win.grid, Qt.Key.Key_N)  # before the answer: one more step
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)
        assert reads == [False]  # one read, not on the GUI thread
        assert win.review.current.id == ids[0]  # the window went on meanwhile
    finally:
        gate.set()
    qtbot.waitUntil(lambda: win.review.current.id != ids[0], timeout=5000)
    assert win.review.current.id == ids[4]  # 2 and 4: 1 and 3 are reviewed


def test_an_answer_for_a_place_since_left_is_dropped(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = win.model.ids
    win.grid.select_row(0)
    gate, reads = _held(monkeypatch, project)
    win.grid.setFocus()
    try:
        QTest.keyClick(win.grid, Qt.Key.Key_N)
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)
        assert reads == [False]
        QTest.keyClick(win.grid, Qt.Key.Key_Left)  # (row 0: stays) then Right: the reviewer's own move
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        assert win.review.current.id == ids[2]
    finally:
        gate.set()
    # the answer handled (dropped or followed), not a clock: on a loaded machine it came
    # after the 400 ms this waited for, and a broken drop passed
    qtbot.waitUntil(lambda: win.review._next_req is None, timeout=10000)
    assert win.review.current.id == ids[2]
