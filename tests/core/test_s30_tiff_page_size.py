"""A multi-page TIFF's page read on its own says its own size: read through tifffile (16-bit
pages), page 2 of an 80x60 first page and a 50x30 second one said 80x60 beside its 50x30
pixels (the viewer's line, the repair dialog's mask and anything sized from the meta)."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile

from llmvis_desktop.core.imaging import read_image


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_a_later_page_says_its_own_size(tmp_path, dtype):
    path = tmp_path / "stack.tif"
    with tifffile.TiffWriter(path) as tw:
        tw.write(np.full((60, 80), 100, dtype), photometric="minisblack")
        tw.write(np.full((30, 50), 200, dtype), photometric="minisblack")
    first, second = read_image(path, frame=0), read_image(path, frame=1)
    assert (first.meta.width, first.meta.height) == (80, 60) and np.asarray(first.pixels).shape[:2] == (60, 80)
    assert np.asarray(second.pixels).shape[:2] == (30, 50)
    assert (second.meta.width, second.meta.height) == (50, 30)
    assert second.meta.frames == 2
