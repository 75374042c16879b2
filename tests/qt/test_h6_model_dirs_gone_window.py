"""Suggestions ▸ Models… with a model folder set in Settings that is gone (a drive not
connected): its models were absent from the table and nothing said why."""
from __future__ import annotations

from test_model_manager import _fake_model

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def test_the_models_dialog_names_a_model_folder_that_is_gone(qtbot, tmp_path):
    models, gone = tmp_path / "models", tmp_path / "usb-drive" / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models), str(gone)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.resize(1024, 640)
        dlg.show()
        assert [i.name for i in dlg.infos] == ["blip-x"]
        note = dlg.absent_dirs_text()
        assert note.startswith(f"Model folder not looked in: {gone} (no such folder); its models are not listed")
        assert "Settings \u2192 Model folders" in note and dlg.absent_label.isVisible()

        _fake_model(gone / "clip-y", "clip", "CLIPModel")  # the drive connected again
        dlg.rescan()
        assert [i.name for i in dlg.infos] == ["blip-x", "clip-y"]
        assert dlg.absent_dirs_text() == "" and not dlg.absent_label.isVisible()
