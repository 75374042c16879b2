"""An RT Dose object stores integers that the Dose Grid Scaling turns into dose (Gy): the
viewer read out the stored integer under the mouse ("(10, 5) = 41237"), which no one
reading a dose grid can use. It now says the dose beside it, "(10, 5) = 41237 (2.06 Gy)",
and its info line says how values become dose; other objects read out as before."""
from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from llmvis_desktop.core.imaging import read_header, read_image
from llmvis_desktop.qt.widgets.viewer_display import pixel_text


def _write(path, modality="RTDOSE", **tags) -> np.ndarray:
    ds = copy.deepcopy(pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False)))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality = modality
    ds.Rows, ds.Columns = 20, 30
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 32, 32, 31, 0
    for key in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth", "PixelSpacing"):
        if key in ds:
            del ds[key]
    for key, value in tags.items():
        setattr(ds, key, value)
    arr = np.zeros((20, 30), np.uint32)
    arr[5, 10] = 41237
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=False)
    return arr


def _settle(qtbot):
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def test_the_dose_under_the_mouse_is_said_in_gy(viewer, qtbot, tmp_path):
    path = tmp_path / "dose.dcm"
    _write(path, DoseGridScaling=5e-5, DoseUnits="GY")
    data = read_image(path)
    assert data.meta.dose_scale == (5e-5, "Gy")
    viewer.show_image(data)
    _settle(qtbot)
    viewer._hover(QPointF(10.5, 5.5))
    text = viewer.status_text()
    assert "(10, 5) = 41237 (2.06 Gy)" in text, text
    assert "dose = value \u00d7 5e-05 Gy" in text, text
    viewer._hover(QPointF(0.5, 0.5))
    assert "(0, 0) = 0 (0 Gy)" in viewer.status_text()
    viewer.grab().save(str(tmp_path / "dose_viewer.png"))


@pytest.mark.parametrize("modality, tags", [
    ("CT", {"DoseGridScaling": 5e-5}),  # not a dose object
    ("RTDOSE", {}),  # no scaling
    ("RTDOSE", {"DoseGridScaling": 0}),  # a damaged one
])
def test_other_objects_read_out_as_before(tmp_path, modality, tags):
    path = tmp_path / "x.dcm"
    _write(path, modality, **tags)
    meta = read_header(path)
    assert meta.dose_scale is None
    assert pixel_text(read_image(path).pixels, 10.5, 5.5, meta.dose_scale) == "(10, 5) = 41237"


def test_relative_dose_says_so(tmp_path):
    path = tmp_path / "rel.dcm"
    _write(path, DoseGridScaling=0.001, DoseUnits="RELATIVE")
    meta = read_header(path)
    assert pixel_text(read_image(path).pixels, 10, 5, meta.dose_scale) == "(10, 5) = 41237 (41.2 relative)"
