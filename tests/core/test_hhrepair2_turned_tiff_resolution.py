"""A TIFF shown turned a quarter (Orientation 5-8) is repaired upright, its x and y
swapped: so are its resolutions (a 300 x 150 dpi line-scan page turned by its Orientation
tag went to a repair whose rows were its columns, still 300 x 150: its scale was wrong
both ways). A page not turned keeps them as they are."""
import numpy as np
import pytest
import tifffile

from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.core.repair.apply import repair_file


@pytest.mark.parametrize("orientation,swapped", [(1, False), (3, False), (6, True), (8, True)])
def test_resolution_follows_the_turn(tmp_path, orientation, swapped):
    src = tmp_path / "scan.tif"
    a = (np.arange(40 * 60, dtype=np.uint16).reshape(40, 60) * 10)
    tifffile.imwrite(src, a, resolution=(300, 150), resolutionunit=2,
                     extratags=[(274, 3, 1, orientation, True)])
    shown = read_image(src).pixels
    assert shown.shape == ((60, 40) if swapped else (40, 60))
    m = np.zeros(shown.shape, bool)
    m[5:10, 5:10] = True
    res = repair_file(src, m, method="telea")
    with tifffile.TiffFile(res.output_path) as t:
        page = t.pages[0]
        got = (page.tags["XResolution"].value, page.tags["YResolution"].value)
        assert page.shape == shown.shape
    assert got == (((150, 1), (300, 1)) if swapped else ((300, 1), (150, 1)))
