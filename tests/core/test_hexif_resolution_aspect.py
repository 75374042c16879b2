"""Non-square pixels said only by EXIF: a camera JPEG (or WebP) whose unequal resolution
is in EXIF's IFD0 (XResolution 0x011A, YResolution 0x011B, ResolutionUnit 0x0128) and
whose JFIF says 1:1 of no unit (or that has no JFIF) was read square; a JFIF density in
inch or cm still wins over EXIF. And a multi-page TIFF's later page is shown with its
own resolution, as it is with its own size (it took the first page's)."""
from __future__ import annotations

import struct

import numpy as np
import pytest
import tifffile
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging import thumbs
from llmvis_desktop.core.imaging.aspect import display_scale, exif_spacing, spacing_text

H, W = 60, 80


def _gray() -> np.ndarray:
    arr = np.zeros((H, W), np.uint8)
    arr[20:40, 30:50] = 200
    return arr


def _exif(xres, yres, unit=None, orientation=None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x011A], exif[0x011B] = xres, yres
    if unit is not None:
        exif[0x0128] = unit  # 2 inch, 3 cm (absent: inch)
    if orientation is not None:
        exif[0x0112] = orientation
    return exif


def _jpeg(path, exif: Image.Exif, jfif=None, keep_jfif=True):
    """A JPEG with ``exif``; its JFIF APP0 as Pillow writes it (density 1:1, unit 0), or
    ``jfif`` (x density, y density, unit), or none at all (``keep_jfif`` False)."""
    Image.fromarray(_gray()).save(path, quality=95, exif=exif.tobytes())
    raw = bytearray(path.read_bytes())
    assert raw[2:4] == b"\xff\xe0" and raw[6:11] == b"JFIF\0"
    if jfif is not None:
        raw[13] = jfif[2]
        raw[14:18] = struct.pack(">HH", jfif[0], jfif[1])
    if not keep_jfif:
        del raw[2:4 + struct.unpack(">H", raw[4:6])[0]]
    path.write_bytes(bytes(raw))
    return path


def _check(path, spacing, scale, size=(W, H)):
    for meta in (read_header(path), read_image(path).meta):
        if spacing is None:
            assert meta.pixel_spacing is None
        else:
            assert meta.pixel_spacing is not None, path
            assert meta.pixel_spacing[:2] == pytest.approx(spacing[:2]) and meta.pixel_spacing[2] == spacing[2]
        assert display_scale(meta) == pytest.approx(scale)
        assert (meta.width, meta.height) == size


# ---------------------------------------------------------------- fail on the old code (read square)

@pytest.mark.parametrize("keep_jfif", [True, False])  # JFIF 1:1 of no unit, or no JFIF
@pytest.mark.parametrize("xres, yres, unit, spacing, scale", [
    (100, 200, 2, (0.127, 0.254, "mm"), (2.0, 1.0)),   # inch: 0.254 mm wide, 0.127 mm high
    (100, 200, None, (0.127, 0.254, "mm"), (2.0, 1.0)),  # no unit tag: inch
    (20, 10, 3, (1.0, 0.5, "mm"), (1.0, 2.0)),         # cm: 0.5 mm wide, 1 mm high
    (1, 3, 1, (1.0, 3.0, ""), (3.0, 1.0)),             # no unit: a bare ratio
])
def test_exif_resolution_alone_gives_the_pixel_spacing(tmp_path, keep_jfif, xres, yres, unit, spacing, scale):
    path = _jpeg(tmp_path / "a.jpg", _exif(xres, yres, unit), keep_jfif=keep_jfif)
    assert ("jfif_density" in Image.open(path).info) is keep_jfif
    _check(path, spacing, scale)


def test_a_jfif_of_unknown_unit_says_nothing_and_exif_is_read(tmp_path):
    path = _jpeg(tmp_path / "a.jpg", _exif(20, 10, 3), jfif=(72, 72, 7))
    _check(path, (1.0, 0.5, "mm"), (1.0, 2.0))


def test_exif_orientation_6_swaps_the_axes(tmp_path):
    # stored 80x60, pixels 0.5 mm wide and 1 mm high; shown turned: 60x80, 1 mm wide, 0.5 mm high
    path = _jpeg(tmp_path / "a.jpg", _exif(20, 10, 3, orientation=6))
    _check(path, (0.5, 1.0, "mm"), (2.0, 1.0), size=(H, W))
    assert spacing_text(read_header(path)) == "pixels 1 \u00d7 0.5 mm"
    assert make_thumbnail(path, 64).size == (64, 43)  # 120 x 80 shown


