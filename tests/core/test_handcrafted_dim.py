"""The handcrafted extractor's vector length is known without computing a vector: its
constructor computed the features of a blank image only to learn their length (0.28 s
on the GUI thread at every project opened, with the learned suggester built there)."""
from __future__ import annotations

import numpy as np

from llmvis_desktop.core.suggest import handcrafted
from llmvis_desktop.core.suggest.features import HandcraftedFeatures


def test_the_dimension_is_known_without_computing_features(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a feature vector was computed to learn the dimension")

    monkeypatch.setattr(handcrafted, "handcrafted_vector", refuse)
    monkeypatch.setattr(handcrafted, "to_gray_float", refuse)
    f = HandcraftedFeatures()
    assert f.dim == handcrafted.DIM
    assert f.extract([]).shape == (0, handcrafted.DIM)


def test_the_dimension_is_the_length_of_every_vector():
    imgs = [np.zeros((32, 32), np.uint8), np.full((9, 300, 3), 90, np.uint8),
            (np.random.default_rng(1).random((128, 97)) * 255).astype(np.uint8)]
    for img in imgs:
        assert handcrafted.handcrafted_vector(img).shape == (handcrafted.DIM,)
    assert HandcraftedFeatures().extract(imgs).shape == (3, handcrafted.DIM)
