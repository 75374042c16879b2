"""A line-scan strip's tiles are read without holding the strip whole
(core.imaging.strip_read): a stripped gray TIFF in bands of rows, any other file decoded
once and its tiles cropped from Pillow's image. Before, the learned suggester and a
zero-shot labeler each read a strip with read_image: its pixels, their display rendering
and (an RGB PNG) numpy's copy beside Pillow's; a 2048x60000 RGB PNG peaked at 1.2 GB.

Memory is counted with tracemalloc, which sees every numpy array (not Pillow's own
image memory): what the readers hold besides the file's decode."""
from __future__ import annotations

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.core.suggest.strip_tiles import tile_grid

W, H = 512, 40000  # a gray strip: 20 MB of display pixels (41 MB at 16 bits)
PW, PH = 256, 40000  # an RGB strip: 31 MB
BOUND = 256  # tiles: 32 at a time are an eighth of a strip


def _files(tmp_path):
    rng = np.random.default_rng(3)
    out = {}
    a16 = rng.integers(500, 40000, (H, W), dtype=np.uint16)
    out["tiff16"] = tmp_path / "s16.tif"
    tifffile.imwrite(out["tiff16"], a16, rowsperstrip=16)
    out["tiff8_white"] = tmp_path / "s8.tif"
    tifffile.imwrite(out["tiff8_white"], (a16 >> 8).astype(np.uint8), rowsperstrip=7, photometric="miniswhite")
    out["wide_tiff16"] = tmp_path / "w16.tif"
    tifffile.imwrite(out["wide_tiff16"], np.ascontiguousarray(a16[:4000, :300].T), rowsperstrip=5)
    out["png_rgb"] = tmp_path / "s.png"
    Image.fromarray(np.repeat(rng.integers(0, 255, (PH // 100, PW, 3), dtype=np.uint8), 100, axis=0)).save(out["png_rgb"])
    out["png_palette"] = tmp_path / "p.png"
    Image.fromarray(rng.integers(0, 255, (3000, 90), dtype=np.uint8)).convert("P").save(out["png_palette"])
    out["png16"] = tmp_path / "s16.png"
    Image.fromarray(rng.integers(0, 65535, (3000, 90)).astype(np.uint16)).save(out["png16"])
    return out


def test_the_tiles_are_the_pixels_read_image_shows(tmp_path):
    from llmvis_desktop.core.imaging.strip_read import strip_tiles_source

    for name, path in _files(tmp_path).items():
        shown = read_image(path).display
        with strip_tiles_source(path) as src:
            assert src.size == (shown.shape[1], shown.shape[0]), name
            for side, bound in ((32, 400), (20, 16), (500, 4)):
                boxes = tile_grid(*src.size, side, bound)
                got = [t for _at, tiles in src.tiles(boxes) for t in tiles]
                assert len(got) == len(boxes), name
                for (x, y, w, h), t in zip(boxes, got):
                    want = shown[y:y + h, x:x + w]
                    if want.ndim == 2 and t.ndim == 3:  # (a palette PNG: RGB, as read_display_image)
                        want = np.asarray(Image.fromarray(want).convert("RGB"))
                    assert np.array_equal(t, want), (name, (x, y, w, h))


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _held_less_than_the_strip(peak: int, path) -> None:
    """Less than half the strip's display pixels held at once (before: its pixels and their
    display, twice or three times that; now 32 tiles at a time, a sixth of these strips or
    less, and for a TIFF's window a sample of a million values)."""
    whole = read_image(path).display.nbytes
    assert peak < 0.5 * whole, f"{peak / 1e6:.1f} MB held for a strip of {whole / 1e6:.1f} MB shown"


class _Labeler:
    loaded = SimpleNamespace(family=SimpleNamespace(fixed_input=False))

    def scores(self, images, labels, prompt, batch=8):
        return [[0.5, 0.5] for _ in images]


@pytest.mark.parametrize("kind", ["tiff16", "png_rgb"])
def test_a_zero_shot_labeler_holds_no_whole_strip(tmp_path, kind):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.strip_tiles import ZeroShotTiles

    folder = tmp_path / "web"
    folder.mkdir()
    path = _files(tmp_path)[kind]
    path = path.rename(folder / path.name)
    p = Project.open(folder)
    p.index()
    rec = p.image_by_path(path.name)
    tiler = ZeroShotTiles(p, max_tiles=BOUND)
    got = {}
    peak = _peak(lambda: got.update(tiler(_Labeler(), [rec], ["a", "b"], "{label}", 8)))
    assert set(got) == {0} and tiler.tiled == [len(tile_grid(*Image.open(path).size, 224, BOUND))]
    _held_less_than_the_strip(peak, path)


@pytest.mark.parametrize("kind", ["tiff16", "png_rgb"])
def test_the_learned_suggester_holds_no_whole_strip(tmp_path, monkeypatch, kind):
    from llmvis_desktop.core.suggest import learned_tiles

    path = _files(tmp_path)[kind]
    project = SimpleNamespace(path_of=lambda rec: path, max_pixels=None)
    w, h = Image.open(path).size
    rec = SimpleNamespace(relpath=path.name, width=w, height=h)
    monkeypatch.setattr(learned_tiles, "score", lambda model, kind, X: (np.full((len(X), 2), 0.5), np.ones((len(X), 3))))
    extractor = SimpleNamespace(extract=lambda tiles: np.array([[float(np.mean(t))] for t in tiles]))
    got = {}
    peak = _peak(lambda: got.update(learned_tiles.score_strips(project, [rec], None, "linear", extractor, None,
                                                               64, BOUND)))
    assert set(got) == {0} and got[0][2][0]["strip_tiles"]["source_px"] == [w, h]
    _held_less_than_the_strip(peak, path)


def _model_inputs(path, tmp_path):
    """model_image of ``path``, and of an RGB PNG of its display (the path that did not
    change), as a CLIP-like processor's resize and without one."""
    from llmvis_desktop.core.suggest.reading import model_image

    twin = tmp_path / "twin.png"
    Image.fromarray(read_image(path).display).convert("RGB").save(twin)
    out = []
    for kw in ({"resize": ("shortest", 224, 0, 3), "draft_side": 224}, {"draft_side": 224}, {}):
        out.append((model_image(path, **kw), model_image(twin, **kw)))
    return out


def test_a_readers_strip_is_what_it_was_and_a_tiff_strip_is_not_held_whole(tmp_path):
    from llmvis_desktop.core.suggest.reading import model_image

    rng = np.random.default_rng(5)
    gray = tmp_path / "gray.png"  # (converted to RGB once shrunk now: the same pixels)
    Image.fromarray(np.repeat(rng.integers(0, 255, (60, 300), dtype=np.uint8), 50, axis=0)).save(gray)
    big = tmp_path / "big.tif"  # 20 MB: read strip by strip
    tifffile.imwrite(big, rng.integers(500, 40000, (20000, 512), dtype=np.uint16), rowsperstrip=32)
    for path in (gray, big):
        for got, want in _model_inputs(path, tmp_path):
            assert got.mode == "RGB" and got.info["model_input"] == want.info["model_input"], path
            assert np.array_equal(np.asarray(got), np.asarray(want)), path
    peak = _peak(lambda: model_image(big, resize=("shortest", 224, 0, 3), draft_side=224))
    whole = 20000 * 512  # its display; its 16-bit pixels are twice that
    assert peak < 1.5 * whole, f"{peak / 1e6:.1f} MB held for a strip of {whole / 1e6:.1f} MB shown"
