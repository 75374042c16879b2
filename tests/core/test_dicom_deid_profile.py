"""The de-identified DICOM export against PS3.15 Annex E, Table E.1-1 as data
(``deid_table``): every attribute of the table, at the top level and nested in a kept
sequence, comes out removed or emptied; dates, times and free text no list names go by
rule; the file meta keeps only what the file format needs."""
from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_description, dictionary_VR
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from llmvis_desktop.core.interchange import deid_table, export_project
from llmvis_desktop.core.interchange.anonymize import UidMapper, anonymize_file

from interchange_helpers import ct_small, open_scanned

#: The project keeps the study's, series', acquisition's and content's dates and times.
KEPT_DATES = ("StudyDate", "StudyTime", "SeriesDate", "SeriesTime", "AcquisitionDate",
              "AcquisitionTime", "AcquisitionDateTime", "ContentDate", "ContentTime")
#: Type 2 attributes kept present and empty (Z).
EMPTIED = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "ReferringPhysicianName",
           "AccessionNumber", "StudyID")


def _item(**values) -> Dataset:
    item = Dataset()
    for key, value in values.items():
        setattr(item, key, value)
    return item


def _secret_item(n: int) -> Dataset:
    item = _item(CodeValue=f"SECRET{n}c", CodingSchemeDesignator="L", CodeMeaning=f"SECRET{n}m")
    item.add_new(0x00401101, "SQ", Sequence([_item(CodeValue=f"SECRET{n}p", CodingSchemeDesignator="L",
                                                  CodeMeaning="x")]))
    return item


def _value(vr: str, n: int):
    """A value of ``vr`` that names itself (``SECRET<n>``) where the VR lets it."""
    vr = vr.split(" or ")[0]
    text = f"SECRET{n}"
    return {
        "SQ": lambda: Sequence([_secret_item(n)]), "DA": lambda: "19010102", "TM": lambda: "010203",
        "DT": lambda: "19010102010203", "UI": lambda: f"1.2.999.{n}", "PN": lambda: f"SECRET{n}^X",
        "AE": lambda: text[:16], "CS": lambda: f"SECRET{n}", "AS": lambda: "042Y", "DS": lambda: "4242.5",
        "IS": lambda: "424242", "US": lambda: 4242, "SS": lambda: 4242, "UL": lambda: 424242,
        "SL": lambda: 424242, "FL": lambda: 4242.5, "FD": lambda: 4242.5, "AT": lambda: 0x00100010,
        "OB": lambda: text.encode().ljust(16, b"\0"), "OW": lambda: text.encode().ljust(16, b"\0"),
        "UN": lambda: text.encode().ljust(16, b"\0"), "UR": lambda: f"http://{text}.example",
    }.get(vr, lambda: text)()


def _table_tags(actions) -> list[tuple[int, str]]:
    out = []
    for tag_text, action, name in deid_table.rows():
        tag = deid_table.parse_tag(tag_text)
        if tag is None or action not in actions or tag >> 16 in (0x0000, 0x0002, 0x0004, 0xFFFC):
            continue  # command, file meta and directory groups: not in a stored dataset
        out.append((tag, name))
    return out


def test_the_table_is_well_formed_and_names_what_pydicom_names():
    rows = deid_table.rows()
    assert len(rows) > 450
    assert {action for _, action, _ in rows} <= deid_table.ACTIONS
    seen = set()
    for tag_text, _, name in rows:
        tag = deid_table.parse_tag(tag_text)
        assert tag_text not in seen, tag_text
        seen.add(tag_text)
        if tag is not None:
            def norm(s):
                return "".join(c for c in s.lower() if c.isalnum())
            assert norm(dictionary_description(tag)) == norm(name), tag_text


def _save(ds: Dataset, tmp_path):
    src, dst = tmp_path / "src.dcm", tmp_path / "dst.dcm"
    ds.save_as(src)
    anonymize_file(src, dst, UidMapper("k"))
    return dst


