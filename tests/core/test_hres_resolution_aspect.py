"""Non-square pixels said by a resolution: a TIFF whose X/YResolution differ, a PNG whose
pHYs does, a JPEG whose JFIF density does. A repair of a DICOM with Pixel Spacing
0.5\\1.0 mm is saved as a PNG or TIFF with that spacing as its resolution; it was read
back square (pixel spacing from DICOMs only) and so shown squashed in the viewer, the grid
and the repair dialog, where its source was shown at its physical aspect."""
from __future__ import annotations

import copy
import io
import struct
import zlib

import numpy as np
import pydicom
import pytest
import tifffile
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging import thumbs
from llmvis_desktop.core.imaging.aspect import display_scale, spacing_from_resolution, spacing_text
from llmvis_desktop.core.repair import apply as apply_mod

from repair_helpers import one_torch_thread  # noqa: F401 - fixture

H, W = 60, 80


def _gray(dtype=np.uint8) -> np.ndarray:
    arr = np.zeros((H, W), dtype)
    arr[20:40, 30:50] = 200
    return arr


def _same(got, want) -> bool:
    if want is None:
        return got is None
    return got is not None and got[:2] == pytest.approx(want[:2]) and got[2] == want[2]


def _tiff(path, dtype, xres, yres, unit, orientation=None):
    extra = [(274, "H", 1, orientation, True)] if orientation else []
    tifffile.imwrite(path, _gray(dtype), photometric="minisblack", resolution=(xres, yres),
                     resolutionunit=unit, extratags=extra)
    return path


def _png_phys(path, px, py, unit, dtype=np.uint8):
    """A PNG whose pHYs chunk says ``px`` x ``py`` pixels per unit (1: metre, 0: unknown)."""
    Image.fromarray(_gray(dtype)).save(path)
    raw = path.read_bytes()
    body = struct.pack(">IIB", px, py, unit)
    chunk = struct.pack(">I", 9) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body))
    path.write_bytes(raw[:33] + chunk + raw[33:])  # after the signature and IHDR
    return path


def _jpeg(path, xd, yd, unit):
    """A JPEG whose JFIF APP0 says density ``xd`` x ``yd`` in ``unit`` (0 none, 1 inch, 2 cm)."""
    Image.fromarray(_gray()).save(path, quality=95, dpi=(72, 72))
    raw = bytearray(path.read_bytes())
    assert raw[6:11] == b"JFIF\0"
    raw[13] = unit
    raw[14:18] = struct.pack(">HH", xd, yd)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])  # Pillow's TIFF path, then tifffile's
@pytest.mark.parametrize("xres, yres, unit, spacing, scale", [
    (100, 200, "inch", (0.127, 0.254, "mm"), (2.0, 1.0)),
    (10, 20, "centimeter", (0.5, 1.0, "mm"), (2.0, 1.0)),
    (20, 10, "centimeter", (1.0, 0.5, "mm"), (1.0, 2.0)),
    (1, 2, "none", (1.0, 2.0, ""), (2.0, 1.0)),
    (300, 300, "inch", None, (1.0, 1.0)),   # equal: square, as before
    (1, 100, "inch", None, (1.0, 1.0)),     # a ratio of 100: taken for damage, square
])
def test_a_tiffs_resolution_gives_its_pixel_spacing(tmp_path, dtype, xres, yres, unit, spacing, scale):
    path = _tiff(tmp_path / "a.tif", dtype, xres, yres, unit)
    for meta in (read_header(path), read_image(path).meta):
        assert _same(meta.pixel_spacing, spacing), meta.pixel_spacing
        assert display_scale(meta) == pytest.approx(scale)
        assert (meta.width, meta.height) == (W, H)  # the size stays in stored pixels


