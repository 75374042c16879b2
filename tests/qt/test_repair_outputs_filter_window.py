"""The filter bar's "Repair outputs" choice lists the images a linked repair wrote (its
saved view restores; one saved before it still does), and the Suggestions ▸ Run
captioner/labeler on ▸ "Include repair outputs" option reaches the job's run_suggest."""
from __future__ import annotations


from qthelpers import folder_with_a_repair, open_and_index, set_setting

import cv2  # noqa: F401 - a runtime dependency of the classical repair

from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.core.suggest.report import SuggestReport
from llmvis_desktop.qt import view_memory


def _folder_with_a_repair(tmp_path):
    return folder_with_a_repair(tmp_path, seed=7)


def test_the_repair_outputs_choice_lists_them_and_its_saved_view_restores(qtbot, window, tmp_path):
    root, out_id = _folder_with_a_repair(tmp_path)
    open_and_index(qtbot, window, root)
    bar = window.filter_bar
    i = bar.status.findText("Repair outputs")
    assert i > 0
    bar.status.setCurrentIndex(i)
    assert bar.current()[0] == ImageFilter(repair_output=True)
    qtbot.waitUntil(lambda: window.model.ids == [out_id], timeout=5000)
    state = view_memory.view_state(bar)
    assert state == {"statuses": ["repair_output"]}
    assert view_memory.describe(bar) == "Repair outputs"
    bar.reset()
    assert view_memory.restore_view(bar, state) == [] and bar.status.currentText() == "Repair outputs"
    # a view saved before the choice was there still restores
    assert view_memory.restore_view(bar, {"statuses": ["new", "suggested"], "sort": "uncertainty"}) == []
    assert bar.status.currentText() == "Unreviewed" and bar.current()[0].repair_output is False
    window.grab().save(str(tmp_path / "filter.png"))


def test_include_repair_outputs_reaches_run_suggest(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.suggest import batch

    root, _out_id = _folder_with_a_repair(tmp_path)
    open_and_index(qtbot, window, root)
    seen = []

    def run_suggest(project, captioner, labeler, **kw):
        seen.append(kw["include_repairs"])
        return SuggestReport(repair_outputs=0 if kw["include_repairs"] else 1)

    monkeypatch.setattr(batch, "run_suggest", run_suggest)
    monkeypatch.setattr(batch, "resolve_spec", lambda spec, dirs: spec)
    sc = window.suggest_ctl
    set_setting(window, "captioner", "some-captioner")
    assert window.act_include_repairs.isCheckable() and not window.act_include_repairs.isChecked()
    for ticked in (False, True):
        window.act_include_repairs.setChecked(ticked)
        window.suggest_menu.aboutToShow.emit()  # (its states: a model is chosen)
        assert window.act_run_all.isEnabled()
        with qtbot.waitSignal(sc.models_done, timeout=10000):
            window.act_run_all.trigger()  # Suggestions ▸ Run captioner/labeler on ▸ All images
    assert seen == [False, True]
