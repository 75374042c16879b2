"""A model folder whose config.json gives other sizes than its weights (a config of another
size of the model copied beside them) passes every check made before a load, and fails in
it. A suggestion model's refusal was transformers' bare words: "cannot load this model
(RuntimeError: You set `ignore_mismatched_sizes` to `False`, thus raising an error. For
details look at the above report!)": the report went to the debug log, and no weight, nor
what was wrong, was said. It says so now, naming the weights."""
from __future__ import annotations

import json
import shutil

import pytest

from llmvis_desktop.core.suggest.discovery import ModelRefused, inspect_folder
from llmvis_desktop.core.suggest.engines import Captioner, ZeroShotLabeler


def _resized(src, folder, change):
    shutil.copytree(src, folder)
    cfg = json.loads((folder / "config.json").read_text())
    change(cfg)
    (folder / "config.json").write_text(json.dumps(cfg))
    return folder


def _wider_text(cfg):
    cfg["text_config"].update(hidden_size=48, num_attention_heads=4)


def test_a_captioner_whose_config_is_another_size_is_refused_naming_the_weights(tiny, tmp_path):
    folder = _resized(tiny["blip"], tmp_path / "blip-other-size", _wider_text)
    with pytest.raises(ModelRefused) as err:
        Captioner(inspect_folder(folder), "cpu")
    said = str(err.value)
    assert said.startswith(f"{folder}: cannot load this model: its weights' shapes do not match its "
                           f"config.json ("), said
    assert "text_decoder.*" in said and "another size" in said, said
    assert "above report" not in said and "ignore_mismatched_sizes" not in said, said


def test_a_labeler_whose_projection_is_another_size_is_refused(tiny, tmp_path):
    folder = _resized(tiny["clip"], tmp_path / "clip-other-size", lambda c: c.update(projection_dim=16))
    with pytest.raises(ModelRefused) as err:
        ZeroShotLabeler(inspect_folder(folder), "cpu")
    said = str(err.value)
    assert "shapes do not match its config.json (2 weights: " in said and "projection" in said, said
    assert "above report" not in said, said
