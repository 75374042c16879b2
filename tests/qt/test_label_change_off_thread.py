"""Renaming or removing a label in the window runs off the GUI thread: its cost grows with
the images carrying the label (0.44-0.54 s frozen at 20k images). The chips and the
filter follow once it is done; another change of the label list asked for meanwhile is
refused, in words, and changes nothing."""
from __future__ import annotations

import threading

import pytest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


@pytest.fixture
def held_changes(monkeypatch):
    """Project.update_label / remove_label recording their thread, held while ``gate`` is clear."""
    gate, threads = threading.Event(), []
    gate.set()
    for name in ("update_label", "remove_label"):
        real = getattr(Project, name)

        def held(self, *args, _real=real, **kwargs):
            threads.append(threading.get_ident())
            gate.wait(30)  # (always set by the test; 3 s could run out under load)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Project, name, held)
    return gate, threads


def _labelled(qtbot, win, folder):
    project = open_and_index(qtbot, win, folder)
    first = project.image_ids()[0]
    project.set_labels(first, ["dent"], "t")
    win.panel_ctl.reload_labels()
    return project, first


@pytest.mark.parametrize("how", ["rename", "remove"])
def test_a_label_change_runs_off_the_gui_thread_and_the_panel_follows(
        qtbot, window, labelled_folder, held_changes, how):
    gate, threads = held_changes
    win = window
    _project, first = _labelled(qtbot, win, labelled_folder)
    fb, labels = win.filter_bar, win.panel_ctl.labels
    fb.label.setCurrentIndex(fb.label.findData("dent"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=5000)
    gate.clear()
    if how == "rename":
        labels.renameRequested.emit("dent", "dent-x")
    else:
        labels.removeRequested.emit("dent")
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert threads[0] != threading.get_ident()  # (on the GUI thread it waited out the gate)
    assert labels.chip("dent") is not None  # not done yet
    gate.set()
    if how == "rename":
        qtbot.waitUntil(lambda: labels.chip("dent-x") is not None, timeout=5000)
        assert labels.chip("dent") is None
        assert fb.label.currentText() == "dent-x" and win.model.filter.label == "dent-x"
        qtbot.waitUntil(lambda: win.model.ids == [first], timeout=5000)
    else:
        qtbot.waitUntil(lambda: labels.chip("dent") is None, timeout=5000)
        assert win.model.filter is None
        qtbot.waitUntil(lambda: win.model.rowCount() == 12, timeout=5000)
    names = {d.name for d in win.project.labels()}
    assert "dent" not in names and ("dent-x" in names) == (how == "rename")


def test_a_second_label_change_while_one_runs_is_refused_and_said(qtbot, window, labelled_folder, held_changes):
    gate, threads = held_changes
    win = window
    _labelled(qtbot, win, labelled_folder)
    labels = win.panel_ctl.labels
    errors = []
    win.show_error = lambda text, *a, **k: errors.append(text)
    gate.clear()
    labels.renameRequested.emit("dent", "dent-x")
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    labels.removeRequested.emit("scratch")  # asked while the rename is saved
    labels.addRequested.emit("fresh", "")
    assert len(threads) == 1
    assert len(errors) == 2 and all("still being saved" in e and "Nothing was changed" in e for e in errors)
    gate.set()
    qtbot.waitUntil(lambda: labels.chip("dent-x") is not None, timeout=5000)
    names = {d.name for d in win.project.labels()}
    assert {"dent-x", "scratch"} <= names and not names & {"dent", "fresh"}
    errors.clear()
    labels.removeRequested.emit("scratch")  # the first one done: the next goes through
    qtbot.waitUntil(lambda: labels.chip("scratch") is None, timeout=5000)
    assert errors == [] and "scratch" not in {d.name for d in win.project.labels()}


def test_closing_the_project_waits_for_a_label_change_under_way(qtbot, window, labelled_folder, held_changes):
    gate, _threads = held_changes
    win = window
    _labelled(qtbot, win, labelled_folder)
    gate.clear()
    win.panel_ctl.labels.renameRequested.emit("dent", "dent-x")
    threading.Timer(0.3, gate.set).start()
    win.close_project()  # the rename finishes on the project before it is closed
    with Project.open(labelled_folder) as p:
        assert "dent-x" in {d.name for d in p.labels()}