def test_every_table_attribute_is_removed_or_emptied_at_every_level(tmp_path):
    """Contribution Description, Acquisition Protocol Description, the performed and
    scheduled procedure steps' dates, the author observer and custodial organization
    sequences, GPS and lens tags... went out in a file stamped PatientIdentityRemoved:
    the lists were hand-picked, not the table's."""
    ds = pydicom.dcmread(ct_small())
    original = ds.pixel_array.copy()
    kept = {k: ds.get(k) for k in ("StudyDate", "StudyTime", "SeriesDate", "AcquisitionDate", "ContentDate")}
    rows = [(t, n) for t, n in _table_tags(deid_table.REMOVING | {"Z"})
            if pydicom.datadict.keyword_for_tag(t) not in KEPT_DATES]
    nested = _item(ReferencedSOPClassUID=ds.SOPClassUID, ReferencedSOPInstanceUID=ds.SOPInstanceUID)
    for n, (tag, _) in enumerate(rows):
        vr = dictionary_VR(tag)
        ds.add_new(tag, vr.split(" or ")[0], _value(vr, n))
        nested.add_new(tag, vr.split(" or ")[0], _value(vr, n + 1000))
    ds.ReferencedImageSequence = Sequence([nested])  # X/Z/U*: kept, its UIDs remapped
    ds.add_new(0xFFFCFFFC, "OB", b"SECRET-padding")
    ds.AcquisitionDateTime = "20200101101010"
    out = pydicom.dcmread(_save(ds, tmp_path))
    data = (tmp_path / "dst.dcm").read_bytes()
    assert b"SECRET" not in data
    assert out.ReferencedImageSequence[0].ReferencedSOPInstanceUID == out.SOPInstanceUID
    for level, where in ((out, "top"), (out.ReferencedImageSequence[0], "nested")):
        left = [f"{where} {name}" for tag, name in rows if tag in level and level[tag].value not in ("", None, [])
                and not (level[tag].VR == "SQ" and len(level[tag].value) == 0)]
        assert not left, left
    for name in EMPTIED:
        assert name in out and not str(out[name].value or ""), name
    assert "DataSetTrailingPadding" not in out
    # what reading and labelling the image needs, and the dates the project keeps
    assert np.array_equal(out.pixel_array, original)
    assert out.Modality == "CT" and out.SOPClassUID == ds.SOPClassUID and list(out.ImageType) == list(ds.ImageType)
    assert out.SOPInstanceUID == UidMapper("k")(ds.SOPInstanceUID)
    assert {k: out.get(k) for k in kept} == kept and out.AcquisitionDateTime == "20200101101010"
    assert out.PatientIdentityRemoved == "YES"


def test_dates_and_times_no_list_names_go_except_the_kept_ones(tmp_path):
    """The table misses many dates (calibration, radiopharmaceutical, instance creation,
    a report's content items...): every date, time and date-time goes, wherever it is,
    but the study's, series', acquisition's and content's and a code's version."""
    ds = pydicom.dcmread(ct_small())
    ds.InstanceCreationDate, ds.InstanceCreationTime = "19010203", "040506"
    ds.DateOfLastDetectorCalibration = "19010204"
    ds.DateOfManufacture = "19010205"
    ds.StudyArrivalDate = "19010206"
    ds.IssueDateOfImagingServiceRequest = "19010207"
    ds.PresentationCreationDate = "19010208"
    ds.RadiopharmaceuticalInformationSequence = Sequence([_item(
        RadiopharmaceuticalStartDateTime="19010209101010", RadiopharmaceuticalStartTime="101011")])
    ds.AcquisitionContextSequence = Sequence()  # X/Z
    code = _item(CodeValue="T-D3000", CodingSchemeDesignator="SRT", CodeMeaning="Chest",
                 ContextGroupVersion="20040101000000")
    code.add_new(0x0040A121, "DA", "19010210")  # Date (content item), nested in a kept sequence
    ds.AnatomicRegionSequence = Sequence([code])
    for keyword in KEPT_DATES:
        setattr(ds, keyword, "20200102" if "Date" in keyword and "DateTime" not in keyword
                else "20200102101010" if "DateTime" in keyword else "101010")
    out = pydicom.dcmread(_save(ds, tmp_path))
    data = (tmp_path / "dst.dcm").read_bytes()
    for secret in (b"190102", b"040506", b"101011"):
        assert secret not in data, secret
    assert {k: out.get(k) for k in KEPT_DATES} == {k: ds.get(k) for k in KEPT_DATES}
    assert out.AnatomicRegionSequence[0].ContextGroupVersion == "20040101000000"
    assert out.AnatomicRegionSequence[0].CodeMeaning == "Chest"


