"""A DICOM file whose Transfer Syntax UID is none the standard defines (GE's private
"Implicit VR Big Endian" 1.2.840.113619.5.2 of old Signa scanners, or a damaged value)
is an unreadable image that says so, naming the UID.

pydicom's ``UID.is_compressed`` raised "ValueError: UID is not a transfer syntax." from
the header read: the index said "unexpected error: ValueError: ...", the viewer the same,
and ``llmvis export`` of the whole project failed on it."""
from __future__ import annotations

import shutil

import pydicom
import pydicom.data
import pytest
from pydicom.uid import UID

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image
from llmvis_desktop.core.interchange import export_project

from interchange_helpers import open_scanned

PRIVATE = "1.2.840.113619.5.2"


def _private(path, uid: str = PRIVATE) -> None:
    ds = pydicom.dcmread(pydicom.data.get_testdata_file("MR_small.dcm", download=False))
    if uid == PRIVATE:
        ds.file_meta.TransferSyntaxUID = UID(uid)
        ds.save_as(path, enforce_file_format=False)
        return
    ds.save_as(path, enforce_file_format=False)  # then its transfer syntax damaged in place
    data = path.read_bytes()
    explicit = b"1.2.840.10008.1.2.1\0"
    assert len(uid) + 1 == len(explicit) and explicit in data
    path.write_bytes(data.replace(explicit, uid.encode() + b"\0", 1))


@pytest.mark.parametrize("uid", [PRIVATE, "1.2.840.10008.1.2.7"])
def test_an_unknown_transfer_syntax_is_said(tmp_path, uid):
    path = tmp_path / "signa.dcm"
    _private(path, uid)
    for read in (read_header, read_image):
        with pytest.raises(ImageReadError) as exc:
            read(path)
        assert uid in exc.value.reason and "transfer syntax" in exc.value.reason, exc.value.reason
        assert not exc.value.reason.startswith("compressed DICOM")  # (no decoder to install for it)


def test_the_index_and_export_go_on(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _private(folder / "signa.dcm")
    shutil.copyfile(pydicom.data.get_testdata_file("CT_small.dcm", download=False), folder / "ct.dcm")
    p = open_scanned(folder)
    try:
        p.read_headers()
        errors = {r["path"]: r["error"] for r in p.info()["unreadable"]}
        assert list(errors) == ["signa.dcm"] and PRIVATE in errors["signa.dcm"], errors
        assert "unexpected error" not in errors["signa.dcm"]
        export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1
