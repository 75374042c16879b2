"""A DICOM whose pixels are not square (Pixel Spacing 0.5\\1.0 mm: rows 0.5 mm apart,
columns 1 mm; or Pixel Aspect Ratio 1\\2) was shown one pixel per pixel: squashed to half
its width. Its thumbnail is now stretched to the physical shape; its pixels, and so
exports, masks and boxes, stay as stored."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging.aspect import display_scale, spacing_text


def write_us(path, rows=60, cols=80, **tags) -> np.ndarray:
    """A gray DICOM of ``rows`` x ``cols`` with a bright square of 20 x 20 *pixels* at
    (row 20, column 30) on a dark ground; ``tags`` set on it as given."""
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns = rows, cols
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    for key in ("PixelSpacing", "RescaleSlope", "RescaleIntercept"):
        if key in ds:
            del ds[key]
    ds.WindowCenter, ds.WindowWidth = 500, 1000
    for key, value in tags.items():
        setattr(ds, key, value)
    arr = np.zeros((rows, cols), np.uint16)
    arr[20:40, 30:50] = 1000
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=False)
    return arr


@pytest.mark.parametrize("tags, spacing, scale", [
    ({"PixelSpacing": [0.5, 1.0]}, (0.5, 1.0, "mm"), (2.0, 1.0)),     # columns 1 mm apart: stretched across
    ({"PixelSpacing": [0.6, 0.3]}, (0.6, 0.3, "mm"), (1.0, 2.0)),     # rows 0.6 mm apart: stretched down
    ({"ImagerPixelSpacing": [0.2, 0.1]}, (0.2, 0.1, "mm"), (1.0, 2.0)),
    ({"PixelAspectRatio": [1, 2]}, (1.0, 2.0, ""), (2.0, 1.0)),
    ({"PixelSpacing": [0.5, 0.5]}, (0.5, 0.5, "mm"), (1.0, 1.0)),     # square: as before
    ({"PixelSpacing": [0.001, 100]}, (0.001, 100.0, "mm"), (1.0, 1.0)),  # implausible: as stored
    ({}, None, (1.0, 1.0)),
])
def test_the_spacing_is_read_and_gives_the_stretch(tmp_path, tags, spacing, scale):
    path = tmp_path / "a.dcm"
    write_us(path, **tags)
    meta = read_header(path)
    assert meta.pixel_spacing == spacing
    assert display_scale(meta) == pytest.approx(scale)
    assert (meta.width, meta.height) == (80, 60)  # the index's size stays in pixels
    assert bool(spacing_text(meta)) == (scale != (1.0, 1.0))


def test_the_text_says_width_then_height(tmp_path):
    path = tmp_path / "a.dcm"
    write_us(path, PixelSpacing=[0.5, 1.0])
    assert spacing_text(read_header(path)) == "pixels 1 \u00d7 0.5 mm"


def test_an_ultrasound_region_calibration_counts(tmp_path):
    region = pydicom.Dataset()
    region.PhysicalUnitsXDirection, region.PhysicalUnitsYDirection = 3, 3  # cm
    region.PhysicalDeltaX, region.PhysicalDeltaY = 0.02, 0.01
    path = tmp_path / "us.dcm"
    write_us(path, SequenceOfUltrasoundRegions=pydicom.Sequence([region]))
    meta = read_header(path)
    assert meta.pixel_spacing[:2] == pytest.approx((0.1, 0.2)) and meta.pixel_spacing[2] == "mm"
    assert display_scale(meta) == pytest.approx((2.0, 1.0))


def test_the_pixels_stay_as_stored(tmp_path):
    path = tmp_path / "a.dcm"
    arr = write_us(path, PixelSpacing=[0.5, 1.0])
    data = read_image(path)
    np.testing.assert_array_equal(data.pixels, arr)
    assert data.display.shape == arr.shape


def test_the_thumbnail_has_the_physical_shape(tmp_path):
    path = tmp_path / "a.dcm"
    write_us(path, PixelSpacing=[0.5, 1.0])  # 80 x 60 pixels, each 1 mm wide, 0.5 mm high: 80 x 30 mm
    thumb = make_thumbnail(path, 64)
    assert thumb.size == (64, 24), thumb.size  # 160:60, as 80 mm : 30 mm
    a = np.asarray(thumb.convert("L"))
    ys, xs = np.nonzero(a > 128)
    # the 20 x 20 pixel square is 20 mm wide, 10 mm high: twice as wide as high on screen
    assert (xs.max() - xs.min() + 1) == pytest.approx(2 * (ys.max() - ys.min() + 1), abs=2)
    square = tmp_path / "b.dcm"
    write_us(square, PixelSpacing=[0.5, 0.5])
    assert make_thumbnail(square, 64).size == (64, 48)  # square pixels: as before
