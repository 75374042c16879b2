"""Dialogs and the grid's search read the project off the GUI thread.

On a team's PostgreSQL ~50 ms away (round trip) the window froze on each of these
(/tmp/hunt-hpgdlg/dlg_all.py --db pg, 20k images): a text search 760 ms (the grid read
the selected row's window of records on the GUI thread once the ids arrived), the Models
dialog 516 ms (the project's settings, read twice), Export… 338 ms and Import… 210 ms (the
settings, for the form's saved choices), a label added or renamed 1.2 s (the current
row's window again). Now the query thread reads the selected row's window with the ids,
and the dialogs open once their settings were read on a worker; a read that lands after
the project was closed (or another opened) is dropped."""
from __future__ import annotations

import threading

from qthelpers import answers_delivered, open_and_index


def _watch(project, *names):
    """Record (name, on the GUI thread) for each call of these project methods."""
    seen: list = []
    for name in names:
        real = getattr(project, name)

        def wrapped(*a, _real=real, _name=name, **k):
            seen.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(*a, **k)

        setattr(project, name, wrapped)
    return seen


def test_a_search_reads_the_selected_rows_off_the_gui_thread(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    n = window.model.rowCount()
    seen = _watch(project, "images")
    window.filter_bar.text.setText("img_003")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < n, timeout=5000)
    qtbot.waitUntil(lambda: window.review.current is not None
                    and "003" in window.review.current.relpath, timeout=5000)
    assert ("images", True) not in seen, seen
    assert ("images", False) in seen  # read with the ids, on the query thread


def _gate_settings(project, gate: threading.Event, seen: list):
    real = project.settings

    def slow():
        seen.append(("settings", threading.current_thread() is threading.main_thread()))
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(20), "the test's gate was never opened"
        return real()

    project.settings = slow


def test_the_models_dialog_opens_with_settings_read_off_the_gui_thread(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    project.set_setting("captioner", "/models/some-captioner")
    gate, seen = threading.Event(), []
    _gate_settings(project, gate, seen)
    window.act_models.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert window.suggest_ctl.model_dialog is None  # not before its settings were read
    gate.set()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)
    dlg = window.suggest_ctl.model_dialog
    assert "/models/some-captioner" in dlg.current_label.text()
    assert ("settings", True) not in seen, seen
    with qtbot.waitSignal(window.project_ctl.settings_reads.writer.finished, timeout=10000):  # (written off the GUI thread)
        dlg.clear("captioner")  # its own write is kept in what it shows
    assert "Captioner: (none)" in dlg.current_label.text()
    assert project.settings().get("captioner") is None


def test_export_dialog_restores_its_choices_from_settings_read_off_the_gui_thread(qtbot, window, image_folder,
                                                                                   tmp_path):
    project = open_and_index(qtbot, window, image_folder)
    key = f"interchange:{window.config.reviewer or 'anonymous'}"
    project.set_setting(key, {"path": str(tmp_path / "out.csv")})
    gate, seen = threading.Event(), []
    _gate_settings(project, gate, seen)
    window.act_export.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert getattr(window.panel_ctl, "interchange_dialog", None) is None
    gate.set()
    qtbot.waitUntil(lambda: getattr(window.panel_ctl, "interchange_dialog", None) is not None, timeout=5000)
    assert window.panel_ctl.interchange_dialog.path.text() == str(tmp_path / "out.csv")
    assert ("settings", True) not in seen, seen


def test_a_dialog_whose_settings_land_after_the_project_closed_is_not_opened(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    gate, seen = threading.Event(), []
    _gate_settings(project, gate, seen)
    window.act_models.trigger()
    window.act_import.trigger()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    # the reads end as the project closes: their answers reach the GUI thread only after
    # close_project, the event loop not having turned meanwhile (was a 0.3 s timer, then a
    # 200 ms wait for the answers, which a loaded machine could outlast)
    gate.set()
    window.close_project()
    assert window.project is None
    answers_delivered(*window.project_ctl.settings_reads._loaders.values())  # their answers handled
    assert window.suggest_ctl.model_dialog is None
    assert getattr(window.panel_ctl, "interchange_dialog", None) is None


def test_a_label_added_rereads_the_current_row_off_the_gui_thread(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    current = window.review.current.id
    seen = _watch(project, "images")
    window.panel_ctl._add_label("scratch", "#ff0000")
    qtbot.waitUntil(lambda: window.panel_ctl.taxonomy_running is None
                    and "scratch" in window.model._label_colors, timeout=5000)
    assert window.review.current is not None and window.review.current.id == current
    assert ("images", True) not in seen, seen


def test_an_export_saves_the_forms_choices_off_the_gui_thread(qtbot, window, image_folder, tmp_path,
                                                              monkeypatch):
    from llmvis_desktop.core.interchange import ExportReport
    from llmvis_desktop.qt.dialogs import interchange_dialog

    project = open_and_index(qtbot, window, image_folder)
    monkeypatch.setattr(interchange_dialog, "export_project",
                        lambda project, fmt, out, *a, **k: ExportReport(fmt, str(out)))
    window.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(window.panel_ctl, "interchange_dialog", None) is not None, timeout=5000)
    dlg = window.panel_ctl.interchange_dialog
    dlg.set_format("csv")
    dlg.path.setText(str(tmp_path / "out.csv"))
    seen = _watch(project, "set_setting")
    with qtbot.waitSignal(dlg.finished_job, timeout=10000):
        dlg.start()
    assert seen == [("set_setting", False)]  # on the job's thread
    key = f"interchange:{window.config.reviewer or 'anonymous'}"
    assert project.settings()[key]["path"] == str(tmp_path / "out.csv")
