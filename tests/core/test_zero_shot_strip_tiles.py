"""A zero-shot labeler (CLIP, SigLIP) scores a line-scan strip in tiles of its input side
(core.suggest.strip_tiles.ZeroShotTiles): each label's score is its highest tile's, and
its card says which tile. Before, the labeler saw only the folded strip shrunk to its
input, where a 40-px hole on a 2048x20000 strip is about 3 px."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from PIL import Image

try:
    from . import tiny_models
except ImportError:  # (run from tests/core)
    import tiny_models

from llmvis_desktop.core.suggest.batch import run_suggest


def _strip(path, w=256, h=3000, hole=None):
    a = np.full((h, w), 150, np.uint8)
    if hole is not None:
        x, y = hole
        a[y:y + 16, x:x + 16] = 20
    Image.fromarray(a).save(path)


class _DarkSpotLabeler:
    """Scores "hole" 0.9 on an image with a dark pixel, else 0.1 ("ok" the rest)."""

    loaded = SimpleNamespace(family=SimpleNamespace(fixed_input=False))

    def __init__(self):
        self.sizes = []

    def scores(self, images, labels, prompt, batch=8):
        self.sizes += [im.size for im in images]
        return [[0.9, 0.1] if np.asarray(im.convert("L")).min() < 80 else [0.1, 0.9] for im in images]


def test_each_label_takes_its_best_tile_and_says_where(tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.strip_tiles import ZeroShotTiles

    _strip(tmp_path / "hole.png", hole=(100, 1900))
    _strip(tmp_path / "clean.png")
    Image.new("L", (300, 200), 150).save(tmp_path / "photo.png")
    p = Project.open(tmp_path)
    p.index()
    recs = [p.image_by_path(n) for n in ("hole.png", "clean.png", "photo.png")]
    eng = _DarkSpotLabeler()
    tiler = ZeroShotTiles(p, max_tiles=40)
    got = tiler(eng, recs, ["hole", "ok"], "a photo of a {label}", 8)
    assert set(got) == {0, 1}  # the photo is not a strip
    (hole_scores, hole_params), (clean_scores, _) = got[0], got[1]
    assert hole_scores[0] == 0.9 and clean_scores[0] == 0.1
    t = hole_params[0]["strip_tiles"]
    assert t["tiles"] <= 40 and t["source_px"] == [256, 3000] and tiler.tiled == [t["tiles"]] * 2
    x, y, w, h = t["best_box"]
    assert x <= 100 and 116 <= x + w and y <= 1900 and 1916 <= y + h
    assert len(eng.sizes) == 2 * t["tiles"] and all(s == tuple(t["tile_px"]) for s in eng.sizes)


def test_the_job_records_the_tiles_on_a_strips_label_cards(tmp_path, tiny, worker):
    folder = tmp_path / "web"
    folder.mkdir()
    _strip(folder / "strip.png", hole=(100, 1900))
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "photo.png")
    project = tiny_models.labelled_project(folder, ["scratch", "ok"])
    project.set_setting("strip_max_tiles", 12)
    report = run_suggest(project, None, tiny["clip"], worker=worker, read_processes=0)
    cards = {}
    for s in tiny_models.all_suggestions(project):
        cards.setdefault(project.image(s.image_id).name, []).append(s)
    assert cards["strip.png"] and all(s.kind == "label" for s in cards["strip.png"])
    for s in cards["strip.png"]:
        t = s.params["strip_tiles"]
        assert t["tiles"] <= 12 and t["source_px"] == [256, 3000] and 1 <= t["best_tile"] <= t["tiles"]
        assert s.params["model_input"]["pieces"] > 1  # (the fold's record stays: the caption's view)
    assert all("strip_tiles" not in s.params for s in cards["photo.png"])
    assert report.strips_tiled == [cards["strip.png"][0].params["strip_tiles"]["tiles"]]
    assert ", 1 line-scan strip labelled in tiles (" in report.summary(), report.summary()
