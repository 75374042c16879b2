"""A DICOM image that reads and shows fine but holds one damaged element outside what the
viewer reads (Slice Thickness whose VR byte was flipped to "PS") cannot be de-identified
element by element: the export skips it with a warning that quotes none of its values,
and writes the rest.

pydicom's NotImplementedError ("Unknown Value Representation 'PS' in tag (0018,0050)")
came out of the de-identification and the whole export failed (64 of 1,307 readable files
with one to three flipped header bytes did so)."""
from __future__ import annotations

import shutil

import pydicom
import pydicom.data

from llmvis_desktop.core.imaging import read_header, read_image
from llmvis_desktop.core.interchange import export_project

from interchange_helpers import open_scanned


def _damaged(path) -> None:
    data = open(pydicom.data.get_testdata_file("CT_small.dcm", download=False), "rb").read()
    at = data.find(bytes.fromhex("18005000") + b"DS")
    assert at > 0
    path.write_bytes(data[:at + 4] + b"PS" + data[at + 6:])


def test_a_damaged_element_skips_that_image_only(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _damaged(folder / "ct_damaged.dcm")
    read_header(folder / "ct_damaged.dcm")  # it reads and shows: the index lists it
    read_image(folder / "ct_damaged.dcm")
    shutil.copyfile(pydicom.data.get_testdata_file("MR_small.dcm", download=False), folder / "mr.dcm")
    p = open_scanned(folder)
    try:
        p.read_headers()
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    written = list((tmp_path / "out").rglob("*.dcm"))
    assert len(written) == 1 and pydicom.dcmread(written[0]).Rows == 64
    skipped = [w for w in report.warnings if "could not be de-identified" in w and "not exported" in w]
    assert len(skipped) == 1 and skipped[0].startswith("anon/"), report.warnings
    assert not list((tmp_path / "out").rglob("*.part"))
