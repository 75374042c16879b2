"""In the Models dialog, "Use as captioner" was the dialog's default button: Enter on a
row (arrows, then Enter) made the selected model the project's captioner, a labeler's row
did nothing, and a double-click did nothing. Enter or a double-click on a row now uses the
model in the role its kind has; refused, the status line says why."""
from __future__ import annotations

import json
import struct
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def _fake_model(folder: Path, model_type: str, arch: str, weights: str = "safetensors") -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, "architectures": [arch]}))
    # a tokenizer and image processor settings: a folder a job can load (without them it is
    # listed refused for lacking them, as the load refuses it)
    (folder / "vocab.json").write_text("{}")
    (folder / "preprocessor_config.json").write_text("{}")
    if weights == "safetensors":
        header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 64)
    else:
        (folder / "pytorch_model.bin").write_bytes(b"\0" * 64)


def test_enter_and_double_click_use_the_row_in_its_role(qtbot, tmp_path):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "clip-x", "clip", "CLIPModel")
    _fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        dlg.table.setFocus()
        chosen = []
        dlg.modelChosen.connect(lambda role, path: chosen.append((role, Path(path).name)))

        dlg.select_path(str(models / "clip-x"))  # a labeler: Enter did nothing
        QTest.keyClick(dlg.table, Qt.Key.Key_Return)
        assert chosen == [("labeler", "clip-x")] and dlg.isVisible()
        assert project.settings().get("captioner") is None

        dlg.select_path(str(models / "old-blip"))  # refused: said, nothing chosen
        QTest.keyClick(dlg.table, Qt.Key.Key_Enter)
        assert len(chosen) == 1 and "pickle .bin" in dlg.status_text()

        r = [i.path for i in dlg.infos].index(str(models / "blip-x"))
        rect = dlg.table.visualItemRect(dlg.table.item(r, 0))
        QTest.mouseClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert len(chosen) == 1  # a click only selects
        QTest.mouseDClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert chosen[1:] == [("captioner", "blip-x")]
        assert Path(project.settings()["captioner"]).name == "blip-x"
        assert dlg.isVisible()