def test_free_text_outside_the_acquisition_and_image_groups_goes(tmp_path):
    """Free text in groups no list covered (camera, device, presentation, media, RT image,
    industrial component), AE titles, URLs and unknown (UN) elements anywhere went out."""
    ds = pydicom.dcmread(ct_small())
    leaks = {"BatteryLevel": "SECRET-battery", "ContainerComponentDescription": "SECRET-container",
             "GraphicLayerDescription": "SECRET-layer", "MediaDisposition": "SECRET-media",
             "RTImageName": "SECRET-rtimage", "StorageMediaFileSetID": "SECRET-fileset",
             "ComponentManufacturer": "SECRET-component", "RetrieveAETitle": "SECRET_AE",
             "StationAETitle": "SECRET_STATION", "RetrieveURL": "http://SECRET.example/wado"}
    for keyword, value in leaks.items():
        setattr(ds, keyword, value)
    ds.add_new(0x0018FFF0, "UN", b"SECRET-unknown")  # no dictionary knows it
    ds.ReferencedImageSequence = Sequence([_item(ReferencedSOPClassUID=ds.SOPClassUID,
                                                 ReferencedSOPInstanceUID=ds.SOPInstanceUID,
                                                 StationAETitle="SECRET_NESTED")])
    # kept: technical text of the acquisition and image groups, and the code items
    ds.ConvolutionKernel, ds.SequenceName = "B30f", "tse2d1"
    ds.PositionReferenceIndicator, ds.WindowCenterWidthExplanation = "IC", "SOFT"
    ds.AnatomicRegionSequence = Sequence([_item(CodeValue="T-D3000", CodingSchemeDesignator="SRT",
                                                CodeMeaning="Chest")])
    ds.Manufacturer = "ACME"
    out = pydicom.dcmread(_save(ds, tmp_path))
    assert b"SECRET" not in (tmp_path / "dst.dcm").read_bytes()
    assert (out.ConvolutionKernel, out.SequenceName) == ("B30f", "tse2d1")
    assert (out.PositionReferenceIndicator, out.WindowCenterWidthExplanation) == ("IC", "SOFT")
    assert out.AnatomicRegionSequence[0].CodeMeaning == "Chest" and out.Manufacturer == "ACME"