def test_a_tiff_turned_a_quarter_swaps_its_axes(tmp_path):
    path = _tiff(tmp_path / "a.tif", np.uint16, 10, 20, "centimeter", orientation=6)
    meta = read_header(path)
    assert (meta.width, meta.height) == (H, W)
    assert meta.pixel_spacing == (1.0, 0.5, "mm") and display_scale(meta) == (1.0, 2.0)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("px, py, unit, spacing, scale", [
    (2000, 1000, 1, (1.0, 0.5, "mm"), (1.0, 2.0)),   # per metre: 0.5 mm wide, 1 mm high
    (1000, 2000, 1, (0.5, 1.0, "mm"), (2.0, 1.0)),
    (3, 1, 0, (3.0, 1.0, ""), (1.0, 3.0)),            # unit unknown: a bare ratio
    (2835, 2835, 1, None, (1.0, 1.0)),               # 72 dpi both ways: square
    (0, 1000, 1, None, (1.0, 1.0)),                  # a zero: damaged, square
])
def test_a_pngs_phys_gives_its_pixel_spacing(tmp_path, dtype, px, py, unit, spacing, scale):
    path = _png_phys(tmp_path / "a.png", px, py, unit, dtype)
    meta = read_image(path).meta
    assert display_scale(read_header(path)) == display_scale(meta) == pytest.approx(scale)
    assert _same(meta.pixel_spacing, spacing), meta.pixel_spacing


@pytest.mark.parametrize("xd, yd, unit, spacing, scale", [
    (100, 200, 1, (0.127, 0.254, "mm"), (2.0, 1.0)),
    (20, 10, 2, (1.0, 0.5, "mm"), (1.0, 2.0)),
    (1, 2, 0, (1.0, 2.0, ""), (2.0, 1.0)),          # JFIF's aspect ratio alone
    (1, 1, 0, None, (1.0, 1.0)),                     # the usual JFIF header: square
    (0, 200, 1, None, (1.0, 1.0)),                   # a zero density: square
])
def test_a_jpegs_jfif_density_gives_its_pixel_spacing(tmp_path, xd, yd, unit, spacing, scale):
    path = _jpeg(tmp_path / "a.jpg", xd, yd, unit)
    meta = read_header(path)
    assert display_scale(meta) == display_scale(read_image(path).meta) == pytest.approx(scale)
    assert _same(meta.pixel_spacing, spacing), meta.pixel_spacing


@pytest.mark.parametrize("xres, yres, unit", [
    (0, 10, "cm"), (-5, 10, "cm"), (float("nan"), 10, "cm"), ((10, 0), (20, 1), "cm"),
    (10, 20, "furlong"), (None, 10, "inch"), ("x", 10, "inch"),
])
def test_a_broken_resolution_is_square(xres, yres, unit):
    assert spacing_from_resolution(xres, yres, unit) is None


def test_rationals_and_units(tmp_path):
    assert spacing_from_resolution((20, 1), (40, 1), "cm") == (0.25, 0.5, "mm")
    assert spacing_from_resolution(254, 127, "inch") == (0.2, 0.1, "mm")


def test_the_viewer_line_says_the_spacing(tmp_path):
    path = _png_phys(tmp_path / "a.png", 2000, 1000, 1)
    assert spacing_text(read_image(path).meta) == "pixels 0.5 \u00d7 1 mm"
    path = _tiff(tmp_path / "b.tif", np.uint16, 1, 2, "none")
    assert spacing_text(read_header(path)) == "pixel aspect 2:1"


@pytest.mark.parametrize("make", [
    lambda p: _png_phys(p / "a.png", 1000, 2000, 1),
    lambda p: _png_phys(p / "a.png", 1000, 2000, 1, np.uint16),
    lambda p: _jpeg(p / "a.jpg", 10, 20, 2),
    lambda p: _tiff(p / "a.tif", np.uint8, 10, 20, "centimeter"),
    lambda p: _tiff(p / "a.tif", np.uint16, 10, 20, "centimeter"),
])
def test_the_thumbnail_is_stretched(tmp_path, make):
    # 80x60 pixels 1 mm wide, 0.5 mm high: 160x60 on screen, a 64x24 thumbnail
    thumb = make_thumbnail(make(tmp_path), 64)
    assert thumb.size == (64, 24)


