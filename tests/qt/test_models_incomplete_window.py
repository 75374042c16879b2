"""The Models dialog listed a folder with no tokenizer files as usable ("Fits: yes") though
a job refused it as it loaded; its row now says refused, the Problem column saying why."""
from __future__ import annotations

from test_model_manager import _fake_model, shown_dialog

from llmvis_desktop.qt.dialogs.model_manager import COLUMNS


def test_a_folder_without_tokenizer_files_is_listed_refused(qtbot, tmp_path, shots_dir):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "blip-no-tokenizer", "blip", "BlipForConditionalGeneration")
    (models / "blip-no-tokenizer" / "vocab.json").unlink()
    with shown_dialog(qtbot, tmp_path, models) as dlg:
        names = [i.name for i in dlg.infos]
        fits, problem = COLUMNS.index("Fits"), COLUMNS.index("Problem")
        whole, bad = names.index("blip-x"), names.index("blip-no-tokenizer")
        assert dlg.table.item(whole, fits).text() == "yes"
        assert dlg.table.item(bad, fits).text() == "refused"
        assert dlg.table.item(bad, problem).text().startswith("no tokenizer files (tokenizer.json")
        dlg.select_path(str(models / "blip-no-tokenizer"))
        assert "no tokenizer files" in dlg.status_text()
        dlg.grab().save(str(shots_dir / "models_incomplete.png"))
        dlg.close()
