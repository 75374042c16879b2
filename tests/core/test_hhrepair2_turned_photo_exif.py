"""A photo shown turned a quarter (EXIF Orientation 6) is repaired upright, its
orientation set to 1: its EXIF now says the upright image's size and resolutions
(PixelX/YDimension and X/YResolution kept the stored image's, swapped against the
pixels), and a GPS block the photo lacks is not added (an empty one was written)."""
import numpy as np
from PIL import Image

from llmvis_desktop.core.repair.apply import repair_file


def _photo(path, gps: bool):
    im = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8))
    ex = im.getexif()
    ex[0x0112] = 6
    ex[0x011A], ex[0x011B], ex[0x0128] = 300.0, 150.0, 2
    sub = ex.get_ifd(0x8769)
    sub[0xA002], sub[0xA003] = 300, 200
    sub[0xA005] = {1: "R98"}  # an Interop block, kept
    if gps:
        ex.get_ifd(0x8825)[1] = "N"
    im.save(path, exif=ex.tobytes(), quality=95)


def _repaired_exif(tmp_path, gps: bool):
    src = tmp_path / "photo.jpg"
    _photo(src, gps)
    m = np.zeros((300, 200), bool)  # as shown: 200 wide, 300 high
    m[10:20, 10:20] = True
    res = repair_file(src, m, method="telea")
    out = Image.open(res.output_path)
    assert out.size == (200, 300)
    return out.getexif()


def test_the_exif_describes_the_upright_image(tmp_path):
    ex = _repaired_exif(tmp_path, gps=True)
    assert ex[0x0112] == 1
    assert (ex[0x011A], ex[0x011B]) == (150.0, 300.0)
    sub = ex.get_ifd(0x8769)
    assert (sub[0xA002], sub[0xA003]) == (200, 300)
    assert ex.get_ifd(0xA005) == {1: "R98"} and ex.get_ifd(0x8825) == {1: "N"}


def test_no_gps_block_is_added(tmp_path):
    ex = _repaired_exif(tmp_path, gps=False)
    assert 0x8825 not in ex and ex.get_ifd(0xA005) == {1: "R98"}
