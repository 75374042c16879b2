"""A CT with no window tags is shown through its min/max; the pixels outside the scanner's
circular field of view carry the Pixel Padding Value (often -2000 or -3024 HU), which is
no measurement. Counted in the min/max they took a third of the window: air and lung
showed as the same mid gray, the body washed out (a DICOM viewer leaves padding out)."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from llmvis_desktop.core.imaging.reader import read_image

YY, XX = np.mgrid[0:128, 0:128]
BODY = (XX - 64) ** 2 + (YY - 64) ** 2 < 45 ** 2
LUNG = (XX - 50) ** 2 + (YY - 64) ** 2 < 12 ** 2
BONE = (XX - 64) ** 2 + (YY - 30) ** 2 < 6 ** 2
FOV = (XX - 64) ** 2 + (YY - 64) ** 2 < 62 ** 2


def _hu() -> np.ndarray:
    hu = np.full((128, 128), -1000, np.int16)  # air inside the field of view
    hu[BODY] = 40
    hu[LUNG] = -850
    hu[BONE] = 900
    return hu


def _write(path, *, signed: bool, padding: int, range_limit: int | None = None, fill=None) -> None:
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows = ds.Columns = 128
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1 if signed else 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    for key in ("WindowCenter", "WindowWidth"):
        if key in ds:
            del ds[key]
    stored = (_hu().astype(np.int32) + 1024)
    stored[~FOV] = padding if fill is None else fill
    ds.PixelPaddingValue = padding
    ds["PixelPaddingValue"].VR = "SS" if signed else "US"
    if range_limit is not None:
        ds.PixelPaddingRangeLimit = range_limit
        ds["PixelPaddingRangeLimit"].VR = "SS" if signed else "US"
    ds.PixelData = stored.astype(np.int16 if signed else np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=False)


def _check(path) -> None:
    data = read_image(path)
    center, width = data.window
    # the window spans the measured values only: air -1000 .. bone 900
    assert (center, width) == (-50.0, 1900.0), data.window
    shown = data.display
    air, lung = int(shown[64, 12]), int(shown[64, 50])
    assert air == 0 and lung > 10, (air, lung)  # air black, the lung apart from it
    assert int(shown[64, 80]) > 120 and int(shown[30, 64]) == 255  # body mid gray, bone white
    assert int(shown[0, 0]) == 0  # the padding outside the field of view: black


def test_padding_is_left_out_of_the_min_max_window(tmp_path):
    path = tmp_path / "ct.dcm"
    _write(path, signed=True, padding=-2000)
    _check(path)


def test_unsigned_padding_and_a_padding_range(tmp_path):
    one = tmp_path / "unsigned.dcm"
    _write(one, signed=False, padding=0)  # stored 0: -1024 HU, below the air inside
    _check(one)
    ranged = tmp_path / "ranged.dcm"  # padding from -3000 up to -2000 (stored), filled -2500
    _write(ranged, signed=True, padding=-3000, range_limit=-2000, fill=-2500)
    _check(ranged)
    # an image all padding (a blank slice) still reads, through the min/max of its values
    blank = tmp_path / "blank.dcm"
    ds = pydicom.dcmread(one)
    ds.PixelData = np.zeros((128, 128), np.uint16).tobytes()
    ds.save_as(blank, enforce_file_format=False)
    data = read_image(blank)
    assert data.display.shape == (128, 128) and data.window[1] > 0
