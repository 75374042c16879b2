"""The Models dialog: "Use as labeler" / "Use as captioner" stayed enabled on the model
already in that role (pressing it chose it again and said "is now the project's
labeler"); it is disabled, its tooltip saying so, and Enter on the row says so. The Family
column said "?" where ``llmvis models list`` said "-" for a family not known: both say
"unknown"."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from test_model_rows_enter_window import _fake_model

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def test_use_as_is_disabled_for_the_model_already_in_that_role(qtbot, tmp_path):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "clip-x", "clip", "CLIPModel")
    _fake_model(models / "clip-y", "clip", "CLIPModel")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        chosen = []
        dlg.modelChosen.connect(lambda role, path: chosen.append((role, Path(path).name)))

        dlg.select_path(str(models / "clip-x"))
        assert dlg.label_btn.isEnabled()
        dlg.label_btn.click()
        assert chosen == [("labeler", "clip-x")]
        assert not dlg.label_btn.isEnabled()
        assert dlg.label_btn.toolTip() == "clip-x is already the project's labeler."
        dlg.grab().save(str(tmp_path / "models.png"))

        dlg.table.setFocus()
        QTest.keyClick(dlg.table, Qt.Key.Key_Return)  # Enter on its row: said, not chosen again
        assert chosen == [("labeler", "clip-x")]
        assert dlg.status_text() == "clip-x is already the project's labeler."

        dlg.select_path(str(models / "clip-y"))  # another labeler: can take the role
        assert dlg.label_btn.isEnabled() and dlg.label_btn.toolTip() == ""
        dlg.select_path(str(models / "clip-x"))
        dlg.clear_lab_btn.click()  # no labeler now: the button is back
        assert dlg.label_btn.isEnabled()


def test_an_unknown_family_reads_the_same_in_the_dialog_and_models_list(qtbot, tmp_path, capsys):
    models = tmp_path / "models"
    _fake_model(models / "odd-x", "nonesuch", "NonesuchModel")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        shown = dlg.table.item(0, 1).text()
    assert shown == "unknown"
    capsys.readouterr()
    main(["models", "list", "--dir", str(models), "--no-cache", "--device", "cpu"])
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("odd-x"))
    assert line.split()[1] == shown, line
