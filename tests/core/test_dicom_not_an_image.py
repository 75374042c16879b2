"""A DICOM object that is no image (a structured report, an RT structure set or plan, an
encapsulated PDF) sits beside the images of many exports. The index listed it with the
bare reason "DICOM has no pixel data", the same words as a damaged image's, so a reviewer
took a radiology report for a broken scan; the reason now says what the object is."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from llmvis_desktop.core.imaging.errors import NO_PIXEL_DATA
from llmvis_desktop.core.project import Project

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def _report(path) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = BASIC_TEXT_SR
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = BASIC_TEXT_SR, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.ValueType = "SR", "CONTAINER"
    ds.save_as(path, enforce_file_format=False)


def test_a_report_and_a_structure_set_say_what_they_are(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _report(folder / "report.dcm")
    shutil.copy(get_testdata_file("rtstruct.dcm", download=False), folder / "contours.dcm")
    shutil.copy(get_testdata_file("CT_small.dcm", download=False), folder / "ct.dcm")
    with Project.open(folder) as p:
        p.index()
        why = dict(p.unreadable_files())
    assert set(why) == {"report.dcm", "contours.dcm"}, why
    for name, kind, modality in (("report.dcm", "Basic Text SR", "SR"),
                                 ("contours.dcm", "RT Structure Set", "RTSTRUCT")):
        reason = why[name]
        assert reason.startswith(NO_PIXEL_DATA), reason  # first, as every tile and line begins
        assert kind in reason and f"modality {modality}" in reason and "not an image" in reason, reason


def test_an_image_object_without_its_pixels_is_not_called_no_image(tmp_path):
    """A CT slice whose rows, columns and pixels were stripped (a cut-down copy, a header
    kept for its tags) is an image object that lost its image: "CT Image object, not an
    image" contradicted itself."""
    import pydicom

    folder = tmp_path / "study"
    folder.mkdir()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    for key in ("Rows", "Columns", "PixelData"):
        del ds[key]
    ds.save_as(folder / "stripped.dcm", enforce_file_format=False)
    with Project.open(folder) as p:
        p.index()
        reason = dict(p.unreadable_files())["stripped.dcm"]
    assert reason.startswith(NO_PIXEL_DATA) and "CT Image object" in reason, reason
    assert "not an image" not in reason and "its image is missing" in reason, reason
