"""Presentation LUT Shape (2050,0020) INVERSE: the output after the window is inverted
(PS3.3 C.11.6.1.2: P-Value = maximum - output). A MONOCHROME2 radiograph that says INVERSE
was shown as if it said nothing: bone black, air white, its thumbnail too.

MONOCHROME1 images must say INVERSE (PS3.3 C.8.11.7: "INVERSE ... shall be used if
Photometric Interpretation is MONOCHROME1"): the two describe one inversion, so such an
image is inverted once, as MONOCHROME1 alone is (not twice, back to black on white)."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from llmvis_desktop.core.imaging import make_thumbnail, read_image


def _ramp() -> np.ndarray:
    """Low values on the left, high on the right."""
    return np.tile(np.linspace(0, 4000, 96).astype(np.uint16), (64, 1))


def _write(path, photometric: str, shape: str | None, window: bool = True, lut: bool = False) -> None:
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality = "DX"
    ds.Rows, ds.Columns = 64, 96
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    for key in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth"):
        if key in ds:
            del ds[key]
    if window:
        ds.WindowCenter, ds.WindowWidth = 2000, 4000
    if lut:  # a linear VOI LUT over 0..4095, 12-bit output
        item = pydicom.Dataset()
        item.LUTDescriptor = [4096, 0, 12]
        item["LUTDescriptor"].VR = "US"
        item.LUTData = list(range(4096))
        item["LUTData"].VR = "US"
        ds.VOILUTSequence = pydicom.Sequence([item])
    if shape is not None:
        ds.PresentationLUTShape = shape
    ds.PixelData = _ramp().tobytes()
    ds.save_as(path, enforce_file_format=False)


def _dark_left(display: np.ndarray) -> bool:
    return int(display[:, :8].mean()) < int(display[:, -8:].mean())


@pytest.mark.parametrize("window, lut", [(True, False), (False, False), (False, True)])
def test_inverse_on_monochrome2_shows_low_values_white(tmp_path, window, lut):
    plain, inverse = tmp_path / "plain.dcm", tmp_path / "inverse.dcm"
    _write(plain, "MONOCHROME2", None, window, lut)
    _write(inverse, "MONOCHROME2", "INVERSE", window, lut)
    a, b = read_image(plain), read_image(inverse)
    assert _dark_left(a.display)
    assert not _dark_left(b.display)
    np.testing.assert_array_equal(b.display, 255 - a.display)
    assert b.meta.inverted and not a.meta.inverted
    np.testing.assert_array_equal(a.pixels, b.pixels)  # the values stay as stored


def test_identity_changes_nothing(tmp_path):
    plain, identity = tmp_path / "plain.dcm", tmp_path / "identity.dcm"
    _write(plain, "MONOCHROME2", None)
    _write(identity, "MONOCHROME2", "IDENTITY")
    np.testing.assert_array_equal(read_image(plain).display, read_image(identity).display)


def test_monochrome1_with_inverse_is_inverted_once(tmp_path):
    m1, m1_inverse = tmp_path / "m1.dcm", tmp_path / "m1inv.dcm"
    _write(m1, "MONOCHROME1", None)
    _write(m1_inverse, "MONOCHROME1", "INVERSE")
    a, b = read_image(m1), read_image(m1_inverse)
    assert not _dark_left(a.display)
    np.testing.assert_array_equal(a.display, b.display)


def test_the_thumbnail_and_another_window_are_inverted_too(tmp_path):
    path = tmp_path / "inverse.dcm"
    _write(path, "MONOCHROME2", "INVERSE")
    thumb = np.asarray(make_thumbnail(path, 48).convert("L"))
    assert not _dark_left(thumb)
    other = read_image(path, window=(1000.0, 2000.0))  # a window the reviewer chose
    assert not _dark_left(other.display)
