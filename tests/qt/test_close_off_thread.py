"""Closing a project disposed of its database engine on the GUI thread: closing SQLite's
connections checkpoints the write-ahead log, 28-93 ms at 100k images, the longest stall
of a close. It runs on the opener's thread now, before any open started after it (the
same folder reopened waits for it), and the window's shutdown waits for it."""
from __future__ import annotations

import threading

import pytest
from qthelpers import open_and_index


@pytest.fixture
def held_close(qtbot, window, image_folder):
    """The folder opened and indexed, its project's ``close`` held until ``gate`` is set;
    ``log`` records ("close", thread) when it ends, ``done`` is set then."""
    project = open_and_index(qtbot, window, image_folder)
    real = project.close
    gate, done, log = threading.Event(), threading.Event(), []

    def held() -> None:
        gate.wait(5)  # (a guard: a close held on the GUI thread would never see the gate)
        real()
        log.append(("close", threading.get_ident()))
        done.set()

    project.close = held
    return project, gate, done, log


def test_closing_a_project_disposes_its_database_off_the_gui_thread(qtbot, window, held_close):
    project, gate, done, log = held_close
    window.close_project()
    assert not done.is_set()  # close_project returned with the dispose still under way
    assert window.project is None and window.stack.currentWidget() is window.welcome
    gate.set()
    qtbot.waitUntil(done.is_set, timeout=10000)
    assert log == [("close", log[0][1])] and log[0][1] != threading.get_ident()
    assert project.store.engine.pool.checkedin() == 0  # its connections were closed


def test_reopening_the_folder_opens_it_after_the_close_ends(qtbot, window, image_folder, held_close,
                                                            monkeypatch):
    from llmvis_desktop.qt import project_controller as pc

    _project, gate, done, log = held_close
    real_open = pc.Project.open

    def recorded(*args, **kwargs):
        log.append(("open", threading.get_ident()))
        return real_open(*args, **kwargs)

    monkeypatch.setattr(pc.Project, "open", recorded)
    window.close_project()
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(image_folder)
        gate.set()
    assert [what for what, _ in log] == ["close", "open"]
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10000)


def test_the_window_shutdown_waits_for_a_close_under_way(qtbot, window, held_close, monkeypatch):
    _project, gate, done, _log = held_close
    window.close_project()
    assert not done.is_set()
    real = window.review.stop_position_saves
    # the close goes on once the shutdown has begun (its first step): the shutdown waits for it
    monkeypatch.setattr(window.review, "stop_position_saves", lambda: (gate.set(), real())[1])
    window.shutdown()
    assert done.is_set()
