"""An image whose Recognizable Visual Features (0028,0302) is YES (a CT's 3D rendering of
the face, a clinical photograph) is de-identified in its tags only: the export says the
pixels may identify the patient, for the DICOM it writes and for its 8-bit PNG, as it says
of burned-in text. It said nothing of it."""
from __future__ import annotations

import pydicom
import pydicom.data
import pytest

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.interchange.anonymize import UidMapper, anonymize_dataset

from interchange_helpers import open_scanned


def _ct(**tags):
    ds = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm", download=False))
    for key, value in tags.items():
        setattr(ds, key, value)
    return ds


def test_the_flag_is_warned_of():
    said = anonymize_dataset(_ct(RecognizableVisualFeatures="YES"), UidMapper("k"))
    assert any("RecognizableVisualFeatures is YES" in w and "identify" in w for w in said), said
    assert anonymize_dataset(_ct(RecognizableVisualFeatures="NO"), UidMapper("k")) == []
    assert anonymize_dataset(_ct(), UidMapper("k")) == []


@pytest.mark.parametrize("as_png", [False, True])
def test_the_export_says_it(tmp_path, as_png):
    folder = tmp_path / "study"
    folder.mkdir()
    _ct(RecognizableVisualFeatures="YES").save_as(folder / "face.dcm")
    p = open_scanned(folder)
    try:
        p.read_headers()
        report = export_project(p, "jsonl", tmp_path / "out", ExportOptions(images_8bit=as_png))
    finally:
        p.close()
    said = [w for w in report.warnings if "RecognizableVisualFeatures is YES" in w]
    assert len(said) == 1 and said[0].startswith("anon/"), report.warnings
