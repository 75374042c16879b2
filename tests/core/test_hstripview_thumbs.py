"""Line-scan strips in the grid: a thumbnail that shows the whole strip, folded.

A 2048x60000 strip's thumbnail was a 9x256 sliver, a 60000x300 one 256x1: strips could
not be told apart. Now a strip (long side STRIP_ASPECT or more times its short one) is
cut into pieces laid side by side (tall) or stacked (wide), as the models see it.
"""
from __future__ import annotations

import numpy as np
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging import make_thumbnail, thumbs
from llmvis_desktop.core.imaging.strip_view import STRIP_ASPECT, is_strip


def _ramp(w: int, h: int, dtype=np.uint8) -> np.ndarray:
    """Dark at the strip's start, bright at its end (along its long side), a texture across."""
    long = max(w, h)
    along = np.linspace(0, 1, long, dtype=np.float32)
    a = along[:, None] if h >= w else along[None, :]
    a = np.broadcast_to(a, (h, w)) * 220 + 20
    if dtype == np.uint16:
        return (a * 250).astype(np.uint16)
    return a.astype(np.uint8)


def _check_folded(th: Image.Image, size: int) -> None:
    assert max(th.size) <= size
    assert min(th.size) >= size // 2, f"a sliver: {th.size}"
    arr = np.asarray(th.convert("L"), dtype=np.float32)
    # the whole length is there: its dark start and its bright end
    assert arr.min() < 60 and arr.max() > 200


def test_tall_gray_strip_png_is_folded(tmp_path):
    p = tmp_path / "tall.png"
    Image.fromarray(_ramp(20, 4000)).save(p)
    _check_folded(make_thumbnail(p, 128), 128)


def test_wide_rgb_strip_png_is_folded(tmp_path):
    p = tmp_path / "wide.png"
    Image.fromarray(np.stack([_ramp(6000, 30)] * 3, -1)).save(p)
    th = make_thumbnail(p, 128)
    assert th.mode == "RGB"
    _check_folded(th, 128)


def test_16bit_tiff_strip_is_folded(tmp_path):
    p = tmp_path / "wide16.tif"
    tifffile.imwrite(p, _ramp(6000, 30, np.uint16))
    _check_folded(make_thumbnail(p, 128), 128)


def test_jpeg_strip_is_folded(tmp_path):
    p = tmp_path / "tall.jpg"
    Image.fromarray(_ramp(64, 4000)).save(p, quality=90)
    _check_folded(make_thumbnail(p, 128), 128)


def test_oriented_strip_is_folded_the_way_it_is_shown(tmp_path):
    """An EXIF-rotated strip: stored wide, shown tall; folded as shown (pieces side by side)."""
    p = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to show
    Image.fromarray(_ramp(4000, 64)).save(p, quality=90, exif=exif)
    th = make_thumbnail(p, 128)
    _check_folded(th, 128)


def test_ordinary_images_and_panoramas_are_not_folded(tmp_path):
    p = tmp_path / "pano.png"
    Image.fromarray(_ramp(1200, 200)).save(p)  # 6:1, a panorama
    th = make_thumbnail(p, 120)
    assert th.size == (120, 20)
    assert not is_strip(1200, 200) and is_strip(1600, 200) and STRIP_ASPECT == 8


def test_render_version_raised():
    assert thumbs.RENDER_VERSION >= 5  # strips' thumbnails look otherwise now
