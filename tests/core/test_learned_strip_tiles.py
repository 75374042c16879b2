"""The learned suggester on line-scan strips: scored in tiles, so one small hole anywhere
on a 192x3000 strip decides its "hole" score. Before, the strip was squeezed whole into
the features' 128-px grid: the clean strip here scored "hole" 0.81 (a hole card on a
clean strip), and on a 2048x20000 strip with a 40-px hole both strips scored "hole" 0.995
and 0.998 (/tmp/hunt-hstriptile/measure.py); tiled: 0.011 and 0.985 here."""
from __future__ import annotations

import numpy as np
from PIL import Image

import feature_memo
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester

RNG = np.random.default_rng(0)


def _texture(h, w):
    return np.clip(RNG.normal(150, 12, (h, w)), 0, 255)


def _blob(a, y, x, s=16):
    yy, xx = np.mgrid[0:s, 0:s]
    d = np.hypot(yy - s / 2, xx - s / 2) / (s / 2)
    a[y:y + s, x:x + s] = np.where(d < 1, 40 + 20 * d, a[y:y + s, x:x + s])


def _project(root, strip=(192, 3000)):
    (root / "tiles").mkdir(parents=True)
    (root / "strips").mkdir()
    for i in range(8):
        a = _texture(64, 64)
        _blob(a, *RNG.integers(4, 44, 2))
        Image.fromarray(a.astype(np.uint8)).save(root / f"tiles/hole_{i}.png")
        Image.fromarray(_texture(64, 64).astype(np.uint8)).save(root / f"tiles/clean_{i}.png")
    w, h = strip
    a = _texture(h, w)
    Image.fromarray(a.astype(np.uint8)).save(root / "strips/clean.png")
    _blob(a, int(h * 0.63), int(w * 0.41))
    Image.fromarray(a.astype(np.uint8)).save(root / "strips/hole.png")
    p = Project.open(root)
    p.index()
    for k in ("hole", "clean"):
        p.add_label(k)
    for i in p.image_ids():
        rel = p.image(i).relpath
        if rel.startswith("tiles/"):
            k = "hole" if "hole" in rel else "clean"
            p.apply_state(i, {"labels": [k], "review_status": "reviewed"}, "tester", "review")
    return p


def _cards(p, name, sugg):
    rec = p.image_by_path(f"strips/{name}.png")
    return {s.value: s for s in sugg.predict([rec.id]) if s.kind == "label"}


def test_a_hole_anywhere_on_a_strip_is_found_and_where_it_was_is_recorded(tmp_path, monkeypatch):
    # the two strips are one texture, the hole drawn on the second: all but the hole's
    # tiles are the same pixels, their features computed once (the extractor's own)
    feature_memo.memoise(monkeypatch)
    p = _project(tmp_path / "proj")
    sugg = LearnedSuggester(p, model="linear", cache=False)
    sugg.train()
    hole, clean = _cards(p, "hole", sugg), _cards(p, "clean", sugg)
    assert "hole" in hole and hole["hole"].score >= 0.5, hole
    assert "hole" not in clean and "clean" in clean, clean  # the clean strip: no hole card
    tiled = hole["hole"].params.get("strip_tiles")
    assert tiled is not None, hole["hole"].params
    # the reviewed tiles' 64 px, grown to 72 to keep within the default 128 tiles
    assert tiled["source_px"] == [192, 3000] and tiled["tile_px"] == [72, 72] and tiled["tiles"] == 3 * 42
    x, y, w, h = tiled["best_box"]  # the tile that gave the score holds the hole's centre
    assert x <= int(192 * 0.41) + 8 < x + w and y <= int(3000 * 0.63) + 8 < y + h
    assert sugg.tiled == [3 * 42, 3 * 42]


def test_the_tile_count_is_bounded_by_the_project_setting(tmp_path, monkeypatch):
    feature_memo.memoise(monkeypatch)  # (as above)
    p = _project(tmp_path / "proj")
    p.set_setting("strip_max_tiles", 20)
    sugg = LearnedSuggester(p, model="linear", cache=False)
    sugg.train()
    card = next(iter(_cards(p, "hole", sugg).values()))
    tiled = card.params.get("strip_tiles")
    assert tiled is not None and tiled["tiles"] <= 20, card.params
    tw, th = tiled["tile_px"]
    assert tw == th and tw > 72  # larger tiles, still square, covering the strip
    assert sugg.tiled and max(sugg.tiled) <= 20


def test_the_tiles_cover_every_strip_within_the_bound():
    from llmvis_desktop.core.suggest.strip_tiles import tile_grid

    for (w, h), side, bound in [((2048, 20000), 256, 128), ((2048, 60000), 256, 128), ((20, 60000), 224, 64),
                                ((60000, 300), 224, 128), ((192, 3000), 64, 128), ((500, 3000), 64, 10_000)]:
        boxes = tile_grid(w, h, side, bound)
        assert 1 <= len(boxes) <= bound, (w, h, len(boxes))
        covered = np.zeros((h, w), bool)
        for x, y, tw, th in boxes:
            assert 0 <= x and x + tw <= w and 0 <= y and y + th <= h, (w, h, x, y, tw, th)
            covered[y:y + th, x:x + tw] = True
        assert covered.all(), (w, h)
    assert {b[2:] for b in tile_grid(500, 3000, 64, 10_000)} == {(64, 64)}  # native squares when they fit


def test_suggest_says_how_many_strips_it_tiled():
    from llmvis_desktop.cli_suggest import _LearnedReport

    assert "; 2 line-scan strips scored in tiles (126-128 each)" in _LearnedReport(4, 1.0, tiled=[128, 126]).summary()
    assert "; 1 line-scan strip scored in tiles (128 each)" in _LearnedReport(4, 1.0, tiled=[128]).summary()
    assert "tiles" not in _LearnedReport(4, 1.0).summary()
    assert _LearnedReport(4, 1.0, tiled=[128]).as_dict()["strips_tiled"] == [128]
