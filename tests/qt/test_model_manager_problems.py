"""The model manager says why a selected model is refused, whole: the Problem column is
elided in a window 1024 px wide, cutting off the fix ("... or opt in for this model (--allo…")."""
from __future__ import annotations

from test_model_manager import _fake_model

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import COLUMNS, ModelManagerDialog


def test_a_selected_refused_model_says_why_whole(qtbot, tmp_path):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    _fake_model(models / "weird", "frobnicator", "FrobnicatorForCaptioning")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.resize(1024, 640)
        dlg.show()
        problem_col = COLUMNS.index("Problem")
        row = [i.name for i in dlg.infos].index("weird")
        # the row is the model: its cell starts with the reason, not the folder's path again
        cell = dlg.table.item(row, problem_col).text()
        assert cell.startswith("architecture FrobnicatorForCaptioning is not one we can run"), cell
        assert str(models / "weird") in dlg.table.item(row, problem_col).toolTip()

        dlg.select_path(str(models / "old-blip"))
        assert "opt in for this model (--allow-bin; in the model manager, its check box)" in dlg.status_text()
        dlg.bin_box.setChecked(True)
        assert dlg.status_text() == "old-blip: opted in to bin"
        dlg.select_path(str(models / "weird"))  # the line said "old-blip: opted in to bin" still
        assert dlg.status_text().startswith(f"{models / 'weird'}: architecture FrobnicatorForCaptioning")
        assert "known model types: blip" in dlg.status_text()
        dlg.select_path(str(models / "blip-x"))  # a usable model: no stale refusal
        assert dlg.status_text() == ""


def test_an_unreadable_model_folder_does_not_stop_the_manager_opening(qtbot, tmp_path, monkeypatch):
    """The dialog's scan raised PermissionError from its constructor: Suggestions ▸ Models…
    did nothing, for every model, while one folder could not be read."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
    from test_model_layouts import _lock

    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "locked", "blip", "BlipForConditionalGeneration")
    _lock(monkeypatch, models / "locked")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        assert [i.name for i in dlg.infos] == ["blip-x", "locked"]
        dlg.select_path(str(models / "locked"))
        assert "cannot be read (Permission denied)" in dlg.status_text()
        assert not dlg.use_as("captioner") and project.settings().get("captioner") is None
