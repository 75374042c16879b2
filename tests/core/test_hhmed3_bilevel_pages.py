"""A multi-page bilevel (1-bit) TIFF, a scanned request form or consent filed with a
study (or a 1-bit image whose extra samples are channels), is shown as Pillow shows one
page of it: 0 black, 255 white, min-is-white pages the right way round.

tifffile gives such pages as booleans, and the percentile window raised numpy's
"TypeError: numpy boolean subtract ... is not supported": no page could be viewed."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image


def _pages() -> np.ndarray:
    pages = np.zeros((3, 50, 64), bool)
    for k in range(3):
        pages[k, 10 + 10 * k:20 + 10 * k, 8:40] = True
    return pages


@pytest.mark.parametrize("photometric", ["minisblack", "miniswhite"])
def test_each_page_shows_as_pillow_shows_it(tmp_path, photometric):
    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, _pages(), photometric=photometric)
    assert read_header(path).frames == 3
    with Image.open(path) as im:
        for k in range(3):
            im.seek(k)
            want = np.asarray(im.convert("L"))
            got = read_image(path, frame=k)
            np.testing.assert_array_equal(got.display, want)
            assert got.pixels.dtype == np.uint8 and set(np.unique(got.pixels)) <= {0, 255}
    assert np.asarray(make_thumbnail(path, 32)).size


def test_one_bit_channels_read(tmp_path):
    """(tifffile does not give such samples back as written: only that they read, 0 or 255)"""
    path = tmp_path / "bits.tif"
    tifffile.imwrite(path, np.moveaxis(_pages(), 0, -1), photometric="minisblack", planarconfig="contig")
    assert read_header(path).frames == 3
    got = read_image(path, frame=2)
    assert got.pixels.dtype == np.uint8 and set(np.unique(got.pixels)) <= {0, 255}
