"""Large tiled, colour and one-strip TIFFs are read in bands (core.imaging.tiff_bands) for
their thumbnail and for the models: never decoded whole.

Before, only a stripped gray TIFF was: a 2048x60000 RGB line-scan strip, tiled, striped
or written as one strip, was decoded whole for its grid thumbnail (860-910 MB peak RSS)
and for a suggest job's reader (860-910 MB; tifffile's array and Pillow's 4-byte copy).

Memory is counted with tracemalloc, which sees every numpy array (tifffile's decode of
the whole page among them), not Pillow's own image memory."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from memtrace import traced_peak
from llmvis_desktop.core.imaging import make_thumbnail, strip_read, tiff_bands, tiff_reduced

W, H = 400, 40000  # 16 M pixels: 48 MB of RGB


def _web(w: int, h: int, rgb: bool) -> np.ndarray:
    rng = np.random.default_rng(7)
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    a = 120 + 40 * np.sin(x / 9.0) + 30 * np.sin(y / 13.0)
    a[int(h * 0.4):int(h * 0.41), w // 3:w // 2] = 250  # a defect
    if not rgb:
        return (np.clip(a + rng.normal(0, 6, (h, w)), 0, 255) * 200).astype(np.uint16)
    out = np.empty((h, w, 3), np.uint8)
    for c, shift in enumerate((0, 25, -25)):
        out[..., c] = np.clip(a + shift + rng.integers(-6, 7, (h, w)), 0, 255)
    return out


LAYOUTS = {
    "rgb_tiled": (True, {"tile": (256, 256)}),
    "rgb_tiled_zlib": (True, {"tile": (128, 256), "compression": "zlib"}),
    "rgb_striped": (True, {"rowsperstrip": 16}),
    "rgb_one_strip": (True, {"rowsperstrip": H}),
    "gray16_tiled": (False, {"tile": (256, 128)}),
    "gray16_one_strip_big_endian": (False, {"rowsperstrip": H, "byteorder": ">"}),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bands")
    out = {}
    webs = {rgb: _web(W, H, rgb) for rgb in (True, False)}  # (each made once: the same pixels for every layout)
    for name, (rgb, kw) in LAYOUTS.items():
        out[name] = d / f"{name}.tif"
        tifffile.imwrite(out[name], webs[rgb], photometric="rgb" if rgb else "minisblack", **kw)
    return out


def _peak(fn) -> tuple[object, int]:
    """(fn(), the most numpy and Python held meanwhile) with the whole-page decoders
    (tifffile's, Pillow's: invisible to tracemalloc) made to fail."""
    from PIL import TiffImagePlugin

    def whole(*_a, **_k):
        raise AssertionError("the whole page was decoded")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tifffile.TiffPage, "asarray", whole)
        mp.setattr(TiffImagePlugin.TiffImageFile, "load", whole)
        return traced_peak(fn)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_bands_are_the_pages_pixels(files, name):
    with tifffile.TiffFile(files[name]) as tf:
        page = tf.pages.first
        assert tiff_bands.bandable(page)
        whole = page.asarray()
        bands = list(tiff_bands.rows(tf, page))
    assert max(len(b) for _y, b in bands) * 4 < len(whole)  # (never one band of all of it)
    assert np.array_equal(np.concatenate([b for _y, b in bands]), whole)
    assert [y for y, _b in bands] == list(np.cumsum([0] + [len(b) for _y, b in bands[:-1]]))


def test_an_alpha_planar_or_16_bit_colour_tiff_or_one_of_few_bands_is_not_banded(tmp_path):
    a = _web(64, 64, True)
    cases = {"two_tile_rows": (_web(2000, 400, True), {"tile": (256, 256)}),"alpha": (np.dstack([a, a[..., :1]]), {"extrasamples": ["unassalpha"]}),
             "planar": (np.moveaxis(a, -1, 0).copy(), {"planarconfig": "separate"}),
             "rgb16": (a.astype(np.uint16) * 257, {})}
    for name, (arr, kw) in cases.items():
        p = tmp_path / f"{name}.tif"
        tifffile.imwrite(p, arr, photometric="rgb", **kw)
        with tifffile.TiffFile(p) as tf:
            assert not tiff_bands.bandable(tf.pages.first), name


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_a_large_tiled_colour_or_one_strip_tiffs_thumbnail_holds_no_whole_decode(files, name, monkeypatch):
    th, peak = _peak(lambda: make_thumbnail(files[name], 256))
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB (the pixels are 32-48 MB)"
    monkeypatch.setattr(tiff_reduced, "REDUCE_FROM", 10**12)  # the whole decode, as before
    whole = make_thumbnail(files[name], 256)
    assert th.mode == whole.mode and th.size == whole.size
    assert np.abs(np.asarray(th, np.float32) - np.asarray(whole, np.float32)).mean() < 2.0


SPECS = {"siglip": ("size", 384, 384, Image.BICUBIC), "clip": ("shortest", 224, 0, Image.BICUBIC)}


@pytest.mark.parametrize("spec", list(SPECS))
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_a_suggest_readers_large_tiff_strip_is_banded_and_the_same(files, name, spec, monkeypatch):
    from llmvis_desktop.core.suggest.reading import model_image
    from llmvis_desktop.core.suggest.strip_tiles import TILES_KEY

    resize, side = SPECS[spec], SPECS[spec][1]

    def read():
        return model_image(files[name], None, 1024, side, resize, tiles=(side, 128, resize))

    got, peak = _peak(read)
    tiles = got.info[TILES_KEY]["pixels"]
    assert peak < tiles.nbytes + 12 * 2**20, (f"peak {peak / 2**20:.1f} MB for {tiles.nbytes / 2**20:.1f} MB "
                                              f"of tiles (the pixels are 32-48 MB)")
    monkeypatch.setattr(strip_read, "BANDED_FROM_BYTES", 10**15)  # read whole, as before
    want = read()
    assert got.mode == want.mode == "RGB" and got.size == want.size
    assert got.info["model_input"] == want.info["model_input"]
    assert np.array_equal(np.asarray(got), np.asarray(want))
    cut, cut_want = got.info[TILES_KEY], want.info[TILES_KEY]
    assert {k: v for k, v in cut.items() if k != "pixels"} == {k: v for k, v in cut_want.items() if k != "pixels"}
    assert np.array_equal(cut["pixels"], cut_want["pixels"])


def test_a_wide_strip_whose_tiles_span_it_is_read_as_before(tmp_path, monkeypatch):
    """A 40000x400 strip's labeler tiles are as high as the strip: a band of them is all of
    it, so it is read whole (as before), and the same."""
    from llmvis_desktop.core.suggest.reading import model_image
    from llmvis_desktop.core.suggest.strip_input import strip_model_input

    p = tmp_path / "wide.tif"
    tifffile.imwrite(p, _web(H, W, True), tile=(64, 256), photometric="rgb")
    spec = SPECS["clip"]
    assert strip_model_input(p, None, 448, (224, 128, spec)) is None
    got = model_image(p, None, 1024, 224, spec, tiles=(224, 128, spec))
    monkeypatch.setattr(strip_read, "BANDED_FROM_BYTES", 10**15)
    want = model_image(p, None, 1024, 224, spec, tiles=(224, 128, spec))
    assert np.array_equal(np.asarray(got), np.asarray(want))
