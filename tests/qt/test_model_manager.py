"""ModelManagerDialog over fake model folders (config + a safetensors header): no torch needed."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def _fake_model(folder: Path, model_type: str, arch: str, weights: str = "safetensors", extra: dict = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, "architectures": [arch], **(extra or {})}))
    if weights == "safetensors":
        header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 64)
    elif weights == "bin":
        (folder / "pytorch_model.bin").write_bytes(b"\0" * 64)
    return folder


@pytest.fixture
def setup(tmp_path):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "clip-x", "clip", "CLIPModel")
    _fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    _fake_model(models / "bert", "bert", "BertModel")
    images = tmp_path / "images"
    images.mkdir()
    project = Project.open(images)
    yield project, models
    project.close()


def test_lists_models_and_saves_choices(qtbot, setup, tmp_path):
    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    names = [i.name for i in dlg.infos]
    assert names == ["bert", "blip-x", "clip-x", "old-blip"]
    assert dlg.table.rowCount() == 4 and dlg.table.item(0, 4).text() == "refused"
    assert dlg.table.item(1, 4).text() == "yes" and dlg.table.item(1, 1).text() == "blip"

    assert dlg.select_path(str(models / "blip-x"))
    assert dlg.caption_btn.isEnabled() and not dlg.label_btn.isEnabled()
    with qtbot.waitSignal(dlg.modelChosen) as sig:
        dlg.caption_btn.click()
    assert sig.args == ["captioner", str(models / "blip-x")]
    assert project.settings()["captioner"] == str(models / "blip-x")

    dlg.select_path(str(models / "clip-x"))
    assert dlg.use_as("labeler") and project.settings()["labeler"] == str(models / "clip-x")
    assert not dlg.use_as("captioner") and "not a captioner" in dlg.status_text()


def test_pickle_model_needs_the_per_model_opt_in(qtbot, setup, tmp_path):
    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    path = str(models / "old-blip")
    dlg.select_path(path)
    assert dlg.bin_box.isEnabled() and not dlg.code_box.isEnabled()
    assert not dlg.use_as("captioner") and "pickle .bin" in dlg.status_text()
    dlg.bin_box.setChecked(True)
    assert project.settings()["model_optins"] == {path: ["bin"]}
    assert dlg.use_as("captioner") and project.settings()["captioner"] == path
    dlg.bin_box.setChecked(False)
    assert project.settings()["model_optins"] == {}


def test_empty_state_says_how_to_add_a_model(qtbot, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(tmp_path / "none")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        assert dlg.table.rowCount() == 0 and "config.json" in dlg.empty_label.text()
        dlg.grab().save(str(tmp_path / "models.png"))
