"""Two writers saving the learned suggester's caches at once on one machine: a team's
PostgreSQL project keeps them in the user's cache folder (keyed by the image folder), so
a window's retrain and ``llmvis suggest --learned --db URL`` run beside it, or two windows,
save the same files. Each wrote one fixed temporary name (``features.npz.tmp.npz``): the
second writer truncated the first's half-written file, and the first's rename then failed
(its features lost, a warning) or moved the other's file while it was still being
written. Each save now writes a temporary file of its own. Here the second save runs in
the middle of the first (between its write and its rename)."""
from __future__ import annotations

import logging

import numpy as np

from llmvis_desktop.core.suggest import features as feat_mod
from llmvis_desktop.core.suggest import tile_cache as tile_mod
from llmvis_desktop.core.suggest.features import FeatureCache
from llmvis_desktop.core.suggest.tile_cache import TileCache


def _interleaved(monkeypatch, module, second_save):
    real = np.savez
    state = {"inside": False}

    def savez(file, **arrays):
        real(file, **arrays)
        if not state["inside"]:  # the first writer has written its file, not yet renamed it
            state["inside"] = True
            second_save()

    monkeypatch.setattr(module.np, "savez", savez)


def test_two_feature_cache_saves_at_once_both_land(tmp_path, monkeypatch, caplog):
    path = tmp_path / "features" / "handcrafted.npz"
    a, b = FeatureCache(path, "handcrafted"), FeatureCache(path, "handcrafted")
    a.put(1, 10, np.ones(4), 5)
    b.put(2, 20, np.zeros(4), 6)
    _interleaved(monkeypatch, feat_mod, b.save)
    with caplog.at_level(logging.WARNING):
        a.save()
    assert not [r for r in caplog.records if "cannot write" in r.getMessage()], caplog.text
    monkeypatch.undo()
    again = FeatureCache(path, "handcrafted")  # the last rename's: the first writer's, whole
    assert again.get(1, 10, 5) is not None
    assert not list(path.parent.glob("*.tmp*")), list(path.parent.iterdir())


def test_two_tile_cache_saves_at_once_both_land(tmp_path, monkeypatch, caplog):
    path = tmp_path / "features" / "handcrafted-tiles.npz"
    a, b = TileCache(path, "handcrafted"), TileCache(path, "handcrafted")
    a.put((1, 10, 5, 64, 100), (64, 192), np.ones((3, 4), np.float32))
    b.put((2, 20, 6, 64, 100), (64, 128), np.zeros((2, 4), np.float32))
    _interleaved(monkeypatch, tile_mod, b.save)
    with caplog.at_level(logging.WARNING):
        a.save()
    assert not [r for r in caplog.records if "cannot" in r.getMessage()], caplog.text
    monkeypatch.undo()
    assert TileCache(path, "handcrafted").get((1, 10, 5, 64, 100)) is not None
    assert not list(path.parent.glob("*.tmp*")), list(path.parent.iterdir())