def test_the_file_meta_keeps_nothing_but_the_file_format(tmp_path):
    """The exported file kept the source's Private Information Creator UID, Private
    Information (an MRN here), its implementation's UID and version name, and the data
    set's trailing padding: bytes no de-identification looked at."""
    ds = pydicom.dcmread(ct_small())
    original = ds.pixel_array.copy()
    meta = ds.file_meta
    meta.PrivateInformationCreatorUID = "1.2.3.999"
    meta.PrivateInformation = b"MRN12345"
    meta.ImplementationClassUID = "1.2.3.999.7"
    meta.ImplementationVersionName = "JANE_WS_1"
    meta.SourceApplicationEntityTitle = "JANE_WS"
    meta.SourcePresentationAddress = "http://jane.example"
    ds.add_new(0xFFFCFFFC, "OB", b"Doe^Jane MRN12345 trailing")
    folder = tmp_path / "imgs"
    folder.mkdir()
    ds.save_as(folder / "a.dcm")
    p = open_scanned(folder)
    try:
        export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    (dst,) = (tmp_path / "out").rglob("*.dcm")
    data = dst.read_bytes()
    for secret in (b"1.2.3.999", b"MRN12345", b"JANE", b"Jane", b"jane"):
        assert secret not in data, secret
    out = pydicom.dcmread(dst)
    kept = {e.keyword for e in out.file_meta}
    assert kept <= {"FileMetaInformationGroupLength", "FileMetaInformationVersion", "MediaStorageSOPClassUID",
                    "MediaStorageSOPInstanceUID", "TransferSyntaxUID", "ImplementationClassUID",
                    "ImplementationVersionName"}, kept
    assert out.file_meta.ImplementationClassUID == pydicom.uid.PYDICOM_IMPLEMENTATION_UID
    assert out.file_meta.TransferSyntaxUID == meta.TransferSyntaxUID
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID != ds.SOPInstanceUID
    assert "DataSetTrailingPadding" not in out
    assert np.array_equal(out.pixel_array, original)


@pytest.mark.parametrize("keyword,value", [
    ("DigitalSignaturesSequence", Sequence([_item(DigitalSignatureUID="1.2.999.5", MACIDNumber=1)])),
    ("DigitalSignatureUID", "1.2.999.6"),
])
def test_signatures_go_whole(tmp_path, keyword, value):
    ds = pydicom.dcmread(ct_small())
    setattr(ds, keyword, value)
    out = pydicom.dcmread(_save(ds, tmp_path))
    assert keyword not in out and not any(e.tag.group == 0x0400 for e in out.iterall())


def test_an_exported_file_holds_no_more_leaks_than_the_cli_hunter_found(tmp_path):
    """The hunter's file (CT_small carrying the 2013 table's X attributes) through the CLI's
    export path: none survives."""
    shutil.copyfile(ct_small(), tmp_path / "ct.dcm")
    ds = pydicom.dcmread(tmp_path / "ct.dcm")
    hunted = [(0x0018, 0x9424), (0x0040, 0xA078), (0x0018, 0xA003), (0x0040, 0xA07C), (0x0040, 0x3001),
              (0x0008, 0x0025), (0x0008, 0x0035), (0x0400, 0x0100), (0x0008, 0x0024), (0x0008, 0x0034),
              (0x0040, 0x0243), (0x0040, 0x0250), (0x0040, 0x0251), (0x0040, 0x0244), (0x0040, 0x0245),
              (0x0040, 0x4030), (0x0040, 0x4028), (0x0040, 0x0004), (0x0040, 0x0005), (0x0040, 0x0002),
              (0x0040, 0x0003), (0x0040, 0x4027), (0x0040, 0x4025), (0x0040, 0x4034), (0x0020, 0x3406),
              (0x0020, 0x3401), (0x0020, 0x3404), (0x0040, 0x1004), (0x0040, 0x2016), (0x0040, 0x2017),
              (0x0070, 0x0084), (0x0040, 0x0280), (0x0018, 0x1020), (0x0018, 0x9371), (0x0018, 0x9373),
              (0x0016, 0x004D), (0x0016, 0x0051), (0x0016, 0x0072), (0x0018, 0x9937), (0x0050, 0x0020)]
    for n, tag in enumerate(hunted):
        vr = dictionary_VR(tag)
        ds.add_new(tag, vr.split(" or ")[0], _value(vr, n))
    out = pydicom.dcmread(_save(ds, tmp_path))
    left = [t for t in hunted if t in out and out[t].value not in ("", None)]
    assert not left, [f"({g:04X},{e:04X})" for g, e in left]