def test_a_large_tiffs_reduced_thumbnail_is_stretched(tmp_path, monkeypatch):
    from llmvis_desktop.core.imaging import tiff_reduced

    monkeypatch.setattr(tiff_reduced, "REDUCE_FROM", 100)  # read strip by strip, as a 16 MP one
    path = tmp_path / "a.tif"
    arr = np.kron(_gray(np.uint16), np.ones((5, 5), np.uint16))  # 400 x 300, in strips of 16 rows
    tifffile.imwrite(path, arr, photometric="minisblack", resolution=(10, 20), resolutionunit="centimeter",
                     rowsperstrip=16)
    assert tiff_reduced.reduced_source(path, 64, None) is not None
    assert make_thumbnail(path, 64).size == (64, 24)


def test_a_jpeg_turned_a_quarter_has_its_thumbnail_stretched_along_the_shown_axes(tmp_path):
    path = _jpeg(tmp_path / "a.jpg", 10, 20, 2)  # 1 mm wide, 0.5 mm high as stored
    im = Image.open(path)
    exif = im.getexif()
    exif[0x0112] = 6  # shown turned: 60 wide, 80 high, pixels 0.5 mm wide, 1 mm high
    im.save(tmp_path / "b.jpg", quality=95, exif=exif.tobytes(), dpi=(10, 20))
    meta = read_header(tmp_path / "b.jpg")
    assert (meta.width, meta.height) == (H, W) and display_scale(meta) == (1.0, 2.0)
    assert make_thumbnail(tmp_path / "b.jpg", 64).size == (24, 64)  # 60 x 160 shown


def test_thumbnails_cached_before_are_made_again():
    """The cache's key holds no pixel spacing: the squashed thumbnails cached before are
    left behind only because the render version changed."""
    assert thumbs.RENDER_VERSION >= 8


def _dicom(path, signed: bool):
    """A 60x80 gray DICOM, Pixel Spacing 0.5\\1.0 mm (rows 0.5 mm apart, columns 1 mm)."""
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns = H, W
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, int(signed)
    for key in ("RescaleSlope", "RescaleIntercept"):
        if key in ds:
            del ds[key]
    ds.PixelSpacing = [0.5, 1.0]
    ds.WindowCenter, ds.WindowWidth = 500, 1000
    arr = _gray(np.int16 if signed else np.uint16) * 5
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=False)
    return path


@pytest.mark.parametrize("signed, name, suffix", [
    (False, None, ".tif"), (True, None, ".tif"),   # as the repair dialog saves it
    (False, "r.png", ".png"),                      # a PNG asked for (--out): its pHYs, per metre
])
def test_a_repaired_dicom_keeps_its_aspect(tmp_path, signed, name, suffix):
    src = _dicom(tmp_path / "us.dcm", signed)
    assert display_scale(read_header(src)) == (2.0, 1.0)
    mask = np.zeros((H, W), bool)
    mask[25:35, 35:45] = True
    out = apply_mod.repair_file(src, mask, method="telea", out=tmp_path / name if name else None).output_path
    assert out.suffix == suffix
    for meta in (read_header(out), read_image(out).meta):  # the grid's index, the viewer and dialog
        assert display_scale(meta) == pytest.approx(display_scale(read_header(src)))
        assert meta.pixel_spacing[:2] == pytest.approx((0.5, 1.0)) and meta.pixel_spacing[2] == "mm"
        assert spacing_text(meta) == spacing_text(read_header(src)) == "pixels 1 \u00d7 0.5 mm"
    assert make_thumbnail(out, 64).size == make_thumbnail(src, 64).size == (64, 24)


