"""The learned suggester computed every tile's features of a strip again each time it
scored the strip: a retrain (a new model revision) scores every image again, and where an
ordinary image's features come from the feature cache, each 2048x20000 strip took its
11-27 s of handcrafted features again (128 tiles, ~0.08-0.14 s a tile; the profile:
/tmp/hunt-hstrip2/prof.py). A strip's tile features are kept (per file content, tile side
and tile bound, beside the project's feature cache); the scores are the same."""
from __future__ import annotations

import numpy as np

from llmvis_desktop.core.suggest import handcrafted
from llmvis_desktop.core.suggest.learned import LearnedSuggester

from test_learned_strip_tiles import _cards, _project

#: a strip shorter than test_learned_strip_tiles' 192x3000 (126 tiles of ~0.05-0.1 s of
#: features each, for what these tests count, not score): still a strip (over 4:1), cut
#: into 3 x 16 tiles of the reviewed images' 64 px, in two batches of TILES_AT_ONCE (32)
STRIP, TILES = (192, 1024), 3 * 16


def _counting(monkeypatch):
    calls = []
    real = handcrafted.handcrafted_vector

    def counted(img, *a, **k):
        calls.append(np.asarray(img).shape)
        return real(img, *a, **k)

    monkeypatch.setattr(handcrafted, "handcrafted_vector", counted)
    return calls


def test_a_strips_tile_features_are_computed_once_across_scorings_and_runs(tmp_path, monkeypatch):
    p = _project(tmp_path / "proj", STRIP)
    sugg = LearnedSuggester(p, model="linear", cache=True)
    sugg.train()
    calls = _counting(monkeypatch)
    first = _cards(p, "hole", sugg)
    tiles = len(calls)
    assert tiles == TILES, tiles
    again = _cards(p, "hole", sugg)  # the same suggester (a retrain scores every image again)
    assert len(calls) == tiles, len(calls) - tiles
    other = LearnedSuggester(p, model="linear", cache=True)  # a later run: from the saved cache
    other.train()
    calls.clear()
    later = _cards(p, "hole", other)
    assert calls == []
    for cards in (again, later):
        assert {k: (c.score, c.params) for k, c in cards.items()} == \
            {k: (c.score, c.params) for k, c in first.items()}


def test_another_tile_bound_computes_them_again(tmp_path, monkeypatch):
    p = _project(tmp_path / "proj", STRIP)
    sugg = LearnedSuggester(p, model="linear", cache=True)
    sugg.train()
    calls = _counting(monkeypatch)
    _cards(p, "hole", sugg)
    calls.clear()
    p.set_setting("strip_max_tiles", 20)
    _cards(p, "hole", sugg)
    assert 0 < len(calls) <= 20


def test_the_network_path_reads_the_strip_for_its_inputs_and_takes_the_kept_rows(tmp_path, monkeypatch):
    from llmvis_desktop.core.suggest.cnn import CNNConfig

    p = _project(tmp_path / "proj", STRIP)
    cfg = CNNConfig(size=32, min_steps=20, max_steps=20, seed=0, threads=1)
    sugg = LearnedSuggester(p, model="cnn", cache=True, cnn_config=cfg, cnn_min_per_label=1)
    sugg.train()
    assert sugg.kind == "cnn"
    calls = _counting(monkeypatch)
    first = _cards(p, "hole", sugg)
    assert len(calls) == TILES
    again = _cards(p, "hole", sugg)
    assert len(calls) == TILES
    assert {k: (c.score, c.params) for k, c in again.items()} == {k: (c.score, c.params) for k, c in first.items()}
