"""``to_display``'s float path: same pixels as the whole-image version, a fraction of its memory."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from llmvis_desktop.core.imaging import display
from llmvis_desktop.core.imaging.display import auto_window, to_display


def _old_to_display(pixels, window=None, *, invert=False, sigmoid=False):
    """The float path as it was (float64 copy, nan_to_num copy, float32 ramp): the reference."""
    arr = display._color_part(np.asarray(pixels))
    if window is None:
        window = auto_window(arr)
    center, width = float(window[0]), max(float(window[1]), 1e-12)
    lo, scale = center - width / 2.0, 255.0 / width
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    values = np.nan_to_num(arr.astype(np.float64, copy=False))
    with np.errstate(over="ignore"):
        if sigmoid:
            z = (values.astype(np.float64) - center) * (-4.0 / width)
            out = (255.0 / (1.0 + np.exp(np.clip(z, -700.0, 700.0)))).astype(np.float32)
        else:
            out = (values.astype(np.float32) - np.float32(lo)) * np.float32(scale)
    np.clip(out, 0.0, 255.0, out=out)
    out += 0.5
    result = out.astype(np.uint8)
    return np.subtract(255, result, out=result) if invert else result


def _pixels(dtype, shape, rng):
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if np.dtype(dtype).kind == "f":
        px = (rng.standard_normal(shape) * 1000).astype(dtype)
        flat = px.reshape(-1)
        flat[::7] = np.nan
        flat[1::11] = np.inf
        flat[2::13] = -np.inf
        if np.dtype(dtype) == np.float64:
            flat[3::17] = 1e300  # beyond float32: an infinity there
        return px
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.uint32,
                                   np.int64, np.uint64, np.int8, np.bool_])
@pytest.mark.parametrize("shape", [(37, 23), (19, 11, 3), (9, 13, 4), (1, 1), (0, 5)])
def test_float_path_gives_the_same_pixels_as_before(dtype, shape, monkeypatch):
    monkeypatch.setattr(display, "CHUNK", 50, raising=False)  # several chunks, of a few rows each
    rng = np.random.default_rng(7)
    px = _pixels(dtype, shape, rng)
    before = px.copy()
    windows = [None, (0.0, 500.0), (1e9, 3e9), (0.5, 1.0)]
    for window in windows:
        for flags in ({}, {"invert": True}, {"sigmoid": True}, {"sigmoid": True, "invert": True}):
            if window is None and (px.size == 0 or px.dtype == np.bool_):  # (auto_window: numbers only)
                continue
            with np.errstate(over="ignore", invalid="ignore"):
                want = _old_to_display(px, window, **flags)
            got = to_display(px, window, **flags)
            assert got.dtype == np.uint8 and got.shape == want.shape
            assert np.array_equal(got, want), (dtype, shape, window, flags)
    assert np.array_equal(px, before, equal_nan=px.dtype.kind == "f")  # input untouched


def test_float_path_needs_no_whole_image_float_copies():
    """A 192 MB float32 TIFF peaked at 1.2 GB: float64 copy, nan_to_num copy, float32 ramp."""
    px = np.random.default_rng(1).random((2000, 2000), dtype=np.float32)  # 16 MB
    px[::100, ::100] = np.nan
    to_display(px, (0.5, 1.0))  # warm up numpy's caches outside the measurement
    tracemalloc.start()
    try:
        out = to_display(px, (0.5, 1.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == px.shape
    # the uint8 result (4 MB) and chunk temporaries of a few MB; before: > 4x the input
    assert peak < px.nbytes, f"peak {peak / 2**20:.0f} MB for a {px.nbytes / 2**20:.0f} MB image"
