"""Opening a project (a new folder's database made and migrated; the demo built) runs
off the GUI thread, with an "Opening NAME…" state; the newest request wins."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication

from qthelpers import make_images


@pytest.fixture
def gated_open(monkeypatch):
    """Project.open as the window calls it, held until ``gate`` is set; records the thread
    it ran on and the projects it returned."""
    from llmvis_desktop.qt import project_controller as pc

    real = pc.Project.open
    gate, threads, made = threading.Event(), [], []

    def held(*args, **kwargs):
        threads.append(threading.get_ident())
        gate.wait(30)  # (always set by the test; 3 s ran out under load before its checks)
        project = real(*args, **kwargs)
        made.append(project)
        return project

    monkeypatch.setattr(pc.Project, "open", held)
    return gate, threads, made


def test_opening_a_folder_runs_off_the_gui_thread_and_says_so(qtbot, window, image_folder, gated_open):
    gate, threads, _made = gated_open
    assert window.open_project(image_folder)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert threads[0] != threading.get_ident()
    assert window.project is None and window.project_ctl.opening()
    assert window.job_label.text() == "Opening images\u2026" and window.job_bar.isVisible()
    assert window.windowTitle().startswith("Opening images")
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        gate.set()
    assert window.project is not None and window.project.root == image_folder.resolve()
    # (the title names the image selected once the grid lists it: "a/img_000.png — images — llmvis")
    assert not window.project_ctl.opening() and window.windowTitle().endswith("images \u2014 llmvis")
    assert not window.job_label.text().startswith("Opening")
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10000)


def test_a_second_open_while_one_runs_wins_and_the_first_is_closed_unused(qtbot, window, tmp_path, gated_open):
    gate, threads, made = gated_open
    a, b = tmp_path / "a", tmp_path / "b"
    make_images(a, n=3)
    make_images(b, n=5)
    opened = []
    window.project_opened.connect(opened.append)
    assert window.open_project(a)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert window.open_project(a)  # the same again (a double click): the one under way goes on
    assert window.open_project(b)
    assert window.job_label.text() == "Opening b\u2026"
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        gate.set()
    assert [p.root for p in opened] == [b.resolve()] and window.project is opened[0]
    assert [p.root for p in made] == [a.resolve(), b.resolve()]
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=10000)
    assert made[0].store.engine.pool.checkedout() == 0  # a's was closed, never handed out


def test_closing_while_opening_opens_nothing(qtbot, window, image_folder, gated_open):
    gate, threads, made = gated_open
    assert window.open_project(image_folder)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    window.close_project()
    assert not window.project_ctl.opening() and not window.job_bar.isVisible()
    gate.set()
    window.project_ctl.opener.wait(10000)
    qtbot.waitUntil(lambda: len(made) == 1, timeout=5000)
    QApplication.processEvents()  # (the queued hand-over, if any, is delivered)
    assert window.project is None and window.stack.currentWidget() is window.welcome


def test_an_open_that_fails_is_shown_and_leaves_no_opening_state(qtbot, window, image_folder, monkeypatch):
    from llmvis_desktop.qt import project_controller as pc

    def refuse(*args, **kwargs):
        raise pc.ProjectError("cannot open this database")

    monkeypatch.setattr(pc.Project, "open", refuse)
    assert window.open_project(image_folder)  # started; refused on the opener's thread
    qtbot.waitUntil(lambda: not window.project_ctl.opening(), timeout=5000)
    assert window.project is None and window.last_error_box.text() == "cannot open this database"
    assert not window.job_bar.isVisible() and window.windowTitle() == "llmvis"


def test_the_demo_is_built_off_the_gui_thread(qtbot, window, monkeypatch):
    from llmvis_desktop.core import demo

    real, threads = demo.build_demo, []

    def build(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "build_demo", build)
    with qtbot.waitSignal(window.index_finished, timeout=60000):
        assert window.open_demo()
        assert window.job_label.text() == "Opening the demo project\u2026"
    assert threads and threads[0] != threading.get_ident()
    assert window.project is not None and window.project.labels()
