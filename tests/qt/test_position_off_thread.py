"""The reviewer's place is saved off the GUI thread.

ReviewController.save_position read and wrote the project settings on the GUI thread
800 ms after each move: on a team's PostgreSQL 50 ms away (round trip) that froze the
window ~470 ms after every move (/tmp/hunt-hstall/pos_stall.py --db pg). The write now
runs on the controller's own worker thread; closing the project (or the window) waits
for a write under way, so the place is still saved in the project it belongs to."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.project import Project
from qthelpers import open_and_index


def _gate_writes(project, gate: threading.Event, seen: list):
    real = project.set_setting

    def slow(key, value):
        seen.append(("write", key, threading.current_thread() is threading.main_thread()))
        assert gate.wait(20), "the test's gate was never opened"
        real(key, value)

    project.set_setting = slow


def test_saving_the_place_does_not_hold_the_gui_thread(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    gate, seen = threading.Event(), []
    _gate_writes(project, gate, seen)
    QTest.keyClick(window.grid, Qt.Key.Key_Right)
    rel = window.review.current.relpath
    try:
        window.review.save_position()  # returns with the write held at the gate
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        assert seen[0] == ("write", f"position:{window.review.actor()}", False)  # not the GUI thread
        assert project.settings().get(f"position:{window.review.actor()}") != rel  # not written yet
    finally:
        gate.set()
    qtbot.waitUntil(lambda: project.settings().get(f"position:{window.review.actor()}") == rel, timeout=5000)


def test_closing_the_project_waits_for_the_write_under_way(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    gate, seen = threading.Event(), []
    _gate_writes(project, gate, seen)
    real_close = project.close
    project.close = lambda: (seen.append(("close",)), real_close())[1]
    for _ in range(2):
        QTest.keyClick(window.grid, Qt.Key.Key_Right)
    rel = window.review.current.relpath
    window.review.save_position()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    threading.Timer(0.3, gate.set).start()  # the write ends while the window is closing the project
    window.close_project()
    # the database closes on the opener's thread: waited for (asserted at once, a close
    # started late on a loaded machine was not in ``seen`` yet)
    assert window.project_ctl.opener.wait(10000)
    assert [s[0] for s in seen][-1] == "close" and "write" in [s[0] for s in seen], seen
    assert seen.index(("close",)) > max(i for i, s in enumerate(seen) if s[0] == "write")
    with Project.open(image_folder) as p:
        assert p.settings()[f"position:{window.review.actor()}"] == rel
