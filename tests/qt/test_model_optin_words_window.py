"""The Models dialog said how to opt in to a refused model in the command line's words:
"opt in for this model (--allow-bin; in the model manager, its check box)", in the model
manager itself, in the Problem cell and the status line. There it now names its own check
box; `llmvis models list` keeps the option."""
from __future__ import annotations

import json

from test_model_manager import _fake_model

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import COLUMNS, ModelManagerDialog

REMOTE = {"auto_map": {"AutoModelForCausalLM": "modeling_x.XForConditionalGeneration"}}


def test_the_manager_names_its_own_check_boxes(qtbot, tmp_path, capsys):
    models = tmp_path / "models"
    _fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    _fake_model(models / "own-code", "florence2", "Florence2ForConditionalGeneration", extra=REMOTE)
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        col = COLUMNS.index("Problem")
        bin_words = f"tick \u201c{dlg.bin_box.text()}\u201d below"
        code_words = f"tick \u201c{dlg.code_box.text()}\u201d below"
        cells = {i.name: dlg.table.item(r, col) for r, i in enumerate(dlg.infos)}
        for name, words in (("old-blip", bin_words), ("own-code", code_words)):
            assert words in cells[name].text() and "--allow" not in cells[name].text(), cells[name].text()
            assert "--trust" not in cells[name].text() and "--trust" not in cells[name].toolTip()
            assert words in cells[name].toolTip()
        dlg.select_path(str(models / "old-blip"))
        assert bin_words in dlg.status_text() and "--allow-bin" not in dlg.status_text()
        assert not dlg.use_as("captioner") and bin_words in dlg.status_text()
        dlg.bin_box.setChecked(True)
        dlg.bin_box.setChecked(False)  # unticked: "refused now: ..."
        assert bin_words in dlg.status_text() and "--allow-bin" not in dlg.status_text()
        dlg.select_path(str(models / "own-code"))
        assert code_words in dlg.status_text() and "--trust-remote-code" not in dlg.status_text()
    # the command line keeps its option
    assert main(["models", "list", "--dir", str(models), "--no-cache", "--json"]) == 0
    problems = {m["name"]: m["problem"] for m in json.loads(capsys.readouterr().out)["models"]}
    assert "(--allow-bin; in the model manager, its check box)" in problems["old-blip"]
    assert "--trust-remote-code" in problems["own-code"]
