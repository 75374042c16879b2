"""De-identified DICOM export: the PS3.15 basic profile and its safety net, burned-in
text warnings, and sources without a file meta (ACR-NEMA style)."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.interchange import deid_profile
from llmvis_desktop.core.interchange.anonymize import UidMapper, anonymize_dataset, anonymize_file

from interchange_helpers import ct_small, open_scanned


def _item(**values) -> Dataset:
    item = Dataset()
    for key, value in values.items():
        setattr(item, key, value)
    return item


def _code(value: str, meaning: str) -> Dataset:
    return _item(CodeValue=value, CodingSchemeDesignator="L", CodeMeaning=meaning)


def test_every_profile_keyword_is_one_pydicom_knows():
    from pydicom.datadict import tag_for_keyword

    for name in ("BLANK", "REMOVE", "ALLOW", "KEEP", "META_KEEP"):
        unknown = [k for k in getattr(deid_profile, name) if tag_for_keyword(k) is None]
        assert not unknown, (name, unknown)
    assert not set(deid_profile.BLANK) & set(deid_profile.REMOVE)


def test_identifying_elements_outside_the_old_list_are_removed(tmp_path):
    """21 identifying values (alternative-calendar dates, identifying comments, issuers of
    IDs, visit reasons, procedure comments, presentation text, results comments...) went
    out in a file stamped PatientIdentityRemoved=YES: the list was hand-picked."""
    ds = pydicom.dcmread(ct_small())
    plain = {
        "PatientBirthDateInAlternativeCalendar": "SECRET-birth-altcal",
        "PatientDeathDateInAlternativeCalendar": "SECRET-death-altcal",
        "IdentifyingComments": "SECRET-identifying-comments",
        "InsurancePlanIdentification": "SECRET-insurance-plan",
        "OrderEntererLocation": "SECRET-order-enterer-loc",
        "CommentsOnRadiationDose": "SECRET-comments-dose",
        "UnformattedTextValue": "SECRET-graphic-text",
        "TextComments": "SECRET-text-comments",
        "ResultsComments": "SECRET-results-comments",
        "SOPAuthorizationComment": "SECRET-sop-auth-comment",
        "CommentsOnTheScheduledProcedureStep": "SECRET-sps-comments",
        "ReasonForVisit": "SECRET-reason-for-visit",
        "StudyIDIssuer": "SECRET-study-id-issuer",
        "IssuerOfAdmissionID": "SECRET-issuer-admission",
        "ContentDescription": "SECRET-content-description",
        "AdmittingDate": "19991231",  # the visit's dates go, the study's stay
        "LastMenstrualDate": "19991230",
    }
    for key, value in plain.items():
        setattr(ds, key, value)
    ds.IssuerOfPatientIDQualifiersSequence = Sequence([_item(UniversalEntityID="SECRET-issuer-ueid",
                                                             UniversalEntityIDType="ISO")])
    ds.IssuerOfAccessionNumberSequence = Sequence([_item(LocalNamespaceEntityID="SECRET-hospital-namespace")])
    ds.PersonIdentificationCodeSequence = Sequence([_code("SECRET-person-code", "SECRET-person-meaning")])
    ds.ContentCreatorIdentificationCodeSequence = Sequence([_item(
        PersonIdentificationCodeSequence=Sequence([_code("SECRET-creator-code", "z")]))])
    ds.IssuerOfAdmissionIDSequence = Sequence([_item(LocalNamespaceEntityID="SECRET-admission-issuer")])
    # the safety net: a name nested in a kept sequence, text in a procedure group no list
    # names, and a patient attribute no list names
    ds.ReferencedImageSequence = Sequence([_item(ReferencedSOPClassUID=ds.SOPClassUID,
                                                 ReferencedSOPInstanceUID=ds.SOPInstanceUID)])
    ds.ReferencedImageSequence[0].add_new(0x00081070, "PN", "SECRET^NESTED")  # operators' name
    ds.add_new(0x00321033, "LO", "SECRET-requesting-service")  # RequestingService
    ds.add_new(0x00400007, "LO", "SECRET-sps-description")
    ds.PatientSpeciesDescription = "SECRET-species"
    # kept: what reading and labelling the image needs
    ds.AnatomicRegionSequence = Sequence([_item(CodeValue="T-D3000", CodingSchemeDesignator="SRT",
                                                CodeMeaning="Chest")])
    ds.Manufacturer = "ACME"
    ds.preamble = b"SECRET-preamble".ljust(128, b"\0")  # application data: not carried over
    src, dst = tmp_path / "src.dcm", tmp_path / "dst.dcm"
    ds.save_as(src)
    anonymize_file(src, dst, UidMapper("k"))
    data = dst.read_bytes()
    for secret in (b"SECRET", b"19991231", b"19991230"):
        assert secret not in data, secret
    out = pydicom.dcmread(dst)
    assert out.PatientIdentityRemoved == "YES"
    assert "PatientName" in out and not str(out.PatientName)  # Type 2: kept, empty
    assert "PatientSex" in out and not out.PatientSex
    assert out.Modality == ds.Modality and out.SOPClassUID == ds.SOPClassUID
    assert list(out.ImageType) == list(ds.ImageType) and out.Manufacturer == "ACME"
    assert out.AnatomicRegionSequence[0].CodeMeaning == "Chest"
    assert out.StudyDate == ds.StudyDate  # the study's dates are kept (documented policy)
    assert out.ReferencedImageSequence[0].ReferencedSOPInstanceUID == out.SOPInstanceUID


def test_every_person_name_is_emptied_wherever_it_is():
    ds = Dataset()
    ds.PatientName = "DOE^JOHN"
    ds.add_new(0x00189999, "PN", "DOE^JANE")  # no list names it
    ds.DerivationCodeSequence = Sequence([_code("113076", "Segmentation")])
    ds.DerivationCodeSequence[0].add_new(0x00189999, "PN", "ROE^RICHARD")
    anonymize_dataset(ds, UidMapper("k"))
    names = [e for e in ds.iterall() if e.VR == "PN"]
    assert names and all(not str(e.value or "") for e in names)
    assert ds.DerivationCodeSequence[0].CodeMeaning == "Segmentation"


def _palette() -> str:
    return pydicom.data.get_testdata_file("examples_palette.dcm")


@pytest.mark.parametrize("modality,sop_class,flag,warned", [
    ("US", None, None, True),  # pydicom's examples_palette: 'Philips Healthcare' in the pixels
    ("XA", None, None, True),
    ("OT", "1.2.840.10008.5.1.4.1.1.7", None, True),  # secondary capture
    ("CT", "1.2.840.10008.5.1.4.1.1.7.4", None, True),
    ("US", None, "NO", False),
    ("CT", None, None, False),
    ("CT", None, "YES", True),
])
def test_text_burned_into_the_pixels_is_warned_about(modality, sop_class, flag, warned):
    """An ultrasound without BurnedInAnnotation exported with no warning, though such
    images nearly always show text (the palette example shows 'Philips Healthcare')."""
    ds = pydicom.dcmread(_palette() if modality == "US" else ct_small())
    ds.Modality = modality
    if sop_class:
        ds.SOPClassUID = sop_class
    if flag:
        ds.BurnedInAnnotation = flag
    elif "BurnedInAnnotation" in ds:
        del ds.BurnedInAnnotation
    got = anonymize_dataset(ds, UidMapper("k"))
    assert bool(got) is warned, got
    if warned:
        assert "BurnedInAnnotation" in got[0] and "identifying text" in got[0]


def test_an_ultrasound_export_warns_about_burned_in_text(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    shutil.copyfile(_palette(), folder / "us.dcm")
    p = open_scanned(folder)
    try:
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    assert any(w.startswith("anon/") and "identifying text" in w for w in report.warnings), report.warnings


def test_a_yolo_export_warns_once_per_image_with_two_labels(tmp_path):
    """An image in two class folders is written twice: the burned-in text warning (and an
    unreadable image's) was said twice."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    shutil.copyfile(_palette(), folder / "us.dcm")
    (folder / "zero.dcm").write_bytes(b"")
    p = open_scanned(folder)
    try:
        p.read_headers()
        p.add_labels(["a", "b"])
        for image in p.images(p.image_ids()):
            p.set_labels(image.id, ["a", "b"], "alice")
        report = export_project(p, "yolo", tmp_path / "out", ExportOptions(split=(1.0, 0.0, 0.0)))
    finally:
        p.close()
    burned = [w for w in report.warnings if "identifying text" in w]
    unread = [w for w in report.warnings if "the index could not read it" in w]
    assert len(burned) == 1 and len(unread) == 1, report.warnings
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 2  # in both class folders still


@pytest.mark.parametrize("source,implicit,little", [
    ("CT_small.dcm", True, True), ("CT_small.dcm", False, True), ("MR_small_bigendian.dcm", False, False),
])
def test_a_source_without_file_meta_exports_as_a_readable_dicom_file(tmp_path, source, implicit, little):
    """An ACR-NEMA style file (no preamble, no file meta) was written back without a
    file meta: no transfer syntax, and pydicom could not decode its pixels."""
    ds = pydicom.dcmread(pydicom.data.get_testdata_file(source))
    original = ds.pixel_array.copy()
    sop_class = ds.SOPClassUID
    del ds.file_meta
    ds.preamble = None
    src, dst = tmp_path / "raw.dcm", tmp_path / "anon.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pydicom.dcmwrite(src, ds, implicit_vr=implicit, little_endian=little, enforce_file_format=False)
    assert src.read_bytes()[128:132] != b"DICM"
    anonymize_file(src, dst, UidMapper("k"))
    assert dst.read_bytes()[128:132] == b"DICM"
    out = pydicom.dcmread(dst)  # no force: a proper DICOM file
    meta = out.file_meta
    expected = {(True, True): pydicom.uid.ImplicitVRLittleEndian, (False, True): pydicom.uid.ExplicitVRLittleEndian,
                (False, False): pydicom.uid.ExplicitVRBigEndian}[(implicit, little)]
    assert meta.TransferSyntaxUID == expected
    assert meta.MediaStorageSOPClassUID == out.SOPClassUID == sop_class
    assert meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID == UidMapper("k")(ds.SOPInstanceUID)
    assert np.array_equal(out.pixel_array, original)


BAD_UID = "1.2.123.456.78.9.0123.4567.89012345678901"  # a leading zero: not a valid UID
BAD_NAME = "DOE^JOHN^WITH^TOO^MANY^PARTS^" + "X" * 70  # a PN over 64 characters per group


def test_pydicom_s_warnings_quoting_an_original_value_are_not_shown(tmp_path, capfd, caplog, recwarn):
    """pydicom warned "Invalid value for VR UI: '<the original UID>'" on stderr (its logger
    and a Python warning) while the export de-identified the file: the warning is said in
    the tool's own words, by the exported (neutral) name, quoting nothing."""
    import logging

    ds = pydicom.dcmread(ct_small())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.ReferencedImageSequence = Sequence([_item(ReferencedSOPClassUID="1.2.840.10008.5.1.4.1.1.2",
                                                     ReferencedSOPInstanceUID=BAD_UID)])
        ds.ReferringPhysicianName = BAD_NAME
    folder = tmp_path / "imgs"
    folder.mkdir()
    ds.save_as(folder / "DOE_JOHN.dcm")
    p = open_scanned(folder)
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # pydicom's words while the test built the file
    capfd.readouterr()
    recwarn.clear()
    try:
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    said = "\n".join([*report.warnings, *capfd.readouterr(), caplog.text, *(str(w.message) for w in recwarn)])
    assert "0123.4567" not in said and "DOE" not in said, said
    problem = [w for w in report.warnings if "not follow the DICOM standard" in w]
    assert len(problem) == 1 and problem[0].startswith("anon/") and "VR UI" in problem[0], report.warnings
    assert not any(BAD_UID in str(e.value) for e in pydicom.dcmread(next((tmp_path / "out").rglob("*.dcm"))).iterall()
                   if e.VR == "UI")  # remapped all the same
