"""The viewer's read of a large image holds one copy of its pixels (and its display).

A 2048x60000 RGB PNG peaked at 1.2 GB in ``read_image`` for 368 MB of pixels:
``np.asarray`` of Pillow's image went through ``tobytes``, a list of chunks and their
join (core.imaging.pil_rows). A tiled TIFF whose height is no whole number of tiles
peaked at 908 MB: tifffile decoded it into a padded array and copied it out
(core.imaging.tiff._page_array). Memory is counted with tracemalloc: numpy and Python
objects, not Pillow's own image memory."""
from __future__ import annotations

import numpy as np
import tifffile
from PIL import Image

from memtrace import traced_peak
from llmvis_desktop.core.imaging.reader import read_image


def _rgb(w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    a = np.repeat(rng.integers(0, 255, (h // 50, w, 3), dtype=np.uint8), 50, axis=0)
    return np.ascontiguousarray(a)


def test_a_large_png_is_read_into_one_array(tmp_path):
    want = _rgb(400, 20000)  # 24 MB
    p = tmp_path / "strip.png"
    Image.fromarray(want).save(p, compress_level=1)
    data, peak = traced_peak(lambda: read_image(p))
    assert np.array_equal(data.pixels, want) and np.array_equal(data.display, want)
    assert peak < want.nbytes + 6 * 2**20, f"peak {peak / 2**20:.1f} MB for {want.nbytes / 2**20:.1f} MB of pixels"


def test_a_palette_and_a_gray_png_read_as_before(tmp_path):
    rng = np.random.default_rng(12)
    gray = rng.integers(0, 255, (3000, 1000), dtype=np.uint8)
    Image.fromarray(gray).save(tmp_path / "g.png")
    Image.fromarray(gray).convert("P").save(tmp_path / "p.png")
    assert np.array_equal(read_image(tmp_path / "g.png").pixels, gray)
    pal = Image.open(tmp_path / "p.png")
    assert np.array_equal(read_image(tmp_path / "p.png").pixels, np.asarray(pal.convert("RGB")))


def test_a_tiled_tiff_is_not_decoded_into_a_padded_copy(tmp_path):
    rng = np.random.default_rng(13)
    want = rng.integers(0, 65535, (20001, 512), dtype=np.uint16)  # 20 MB; 20001 rows: no whole tiles
    p = tmp_path / "tiled.tif"
    tifffile.imwrite(p, want, tile=(256, 256))
    data, peak = traced_peak(lambda: read_image(p))
    assert np.array_equal(data.pixels, want)
    held = data.pixels.nbytes + data.display.nbytes
    assert peak < held + 6 * 2**20, f"peak {peak / 2**20:.1f} MB for {held / 2**20:.1f} MB held"
