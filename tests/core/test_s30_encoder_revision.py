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