@pytest.mark.parametrize("tag, value, spacing", [
    ("ImagerPixelSpacing", [0.5, 1.0], ((0.5, 1.0), "mm")),      # a CR/DX plate's, no Pixel Spacing
    ("NominalScannedPixelSpacing", [0.5, 1.0], ((0.5, 1.0), "mm")),
    ("PixelAspectRatio", [1, 2], ((1.0, 2.0), "")),              # a bare ratio: a TIFF with no unit
])
def test_a_repaired_dicom_keeps_an_aspect_said_by_other_tags(tmp_path, tag, value, spacing):
    src = _dicom(tmp_path / "cr.dcm", False)
    ds = pydicom.dcmread(src)
    del ds["PixelSpacing"]
    setattr(ds, tag, value)
    ds.save_as(src, enforce_file_format=False)
    assert display_scale(read_header(src)) == (2.0, 1.0)
    mask = np.zeros((H, W), bool)
    mask[25:35, 35:45] = True
    out = apply_mod.repair_file(src, mask, method="telea").output_path
    for meta in (read_header(out), read_image(out).meta):
        assert display_scale(meta) == pytest.approx((2.0, 1.0))
        assert meta.pixel_spacing[:2] == pytest.approx(spacing[0]) and meta.pixel_spacing[2] == spacing[1]
    assert make_thumbnail(out, 64).size == make_thumbnail(src, 64).size == (64, 24)


@pytest.mark.parametrize("case", ["dicom-aspect-ratio", "png-phys-unit-0", "jpeg-jfif-unit-0", "png16-rgb"])
def test_a_bare_ratio_is_kept_in_a_repaired_png(tmp_path, case):
    """A ratio of no unit (Pixel Aspect Ratio 1\\2, a pHYs of unknown unit, a JFIF density of
    unit 0) saved as a PNG: Pillow writes pHYs only from dpi, and the repair came out square."""
    if case == "dicom-aspect-ratio":
        src = _dicom(tmp_path / "cr.dcm", False)
        ds = pydicom.dcmread(src)
        del ds["PixelSpacing"]
        ds.PixelAspectRatio = [1, 2]
        ds.save_as(src, enforce_file_format=False)
        out = tmp_path / "r.png"  # a PNG asked for (--out)
    elif case == "png-phys-unit-0":
        src, out = _png_phys(tmp_path / "a.png", 1, 2, 0), None
    elif case == "jpeg-jfif-unit-0":
        src, out = _jpeg(tmp_path / "a.jpg", 1, 2, 0), None
    else:  # 16-bit colour: the PNG the repair writes itself (Pillow writes none)
        src = tmp_path / "rgb16.tif"
        rgb = np.stack([_gray(np.uint16) * 200] * 3, axis=-1)
        tifffile.imwrite(src, rgb, photometric="rgb", resolution=(1, 2), resolutionunit="none")
        out = tmp_path / "r.png"
    assert display_scale(read_header(src)) == (2.0, 1.0)
    mask = np.zeros((H, W), bool)
    mask[25:35, 35:45] = True
    got = apply_mod.repair_file(src, mask, method="telea", out=out).output_path
    assert got.suffix == ".png"
    assert Image.open(got).info.get("aspect") == (1, 2)
    for meta in (read_header(got), read_image(got).meta):
        assert display_scale(meta) == pytest.approx((2.0, 1.0))
        assert meta.pixel_spacing[:2] == pytest.approx((1.0, 2.0)) and meta.pixel_spacing[2] == ""
    assert make_thumbnail(got, 64).size == make_thumbnail(src, 64).size == (64, 24)


def test_a_png_keeps_one_phys_and_a_unit_wins():
    from llmvis_desktop.core.repair.png_ratio import bare_ratio, with_ratio
    from llmvis_desktop.core.repair.save import encode

    assert bare_ratio({"resolution": (1.0, 0.5), "resolutionunit": 1}) == (2, 1)
    assert bare_ratio({"resolution": ((1, 3), (1, 1)), "resolutionunit": 1}) == (1, 3)
    assert bare_ratio({"resolution": (100, 200), "resolutionunit": 2}) is None  # a unit: dpi says it
    data = encode(_gray(), "png", tiff_meta={"resolution": (100, 200), "resolutionunit": 2})
    assert data.count(b"pHYs") == 1 and "aspect" not in Image.open(io.BytesIO(data)).info
    twice = with_ratio(with_ratio(data, (1, 2)), (3, 1))
    assert twice.count(b"pHYs") == 1
    im = Image.open(io.BytesIO(twice))
    assert im.info.get("aspect") == (3, 1) and "dpi" not in im.info
    assert np.array_equal(np.asarray(im), _gray())
