"""A zero-shot labeler's job reads a line-scan strip once: the reader (thread or helper
process) that decodes it for the folded picture also cuts its tiles, resized as the
model's processor would, and hands them with it (core.suggest.strip_tiles.cut_tiles).
Before, ZeroShotTiles read the strip's file a second time, whole, on the model thread."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

try:
    from . import tiny_models
except ImportError:  # (run from tests/core)
    import tiny_models

from llmvis_desktop.core.imaging import reader
from llmvis_desktop.core.suggest import strip_tiles
from llmvis_desktop.core.suggest.batch import run_suggest


def _folder(tmp_path):
    folder = tmp_path / "web"
    folder.mkdir(parents=True)
    a = np.full((3000, 256), 150, np.uint8)
    a[1900:1916, 100:116] = 20
    Image.fromarray(a).save(folder / "strip.png")
    Image.fromarray(np.dstack([a.T[:, :1500]] * 3)).save(folder / "wide.png")
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "photo.png")
    return folder


def _decodes(monkeypatch) -> list:
    """The sizes of the images Pillow decodes in this process."""
    sizes = []
    load = reader.load_strict

    def counted(im, path):
        sizes.append(im.size)
        return load(im, path)

    monkeypatch.setattr(reader, "load_strict", counted)
    return sizes


def _cards(project) -> dict:
    out = {}
    for s in tiny_models.all_suggestions(project):
        out.setdefault(project.image(s.image_id).name, {})[s.value] = (round(s.score, 6), s.params.get("strip_tiles"))
    return out


def test_a_strip_is_decoded_once_and_scored_as_from_its_own_read(tmp_path, tiny, worker, monkeypatch):
    folder = _folder(tmp_path)
    project = tiny_models.labelled_project(folder, ["scratch", "ok"])
    project.set_setting("strip_max_tiles", 12)
    sizes = _decodes(monkeypatch)
    report = run_suggest(project, None, tiny["clip"], worker=worker, read_processes=0, top_k=2, min_score=0.0)
    assert sorted(sizes) == sorted([(256, 3000), (1500, 256), (64, 48)])  # each file decoded once
    assert len(report.strips_tiled) == 2
    handed = _cards(project)

    # the tiles ZeroShotTiles cuts from its own read score the same
    monkeypatch.setattr(strip_tiles, "cut_tiles", lambda im, spec: None)
    fresh = tiny_models.labelled_project(_folder(tmp_path / "again"), ["scratch", "ok"])
    fresh.set_setting("strip_max_tiles", 12)
    run_suggest(fresh, None, tiny["clip"], worker=worker, read_processes=0, top_k=2, min_score=0.0)
    read_again = _cards(fresh)
    assert read_again == handed and all(t for n in ("strip.png", "wide.png") for _s, t in handed[n].values())


@pytest.mark.slow
def test_the_tiles_come_back_from_a_helper_process(tmp_path, tiny, worker, monkeypatch):
    folder = _folder(tmp_path)
    project = tiny_models.labelled_project(folder, ["scratch", "ok"])
    project.set_setting("strip_max_tiles", 12)
    here = _decodes(monkeypatch)
    report = run_suggest(project, None, tiny["clip"], worker=worker, read_processes=1, top_k=2, min_score=0.0)
    assert len(report.strips_tiled) == 2 and here == []  # (the helper read them all)
    cards = _cards(project)
    fresh = tiny_models.labelled_project(_folder(tmp_path / "again"), ["scratch", "ok"])
    fresh.set_setting("strip_max_tiles", 12)
    run_suggest(fresh, None, tiny["clip"], worker=worker, read_processes=0, top_k=2, min_score=0.0)
    assert _cards(fresh) == cards


@pytest.mark.parametrize("strips", [1, 40])  # pickled, and through a shared-memory block
def test_a_helpers_hand_off_carries_the_tiles(strips):
    from llmvis_desktop.core.suggest import handoff
    from llmvis_desktop.core.suggest.strips import VIEW_KEY

    rng = np.random.default_rng(0)
    items = []
    for k in range(strips):
        im = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
        cut = {"spec": [32, 12], "source_px": [256, 3000], "boxes": [(0, 0, 256, 256)] * 12,
               "pixels": rng.integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)}
        items += [(im, None, {"pieces": 3}, cut), (im, None, None, None), (None, "unreadable")]
    got = handoff.unpack(handoff.pack(items))
    assert len(got) == len(items)
    for (im, err, *extra), (back, why) in zip(items, got):
        assert why == err and (back is None) == (im is None)
        if im is None:
            continue
        assert np.array_equal(np.asarray(back), im) and back.info.get(VIEW_KEY) == extra[0]
        cut, handed = extra[1], back.info.get(strip_tiles.TILES_KEY)
        assert (handed is None) == (cut is None)
        if cut is not None:
            assert np.array_equal(handed["pixels"], cut["pixels"]) and handed["boxes"] == cut["boxes"]
