"""A model folder the registry cannot run at all (an architecture it does not know, or no
config.json), selected in the Models dialog: both "Use as" buttons are disabled, and
their tooltip said "unknown-arch is a unknown model, not a captioner." (ungrammatical,
and not why: the architecture is not one the tool runs, or the folder is not a model's),
and a click said the same in the status line. They now give the refusal itself, as a
pickle .bin model's buttons do (/tmp/hunt-hhunt4/test_zz_hunt3_hhunt4.py: TIP lines)."""
from __future__ import annotations

import json

from qthelpers import open_and_index


def _open(qtbot, window, tmp_path):
    models = tmp_path / "models"
    unknown = models / "unknown-arch"
    unknown.mkdir(parents=True)
    (unknown / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertForMaskedLM"]}))
    (unknown / "model.safetensors").write_bytes((2).to_bytes(8, "little") + b"{}")
    no_config = models / "no-config"
    no_config.mkdir()
    (no_config / "model.safetensors").write_bytes((2).to_bytes(8, "little") + b"{}")
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)
    return window.suggest_ctl.model_dialog, str(unknown), str(no_config)


def test_a_model_of_no_known_family_says_why_it_is_refused(qtbot, window, image_folder, tmp_path):
    open_and_index(qtbot, window, image_folder)
    dlg, unknown, no_config = _open(qtbot, window, tmp_path)
    for path, why in ((unknown, "BertForMaskedLM is not one we can run"), (no_config, "no config.json")):
        assert dlg.select_path(path)
        for btn, role in ((dlg.caption_btn, "captioner"), (dlg.label_btn, "labeler")):
            tip = btn.toolTip()
            assert not btn.isEnabled()
            assert "a unknown" not in tip and why in tip, tip
            assert not dlg.use_as(role)
            assert "a unknown" not in dlg.status_text() and why in dlg.status_text(), dlg.status_text()
