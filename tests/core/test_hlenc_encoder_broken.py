"""A CLIP folder that passes the checks made before a load (config, whole safetensors) but
fails in it gave transformers' bare RuntimeError ("You set `ignore_mismatched_sizes` to
`False`, thus raising an error. For details look at the above report!", the report going
to the debug log): no folder named, and the window showed it as the learned suggester's
failure. It is a ModelRefused naming the folder now, also from a learned fit."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from llmvis_desktop.core.suggest.discovery import ModelRefused
from llmvis_desktop.core.suggest.features import ClipFeatures


def _mismatched(tiny, folder):
    import torch
    from safetensors.torch import load_file, save_file

    shutil.copytree(tiny["clip"], folder)
    weights = load_file(folder / "model.safetensors")
    key = "vision_model.embeddings.position_embedding.weight"
    weights[key] = torch.zeros(weights[key].shape[0] + 3, weights[key].shape[1])
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    return folder


def _image():
    return [np.random.default_rng(2).integers(0, 255, (24, 20, 3), dtype=np.uint8)]


def test_weights_of_other_shapes_are_refused_naming_the_folder(tiny, tmp_path):
    from llmvis_desktop.core.suggest.learned_encoder import resolve_encoder

    folder = _mismatched(tiny, tmp_path / "clip-mismatched")
    assert resolve_encoder(str(folder)).path == str(folder)  # (the checks before a load let it pass)
    enc = ClipFeatures(folder)
    with pytest.raises(ModelRefused) as err:
        enc.extract(_image())
    said = str(err.value)
    assert said.startswith(f"{folder}: cannot load this folder as the learned suggester's encoder (its weights' "
                           "shapes do not match its config.json"), said
    assert "above report" not in said
    with pytest.raises(ModelRefused):  # tried again (nothing half loaded kept), refused again
        enc.dim


def test_another_load_failure_names_the_folder_and_the_error(tiny, tmp_path, monkeypatch):
    folder = tmp_path / "clip-x"
    shutil.copytree(tiny["clip"], folder)
    enc = ClipFeatures(folder)

    def boom():
        raise OSError("Unable to load weights from safetensors file")

    monkeypatch.setattr(enc, "_load_now", boom)
    with pytest.raises(ModelRefused, match=f"^{folder}: cannot load .*\\(OSError: Unable to load weights"):
        enc.extract(_image())


def test_a_learned_fit_with_it_fails_with_the_refusal(learned, tiny, tmp_path):
    """Not each image left out as unreadable: the fit stops, naming the folder."""
    from llmvis_desktop.core import user_settings as us
    from llmvis_desktop.core.suggest.learned import LearnedSuggester
    from llmvis_desktop.core.suggest.learned_encoder import encoder_for

    p, _ = learned
    folder = _mismatched(tiny, tmp_path / "clip-mismatched")
    us.change(p, "learned_encoder", str(folder))
    sugg = LearnedSuggester(p, encoder_for(p), cache=False)
    with pytest.raises(ModelRefused, match="clip-mismatched: cannot load this folder"):
        sugg.train()
