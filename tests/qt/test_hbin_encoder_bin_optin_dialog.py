"""The Models dialog's "Use as learned suggester's encoder" honours the model's "Allow
pickle .bin weights for this model" opt-in (issue #4): a CLIP whose weights are only a
pickle .bin stayed refused as the encoder after the opt-in was ticked (the button stayed
off, and the check it ran read no opt-ins)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def test_ticking_the_opt_in_then_use_as_encoder_stores_it(qtbot, tmp_path):
    from safetensors.torch import load_file

    pickled = tiny_models.build_clip(tmp_path / "models" / "clip-bin")
    torch.save(load_file(str(pickled / "model.safetensors")), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    (tmp_path / "images").mkdir()
    with Project.open(tmp_path / "images") as project:
        dlg = ModelManagerDialog(project, [str(tmp_path / "models")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        enc = dlg.encoder
        assert dlg.select_path(str(pickled))
        assert not enc.use_btn.isEnabled()  # refused, saying how to opt in here
        assert "tick \u201cAllow pickle .bin weights for this model\u201d below" in enc.use_btn.toolTip()
        assert dlg.bin_box.isEnabled()
        dlg.bin_box.setChecked(True)
        assert project.settings()["model_optins"] == {str(pickled): ["bin"]}
        assert enc.use_btn.isEnabled(), enc.use_btn.toolTip()
        enc.use_btn.click()
        qtbot.waitUntil(lambda: not enc.checking(), timeout=30000)
        assert dlg.status_text().startswith("The learned suggester now learns from CLIP (clip-bin)"), dlg.status_text()
        assert project.settings()["learned_encoder"] == str(pickled.resolve())
        assert enc.label.text().endswith(f"CLIP at {pickled.resolve()}")
        shots = os.environ.get("HBIN_SHOTS")
        if shots:
            dlg.grab().save(shots)
