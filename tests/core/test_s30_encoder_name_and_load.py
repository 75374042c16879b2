"""The learned suggester's encoder is named by its weights' revision, not its folder's path:
the name keys the feature cache, the fit and the suggestions' model id, so new weights
saved into the same folder were taken for the old encoder (their features mixed with the
old ones'), and a copy of the same model elsewhere for another one."""
from __future__ import annotations

import shutil

from safetensors.torch import load_file, save_file

from llmvis_desktop.core.suggest.learned_encoder import encoder_for


class _Project:
    def __init__(self, encoder: str) -> None:
        self._settings = {"learned_encoder": encoder}

    def settings(self) -> dict:
        return self._settings


def _name(folder) -> str:
    return encoder_for(_Project(str(folder)), model_dirs=(), device="cpu").name


def test_a_copy_is_the_same_encoder_and_new_weights_another(tiny, tmp_path):
    copy = tmp_path / "elsewhere" / tiny["clip"].name
    shutil.copytree(tiny["clip"], copy)
    assert _name(copy) == _name(tiny["clip"])
    before = _name(copy)
    weights = next(copy.glob("*.safetensors"))
    tensors = load_file(weights)
    key = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[key] = tensors[key] + 0.5  # retrained: the same folder, other weights
    save_file(tensors, weights, metadata={"format": "pt"})
    after = _name(copy)
    assert after != before and after.startswith(f"clip:{copy.name}-")


def test_loading_the_encoder_draws_no_progress_bar_on_stderr(tiny, capfd):
    """A learned run with an encoder printed transformers' "Loading weights" bar on the CLI's
    stderr (the model jobs turn it off; the encoder's load did not)."""
    import numpy as np
    from transformers.utils import logging as hf_logging

    from llmvis_desktop.core.suggest.features import ClipFeatures

    hf_logging.enable_progress_bar()  # as in a process whose first load is the encoder's
    capfd.readouterr()
    out = ClipFeatures(tiny["clip"]).extract([np.zeros((40, 30, 3), np.uint8)])
    assert out.shape[0] == 1
    assert "Loading weights" not in capfd.readouterr().err
