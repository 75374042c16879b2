"""The model manager says why a selected model is refused, whole: the Problem column is
elided in a window 1024 px wide, cutting off the fix ("... or opt in for this model (--allo…")."""
from __future__ import annotations

import shutil

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
        assert ("opt in for this model (tick \u201cAllow pickle .bin weights for this model\u201d below)"
                in dlg.status_text())
        dlg.bin_box.setChecked(True)
        assert dlg.status_text() == "old-blip: opted in to pickle .bin weights"
        dlg.select_path(str(models / "weird"))  # the line said "old-blip: opted in to pickle .bin weights" still
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


def test_model_folders_too_deep_to_list_are_named(qtbot, tmp_path):
    """models/team/vision/clip-deep is not listed (two folders deep at most): `llmvis models
    list` named it and the folder to add; the dialog said nothing, the model just absent."""
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "team" / "vision" / "clip-deep", "clip", "CLIPModel")
    (models / "team" / "vision" / "notes").mkdir()  # not a model: not named
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.resize(1024, 640)
        dlg.show()
        assert [i.name for i in dlg.infos] == ["blip-x"]
        note = dlg.too_deep_text()
        assert dlg.too_deep_label.isVisible() and note.startswith("Models are looked for at most two folders deep"), note
        assert str(models / "team" / "vision" / "clip-deep") in note and "notes" not in note, note
        assert f"add {models / 'team' / 'vision'} in Settings \u2192 Model folders" in note, note
        assert "--dir" not in note, note  # the command line's wording is for the command line

        shutil.rmtree(models / "team")
        dlg.rescan_btn.click()  # gone: the note goes
        assert dlg.too_deep_text() == "" and not dlg.too_deep_label.isVisible()
