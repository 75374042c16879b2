"""The learned suggester's encoder loads the vision tower of a full CLIP/SigLIP checkpoint:
its text tower's weights go unused on purpose, and transformers printed its "LOAD
REPORT" table of every one of them (UNEXPECTED ... Notes) on stderr at each load, under
`llmvis suggest --learned`'s progress line. That report is quiet now for this load only;
a checkpoint missing weights of the vision tower itself is refused by name (they were
random: embeddings of noise, no word of it)."""
from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest

from llmvis_desktop.core.suggest.discovery import ModelRefused
from llmvis_desktop.core.suggest.features import ClipFeatures


def _image():
    return [np.random.default_rng(1).integers(0, 255, (24, 20, 3), dtype=np.uint8)]


@pytest.mark.parametrize("name", ["clip", "siglip"])
def test_the_text_towers_weights_are_not_reported_on_stderr(tiny, capfd, name):
    capfd.readouterr()
    out = ClipFeatures(tiny[name]).extract(_image())
    assert out.shape[0] == 1
    err = capfd.readouterr().err
    assert "LOAD REPORT" not in err and "UNEXPECTED" not in err, err


def test_only_that_load_is_quiet(tiny):
    """No filter is left behind on transformers' logger (looked at directly: whether a
    warning reaches stderr depends on the logging set-up earlier tests left, and in a full
    run nothing of transformers reached it)."""
    hf = logging.getLogger("transformers.modeling_utils")
    before = list(hf.filters)
    seen: list = []
    real_add = hf.addFilter
    hf.addFilter = lambda f: (seen.append(f), real_add(f))  # (the load did quiet it)
    try:
        ClipFeatures(tiny["clip"]).extract(_image())
    finally:
        del hf.addFilter
    assert seen
    assert hf.filters == before


def test_vision_weights_missing_from_the_checkpoint_are_refused(tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "clip-cut"
    shutil.copytree(tiny["clip"], folder)
    weights = load_file(folder / "model.safetensors")
    cut = [k for k in weights if k.startswith("vision_model.post_layernorm")]
    assert cut
    save_file({k: v for k, v in weights.items() if k not in cut}, folder / "model.safetensors",
              metadata={"format": "pt"})
    with pytest.raises(ModelRefused, match="clip-cut.*missing from the checkpoint"):
        ClipFeatures(folder).extract(_image())
