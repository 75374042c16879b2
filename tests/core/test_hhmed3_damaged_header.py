"""A DICOM header damaged in place (a flipped byte of a disc's bad sector): an element
whose length is no whole number of its values, or whose value representation is none
DICOM has, is a damaged image that says so.

pydicom raised its own BytesLengthException and NotImplementedError when such an element
was first read (Rows, Columns): the index said "unexpected error: ...", and ``llmvis
export`` of the whole project failed on the file."""
from __future__ import annotations

import shutil

import pydicom.data
import pytest

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image
from llmvis_desktop.core.interchange import export_project

from interchange_helpers import open_scanned


def _odd_length(path) -> None:
    """rtdose.dcm (implicit VR) whose Rows (US) is 3 bytes long."""
    data = open(pydicom.data.get_testdata_file("rtdose.dcm", download=False), "rb").read()
    at = data.find(bytes.fromhex("2800100002000000"))
    assert at > 0
    path.write_bytes(data[:at] + bytes.fromhex("2800100003000000") + data[at + 8:at + 10] + b"\0" + data[at + 10:])


def _unknown_vr(path) -> None:
    """MR_small.dcm (explicit VR) whose Columns says VR 'UX'."""
    data = open(pydicom.data.get_testdata_file("MR_small.dcm", download=False), "rb").read()
    at = data.find(bytes.fromhex("28001100") + b"US")
    assert at > 0
    path.write_bytes(data[:at + 4] + b"UX" + data[at + 6:])


@pytest.mark.parametrize("damage", [_odd_length, _unknown_vr])
def test_a_damaged_element_is_a_damaged_image(tmp_path, damage):
    path = tmp_path / "damaged.dcm"
    damage(path)
    for read in (read_header, read_image):
        with pytest.raises(ImageReadError) as exc:
            read(path)
        assert exc.value.reason.startswith("truncated or corrupt image data (DICOM: "), exc.value.reason


def test_the_index_and_export_go_on(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _odd_length(folder / "dose.dcm")
    _unknown_vr(folder / "mr.dcm")
    shutil.copyfile(pydicom.data.get_testdata_file("CT_small.dcm", download=False), folder / "ct.dcm")
    p = open_scanned(folder)
    try:
        p.read_headers()
        errors = {r["path"]: r["error"] for r in p.info()["unreadable"]}
        assert sorted(errors) == ["dose.dcm", "mr.dcm"], errors
        assert not any("unexpected error" in e for e in errors.values()), errors
        export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1
