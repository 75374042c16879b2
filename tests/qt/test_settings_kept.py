"""The window read the project's settings (its chosen captioner and labeler, their
opt-ins) from the database on the GUI thread at every opening of the Suggestions menu,
twice per "Run models" and again when the job ended: a statement each (1-9 ms on SQLite,
a round trip or more on a team's PostgreSQL). It keeps them now: read at the open,
updated as its Models dialog writes them and as the team watch's looks read a teammate's
choice off the GUI thread. A choice is still used by the next job at once, and another
project opened brings its own."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from qthelpers import open_and_index, set_setting, watch_looks
from sqlalchemy import event
from test_model_follow import _fake_model

from llmvis_desktop.core.project import Project


def _gui_statements(project) -> list:
    """The statements ``project``'s engine runs on the GUI thread from now on (the project's
    settings: ``SELECT project.settings_json ...``)."""
    seen: list = []

    @event.listens_for(project.store.engine, "before_cursor_execute")
    def _on(_conn, _cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            seen.append(" ".join(statement.split())[:80])

    return seen


@pytest.fixture
def fake_run(monkeypatch):
    """``run_suggest`` replaced: the (captioner, labeler) each job was given."""
    from llmvis_desktop.core.suggest import batch

    runs: list = []

    def run(project, captioner, labeler, **kw):
        runs.append(tuple(getattr(m, "path", m) for m in (captioner, labeler)))
        return batch.SuggestReport(images=1, suggestions=1, device="cpu")

    monkeypatch.setattr(batch, "run_suggest", run)
    return runs


def _run(qtbot, win) -> None:
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=20000):
        win.suggest_ctl.run_models("all")
    qtbot.waitUntil(lambda: not win.suggest_ctl.models_job.is_active, timeout=10000)


def test_moving_keys_menus_and_a_run_make_no_statement_on_the_gui_thread(qtbot, window, labelled_folder,
                                                                         fake_run):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    set_setting(win, "captioner", "/m/blip")
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=10000)
    seen = _gui_statements(win.project)
    win.grid.setFocus()
    for _ in range(3):  # moving between images
        was = win.review.current.id
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id != was, timeout=5000)
    with qtbot.waitSignal(win.review.record_changed, timeout=10000):  # a label key (written off the thread)
        QTest.keyClick(win.grid, Qt.Key.Key_1)
    for menu in win.menuBar().findChildren(QMenu):  # every menu about to show: its states
        menu.aboutToShow.emit()
    win.suggest_ctl.update_actions()
    assert win.act_run_all.isEnabled() and "/m/blip" in win.act_run_all.toolTip()
    assert seen == []  # (the Suggestions menu read the settings: BEGIN, SELECT project.settings_json)
    _run(qtbot, win)  # "Run models", its end and the actions' states after it
    assert fake_run == [("/m/blip", None)]
    # the settings not read again: for the choice, the states at the start and at the end
    # (the job's end re-reads the taxonomy and the grid's rows there: not settings)
    assert not [s for s in seen if "settings" in s]


def test_a_choice_in_the_models_dialog_is_used_by_the_next_job_at_once(qtbot, window, image_folder, tmp_path,
                                                                       fake_run):
    models = tmp_path / "models"
    clip = _fake_model(models / "clip-x", "clip", "CLIPModel")
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"
    open_and_index(qtbot, window, image_folder)
    assert not window.act_run_all.isEnabled()  # no model chosen
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)
    dlg = window.suggest_ctl.model_dialog
    assert dlg.select_path(str(clip)) and dlg.use_as("labeler")
    assert window.act_run_all.isEnabled() and str(clip) in window.act_run_all.toolTip()
    _run(qtbot, window)
    assert fake_run == [(None, str(clip))]
    with qtbot.waitSignal(window.project_ctl.settings_reads.writer.finished, timeout=10000):  # (written off the GUI thread)
        assert dlg.clear("labeler")  # and stopping it: no job, the actions say why
    assert not window.act_run_all.isEnabled() and "Models" in window.act_run_all.toolTip()
    assert window.project.settings()["labeler"] is None  # (written, as before)


def test_a_teammates_choice_reaches_the_window_with_a_look(qtbot, window, image_folder, fake_run):
    win = window
    open_and_index(qtbot, win, image_folder)
    assert not win.act_run_all.isEnabled()
    seen = _gui_statements(win.project)
    with Project.open(image_folder) as teammate:  # another session on the same database
        teammate.set_setting("captioner", "/m/theirs")
    watch_looks(qtbot, win.team_watch)
    assert win.act_run_all.isEnabled() and "/m/theirs" in win.act_run_all.toolTip()  # without opening the menu
    assert not [s for s in seen if "settings" in s]
    _run(qtbot, win)
    assert fake_run == [("/m/theirs", None)]


def test_a_look_begun_before_the_windows_own_choice_does_not_undo_it(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    reads, project = window.project_ctl.settings_reads, window.project
    before, seq = project.settings(), reads.seq  # what a look under way read
    set_setting(window, "captioner", "/m/mine")
    reads.looked(project, before, seq)  # its answer arrives after the choice
    assert window.suggest_ctl._chosen() == ("/m/mine", None)
    reads.looked(project, project.settings(), reads.seq)  # the next look's
    assert window.suggest_ctl._chosen() == ("/m/mine", None)


def test_another_project_opened_brings_its_own_choice(qtbot, window, image_folder, tmp_path, fake_run):
    from qthelpers import make_images

    other = tmp_path / "other"
    make_images(other, 3)
    with Project.open(other) as p:
        p.set_setting("labeler", "/m/other-labeler")
    open_and_index(qtbot, window, image_folder)
    set_setting(window, "captioner", "/m/first")
    open_and_index(qtbot, window, other)
    assert window.suggest_ctl._chosen() == (None, "/m/other-labeler")
    assert "/m/other-labeler" in window.act_run_all.toolTip()
    _run(qtbot, window)
    assert fake_run == [(None, "/m/other-labeler")]


def test_the_ask_box_checks_a_chosen_captioner_without_importing_model_code_on_the_gui_thread(
        qtbot, window, image_folder, monkeypatch):
    """To find the opt-ins' setting name, the Ask box's refresh imported core.suggest.batch
    (25 modules, ~65 ms) on the GUI thread, the first time a captioner was chosen: at the
    open of a project with one, a choice in the Models dialog or a teammate's."""
    import importlib.abc
    import sys

    import llmvis_desktop.core.suggest as suggest
    from llmvis_desktop.qt.settings_reads import OPTINS

    name = "llmvis_desktop.core.suggest.batch"
    assert OPTINS == sys.modules[name].OPTINS_SETTING  # (the window's name for it, not imported)
    open_and_index(qtbot, window, image_folder)
    monkeypatch.setattr(suggest, "batch", sys.modules[name])  # (both put back as they were)
    monkeypatch.delitem(sys.modules, name)  # as in a session that has not imported it yet
    on_gui = []

    class Seen(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname == name:
                on_gui.append(threading.current_thread() is threading.main_thread())
            return None

    monkeypatch.setattr(sys, "meta_path", [Seen(), *sys.meta_path])
    set_setting(window, "captioner", "/m/llava")
    ask = window.panel_ctl.suggestions.ask_edit
    window.suggest_ctl.asker.refresh()
    qtbot.waitUntil(lambda: "cannot be found" in ask.toolTip(), timeout=10000)  # (looked at off the thread)
    assert True not in on_gui
