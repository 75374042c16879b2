"""ClipFeatures loads its encoder as a suggestion model loads (engines.Engine.load): with
the cyclic collector paused and what the load made frozen after. It loaded with the
collector on: on the first extract, full collections walking the transformers modules
being imported held the GIL 40-95 ms each (a ticking thread's longest gap 69-96 ms with a
tiny CLIP; 8-19 ms with the pause: /tmp/hunt-hstall2/clip_stall.py)."""
from __future__ import annotations

import gc

import numpy as np


def test_clip_features_load_with_the_collector_paused_and_frozen_after(tmp_path, monkeypatch):
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    from llmvis_desktop.core.suggest.features import ClipFeatures

    cfg = CLIPVisionConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8)
    CLIPVisionModel(cfg).save_pretrained(tmp_path / "tiny-clip")
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        tmp_path / "tiny-clip")
    seen = []
    real = CLIPVisionModel.from_pretrained.__func__

    def from_pretrained(cls, *a, **k):
        seen.append(gc.isenabled())
        return real(cls, *a, **k)

    monkeypatch.setattr(CLIPVisionModel, "from_pretrained", classmethod(from_pretrained))
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    ext = ClipFeatures(tmp_path / "tiny-clip")
    X = ext.extract([np.zeros((40, 50), np.uint8)])
    assert X.shape == (1, 32)
    assert seen == [False]  # the weights loaded with no collection possible
    assert gc.isenabled()  # and the collector on again after
    assert gc.get_freeze_count() > frozen  # the encoder's objects out of its walks
