"""Opening a 100k-image project left 60-140 ms of work in one go on the GUI thread after
the open itself had run off it: the label chips laid out once per chip made, and the
taxonomy (three times), its usage counts and the project's settings read from the
database on the GUI thread, then, once the grid's ids came, the reviewer's place, the
256 records around it and the ids' row map. The chips are laid out once now, the
first reads run on the opener's thread and the others with the grid's first query;
what the window shows is the same."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMainWindow
from qthelpers import open_and_index

from llmvis_desktop.core.store.records import LabelDef


def _defs(n: int) -> list[LabelDef]:
    colors = ["#e6194b", "#4363d8", "#f58231", "#3cb44b", "#911eb4"]
    return [LabelDef(i + 1, f"label {i:02d}", colors[i % 5], None, "", i) for i in range(n)]


def test_new_chips_in_a_shown_panel_are_laid_out_once_not_once_per_chip(qtbot, monkeypatch):
    from llmvis_desktop.qt.widgets import flow_layout
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    win = QMainWindow()
    qtbot.addWidget(win)
    panel = LabelPanel()
    win.setCentralWidget(panel)
    win.resize(400, 500)
    win.show()
    qtbot.waitExposed(win)
    calls = []
    real = flow_layout.FlowLayout._do_layout
    monkeypatch.setattr(flow_layout.FlowLayout, "_do_layout",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    panel.set_labels(_defs(35), {"label 00": 3})
    assert len(calls) < 35  # (each chip shown laid out the whole flow: 105 layouts)
    # the chips are there, shown and placed as before
    assert panel.box.isVisible() and all(panel.chip(d.name).isVisible() for d in _defs(35))
    qtbot.waitUntil(lambda: panel.chip("label 34").geometry().top() > panel.chip("label 00").geometry().top())
    assert panel.chip("label 00").text() == "1 \u00b7 label 00 (3)"


READS = ("labels", "label_usage", "settings", "image_by_path", "images")


@pytest.fixture
def read_threads(monkeypatch):
    """The project reads an open's set-up makes, with the thread each ran on."""
    from llmvis_desktop.core.project import Project

    seen = []
    for name in READS:
        real = getattr(Project, name)

        def recorded(self, *args, _real=real, _name=name, **kwargs):
            seen.append((_name, threading.get_ident()))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Project, name, recorded)
    return seen


def _labelled(qtbot, window, folder):
    """``folder`` opened and indexed, two labels (one used), the 8th image selected."""
    project = open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10000)
    project.add_label("scratch", "#e6194b")
    project.add_label("dent", "#4363d8")
    ids = window.model.ids
    project.set_labels(ids[2], ["dent"], "tester")
    window.panel_ctl.reload_labels()
    window.grid.select_row(7)
    return window.review.current


def _reopen(qtbot, window, folder, reads=None):
    window.close_project()
    if reads is not None:
        reads.clear()  # (closing saves the reviewer's place: a read, then a write)
    with qtbot.waitSignal(window.project_opened, timeout=10000):
        assert window.open_project(folder, index=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12 and window.review.current is not None, timeout=10000)


def test_an_open_reads_the_taxonomy_settings_and_place_off_the_gui_thread(qtbot, window, image_folder,
                                                                             read_threads):
    placed = _labelled(qtbot, window, image_folder)
    _reopen(qtbot, window, image_folder, read_threads)
    wanted = {"labels", "label_usage", "settings", "image_by_path", "images"}
    qtbot.waitUntil(lambda: {name for name, _t in read_threads} >= wanted, timeout=10000)  # (read off the thread)
    qtbot.wait(200)  # (the passes of the loop after the open: the config saved, ...)
    gui = threading.get_ident()
    assert [name for name, t in read_threads if t == gui] == []
    # and the window shows what it showed when these were read on the GUI thread
    assert window.review.current.id == placed.id and window.grid.current_id() == placed.id
    assert window.model.row_of(placed.id) == 7 and window.model.row_of(window.model.ids[11]) == 11
    panel = window.panel_ctl.labels
    assert panel.chip("dent").text() == "2 \u00b7 dent (1)" and panel.chip("scratch").text() == "1 \u00b7 scratch (0)"
    combo = window.filter_bar.label
    assert [combo.itemText(i) for i in range(combo.count())] == ["Any label", "Unlabeled", "scratch", "dent"]


def test_an_open_whose_reads_fail_reads_them_on_the_gui_thread(qtbot, window, image_folder, monkeypatch):
    from llmvis_desktop.qt import project_controller

    placed = _labelled(qtbot, window, image_folder)

    def fails(project):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(project_controller, "first_reads", fails)
    _reopen(qtbot, window, image_folder)
    assert window.review.current.id == placed.id
    assert window.panel_ctl.labels.chip("dent").text() == "2 \u00b7 dent (1)"


def test_the_recent_project_is_saved_once_the_open_window_is_shown(qtbot, window, image_folder):
    from llmvis_desktop.core.config import load_config

    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: str(image_folder.resolve()) in load_config().recent_projects, timeout=5000)


def test_closing_a_project_reads_no_taxonomy_again(qtbot, window, image_folder, read_threads):
    """The closing project's labels and usage were read again on the GUI thread (the
    panels' set_project(None) ran while it was still the window's)."""
    _labelled(qtbot, window, image_folder)
    read_threads.clear()
    window.close_project()
    assert [name for name, _t in read_threads if name in ("labels", "label_usage")] == []


def test_the_same_labels_again_leave_the_filter_bar_as_it_is(qtbot):
    """Reopening a project filled the label choice anew with the same labels (and sized
    the bar again); the choice of a renamed label still follows it."""
    from llmvis_desktop.qt.filter_bar import FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_labels(_defs(5))
    removed = []
    bar.label.model().rowsRemoved.connect(lambda *_a: removed.append(1))
    assert bar.set_labels(_defs(5)) is None
    assert removed == [] and bar.label.count() == 7
    bar.label.setCurrentIndex(bar.label.findData("label 03"))
    renamed = [d if d.id != 4 else LabelDef(4, "hairline", d.color, None, "", d.position) for d in _defs(5)]
    assert bar.set_labels(renamed) is None and bar.label.currentText() == "hairline"


def test_a_place_that_cannot_be_read_with_the_ids_is_read_as_before(qtbot, window, image_folder, monkeypatch):
    """The reviewer's place, read with the open's first ids, failing (a locked database)
    fails neither the grid's ids nor the place: the GUI thread reads it as it did."""
    from llmvis_desktop.core.project import Project

    placed = _labelled(qtbot, window, image_folder)
    real, gui = Project.image_by_path, threading.get_ident()

    def locked_off_the_gui_thread(self, relpath):
        if threading.get_ident() != gui:
            raise RuntimeError("database is locked")
        return real(self, relpath)

    monkeypatch.setattr(Project, "image_by_path", locked_off_the_gui_thread)
    _reopen(qtbot, window, image_folder)
    assert window.model.rowCount() == 12 and window.review.current.id == placed.id
