"""A large TIFF's thumbnail is read strip by strip, reduced as it comes: bounded memory.

A 2048x60000 16-bit TIFF (a line-scan strip) was decoded whole to make its thumbnail:
719 MB peak RSS. Now a stripped single-sample TIFF of REDUCE_FROM pixels or more is
read one strip at a time, each averaged down at once; its window is the viewer's (the
same 0.5-99.5 percentile sample).
"""
from __future__ import annotations

import numpy as np
import pytest
import tifffile

from memtrace import traced_peak
from llmvis_desktop.core.imaging import make_thumbnail, tiff_reduced
from llmvis_desktop.core.imaging.reader import read_image


def _web(w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    a = 128 + 40 * np.sin(x / 9.0) + 30 * np.sin(y / 13.0) + rng.normal(0, 6, (h, w)).astype(np.float32)
    a[int(h * 0.4):int(h * 0.45)] -= 80
    return (np.clip(a, 0, 255) * 200).astype(np.uint16)


@pytest.fixture(scope="module")
def strip16(tmp_path_factory):
    p = tmp_path_factory.mktemp("strip16") / "web.tif"
    tifffile.imwrite(p, _web(800, 24000), rowsperstrip=64, compression="zlib")  # 38 MB of pixels
    return p


def test_a_large_tiff_thumbnail_is_read_with_bounded_memory(strip16):
    th, peak = traced_peak(lambda: make_thumbnail(strip16, 256))
    assert max(th.size) <= 256 and min(th.size) >= 128
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MB (the pixels alone are 38 MB)"


def test_it_looks_as_the_whole_decode_does(strip16, monkeypatch):
    reduced = np.asarray(make_thumbnail(strip16, 256), dtype=np.float32)
    monkeypatch.setattr(tiff_reduced, "REDUCE_FROM", 10**12)  # the whole decode, as before
    whole, peak = traced_peak(lambda: make_thumbnail(strip16, 256))
    whole = np.asarray(whole, dtype=np.float32)
    assert peak > 38 * 2**20  # (what it costs without)
    assert reduced.shape == whole.shape
    assert np.abs(reduced - whole).mean() < 4.0


def test_the_window_is_the_viewers(strip16):
    meta_window = read_image(strip16).window
    assert tiff_reduced.stream_window(strip16) == pytest.approx(meta_window)


def test_small_or_16_bit_colour_tiffs_take_the_whole_decode(tmp_path):
    """(Tiled, 8-bit RGB and one-strip TIFFs are read in bands too: test_tiff_bands.py.)"""
    small = tmp_path / "small.tif"
    tifffile.imwrite(small, _web(300, 400))
    rgb = tmp_path / "rgb.tif"  # 16-bit RGB: decoded whole
    tifffile.imwrite(rgb, np.stack([_web(800, 24000)] * 3, -1))
    for p in (small, rgb):
        assert tiff_reduced.reduced_source(p, 256) is None
        assert max(make_thumbnail(p, 128).size) == 128
