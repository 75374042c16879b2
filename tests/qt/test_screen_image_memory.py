"""A large image's screen copy (RGB32) is filled without a whole-size temporary.

fill_rgb32 or-ed each colour channel in through a uint32 temporary the size of the
image: the window's loader peaked at 1.4 GB for a 2048x60000 RGB strip (368 MB of
display pixels, 491 MB of RGB32), 491 MB of it that temporary. Memory is counted with
tracemalloc, which sees numpy's temporaries, not the QImage's own pixels."""
from __future__ import annotations

import tracemalloc

import numpy as np

from llmvis_desktop.qt.widgets.viewer_display import fill_rgb32, pixmap_image


def _rgb32_of(arr: np.ndarray) -> np.ndarray:
    a = arr.astype(np.uint32)
    if arr.ndim == 2:
        return 0xFF000000 | a * 0x010101
    return 0xFF000000 | a[..., 0] << 16 | a[..., 1] << 8 | a[..., 2]


def test_a_large_rgb_display_is_filled_in_bands(qapp):
    rng = np.random.default_rng(2)
    arr = rng.integers(0, 255, (20000, 400, 3), dtype=np.uint8)  # 24 MB; 32 MB as RGB32
    tracemalloc.start()
    try:
        image = pixmap_image(arr)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB besides the image"
    got = np.frombuffer(image.constBits(), np.uint32).reshape(20000, image.bytesPerLine() // 4)[:, :400]
    assert np.array_equal(got, _rgb32_of(arr))


def test_gray_and_small_fills_are_the_same(qapp):
    rng = np.random.default_rng(3)
    for arr in (rng.integers(0, 255, (3001, 700), dtype=np.uint8), rng.integers(0, 255, (5, 7, 3), dtype=np.uint8)):
        out = np.zeros(arr.shape[:2], np.uint32)
        fill_rgb32(arr, out)
        assert np.array_equal(out, _rgb32_of(arr))
