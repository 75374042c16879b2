"""A frame of a multi-frame DICOM is read alone: stepping through an Enhanced CT's slices
or an ultrasound cine loop (``]``), and each thumbnail, read the whole pixel data of the
file to decode one frame (a 105 MB file of 200 frames of 512x512 held 112 MB for one
frame of 0.5 MB). The frame read alone is the same pixels, and a damaged file says what
it said."""
from __future__ import annotations

import copy
import os
import tracemalloc

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from llmvis_desktop.core.imaging import ImageReadError, read_image

FRAMES, SIDE = 128, 256


def _multi_frame(path, frames=FRAMES, *, meta=True) -> np.ndarray:
    """A plain 16-bit gray multi-frame file, frame k all of value 100 k + its row."""
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows = ds.Columns = SIDE
    ds.NumberOfFrames = frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    for key in ("WindowCenter", "WindowWidth"):
        if key in ds:
            del ds[key]
    rows = np.arange(SIDE, dtype=np.uint16)[None, :, None]
    arr = (np.arange(frames, dtype=np.uint16)[:, None, None] * 100 + rows + np.zeros((1, 1, SIDE), np.uint16))
    ds.PixelData = arr.tobytes()
    if not meta:  # ACR-NEMA style: no preamble, no file meta (its transfer syntax guessed)
        del ds.file_meta
        ds.preamble = None
        ds.save_as(path, implicit_vr=True, little_endian=True, enforce_file_format=False)
    else:
        ds.save_as(path, enforce_file_format=False)
    return arr


def test_one_frame_is_read_without_the_others(tmp_path):
    path = tmp_path / "enhanced.dcm"
    arr = _multi_frame(path)
    whole = os.path.getsize(path)
    read_image(path, frame=1)  # (pydicom's and numpy's first-use allocations out of the count)
    tracemalloc.start()
    try:
        data = read_image(path, frame=37)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(data.pixels, arr[37])
    assert data.frame == 37 and data.meta.frames == FRAMES
    # one frame is 128 KB of a 17 MB file: its read holds a few frames' worth, never the file
    assert peak < whole / 4, f"reading one frame held {peak / 1e6:.1f} MB of a {whole / 1e6:.1f} MB file"


def test_no_file_meta_frame(tmp_path):
    path = tmp_path / "acr_nema.dcm"
    arr = _multi_frame(path, frames=5, meta=False)
    assert open(path, "rb").read(132)[128:132] != b"DICM"
    np.testing.assert_array_equal(read_image(path, frame=3).pixels, arr[3])


@pytest.mark.parametrize("name", ["rtdose_expb.dcm", "rtdose_rle.dcm", "SC_rgb_rle_2frame.dcm",
                                  "SC_rgb_rle_16bit_2frame.dcm", "examples_ybr_color.dcm"])
def test_frames_alone_are_the_files_frames(name):
    """Big endian, RLE, 16-bit RGB, a JPEG cine loop: the last frame and a middle one are
    pydicom's frames of the whole pixel data."""
    path = get_testdata_file(name, download=False)
    ds = pydicom.dcmread(path)
    whole = ds.pixel_array
    for frame in (len(whole) - 1, len(whole) // 2):
        got = read_image(path, frame=frame).pixels
        np.testing.assert_array_equal(got, whole[frame])


def test_cut_multi_frame_says_how_short(tmp_path):
    path = tmp_path / "cut.dcm"
    _multi_frame(path, frames=6)
    data = open(path, "rb").read()
    cut = tmp_path / "cut_short.dcm"
    cut.write_bytes(data[:len(data) - SIDE * SIDE])  # the last frame half gone
    with pytest.raises(ImageReadError) as exc:
        read_image(cut, frame=0)
    assert "truncated or corrupt" in exc.value.reason
    assert f"needs {6 * SIDE * SIDE * 2} bytes" in exc.value.reason


def test_frame_out_of_range_is_said(tmp_path):
    path = tmp_path / "few.dcm"
    _multi_frame(path, frames=3)
    with pytest.raises(ImageReadError) as exc:
        read_image(path, frame=3)
    assert "frame" in exc.value.reason and "3" in exc.value.reason