def test_the_thumbnail_is_stretched(tmp_path):
    # 80x60 pixels 1 mm wide, 0.5 mm high: 160x60 on screen, a 64x24 thumbnail
    path = _jpeg(tmp_path / "a.jpg", _exif(10, 20, 3))
    assert make_thumbnail(path, 64).size == (64, 24)


def test_thumbnails_cached_before_are_made_again():
    """The cache's key holds no pixel spacing: the squashed thumbnails of such JPEGs cached
    before are left behind only because the render version changed."""
    assert thumbs.RENDER_VERSION >= 9


def test_a_webp_with_exif_resolution(tmp_path):
    path = tmp_path / "a.webp"
    Image.fromarray(_gray()).convert("RGB").save(path, lossless=True, exif=_exif(10, 20, 3).tobytes())
    _check(path, (0.5, 1.0, "mm"), (2.0, 1.0))


# ---------------------------------------------------------------- the same as before (pass on the old code too)

@pytest.mark.parametrize("jfif, spacing, scale", [
    ((100, 200, 1), (0.127, 0.254, "mm"), (2.0, 1.0)),  # inch, unequal: JFIF's, not EXIF's
    ((72, 72, 1), None, (1.0, 1.0)),                     # inch, equal: square, EXIF or not
    ((28, 28, 2), None, (1.0, 1.0)),                     # cm, equal
    ((1, 2, 0), (1.0, 2.0, ""), (2.0, 1.0)),             # no unit but a ratio: it says something
])
def test_a_jfif_density_with_a_unit_wins_over_exif(tmp_path, jfif, spacing, scale):
    path = _jpeg(tmp_path / "a.jpg", _exif(20, 10, 3), jfif=jfif)  # EXIF: 0.5 mm wide, 1 mm high
    _check(path, spacing, scale)


@pytest.mark.parametrize("exif", [
    _exif(300, 300, 2),                         # equal: square
    _exif(300, 301, 2),                         # within 1 %: square
    _exif(0, 300, 2),                           # a zero: damaged
    _exif(1, 100, 2),                           # a ratio of 100: taken for damage
    _exif(IFDRational(10, 0), 300, 2),          # a rational over zero
    _exif(100, 200, 9),                         # an unknown unit
    Image.Exif(),                               # no resolution at all
])
def test_exif_equal_or_broken_is_square(tmp_path, exif):
    _check(_jpeg(tmp_path / "a.jpg", exif, keep_jfif=False), None, (1.0, 1.0))


@pytest.mark.parametrize("raw", [None, b"", b"Exif\0\0garbage", b"II*\0\xff\xff\xff\xff"])
def test_unreadable_exif_is_square(raw):
    assert exif_spacing(raw) is None


# ---------------------------------------------------------------- a multi-page TIFF's pages

def _pages(path, dtype):
    """Page 1 at 300 dpi both ways (square), page 2 at 10 x 20 px/cm (1 mm wide, 0.5 mm high)."""
    with tifffile.TiffWriter(path) as tw:
        tw.write(_gray().astype(dtype), photometric="minisblack", resolution=(300, 300), resolutionunit="inch")
        tw.write(_gray().astype(dtype), photometric="minisblack", resolution=(10, 20), resolutionunit="centimeter")
    return path


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_each_page_of_a_tiff_has_its_own_resolution(tmp_path, dtype):
    path = _pages(tmp_path / "a.tif", dtype)
    assert read_header(path).pixel_spacing is None and read_image(path).meta.pixel_spacing is None
    meta = read_image(path, frame=1).meta
    assert meta.pixel_spacing == (0.5, 1.0, "mm") and display_scale(meta) == (2.0, 1.0)


def test_each_page_read_by_pillow_has_its_own_resolution(tmp_path, monkeypatch):
    from llmvis_desktop.core.imaging import tiff

    monkeypatch.setattr(tiff, "read_tiff", lambda *a, **k: (None, None))  # as when tifffile cannot decode it
    path = _pages(tmp_path / "a.tif", np.uint8)
    assert read_image(path).meta.pixel_spacing is None
    meta = read_image(path, frame=1).meta
    assert meta.pixel_spacing == (0.5, 1.0, "mm") and display_scale(meta) == (2.0, 1.0)
