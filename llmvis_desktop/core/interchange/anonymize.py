"""DICOM de-identification for exports (pydicom, on the source file).

Removes or blanks the patient, institution and physician attributes and the free text
listed in :data:`BLANK` / :data:`REMOVE` at every level (inside sequences too), drops
overlays and curves (drawn text), every private tag and the sending station's name, remaps every UID that is
not a DICOM-defined one (``1.2.840.10008.*``) with a keyed, deterministic mapping
(the same UID maps to the same new UID in every file of an export, and in every
export that uses the same secret), marks the dataset ``PatientIdentityRemoved``
and warns when ``BurnedInAnnotation`` is ``YES`` (text in the pixels cannot be
removed here).
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from pathlib import Path

#: Type-2 attributes kept present but emptied (so the file stays conformant).
BLANK = (
    "PatientName", "PatientID", "PatientBirthDate", "ReferringPhysicianName",
    "AccessionNumber", "StudyID",
)
#: Attributes removed outright.
REMOVE = (
    "PatientBirthTime", "PatientSex", "PatientAge", "PatientSize", "PatientWeight",
    "PatientAddress", "PatientTelephoneNumbers", "PatientMotherBirthName", "OtherPatientIDs",
    "OtherPatientNames", "OtherPatientIDsSequence", "PatientBirthName", "MilitaryRank",
    "BranchOfService", "MedicalRecordLocator", "EthnicGroup", "Occupation",
    "AdditionalPatientHistory", "PatientComments", "PatientReligiousPreference",
    "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName",
    "InstitutionCodeSequence", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
    "ReferringPhysicianIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "OperatorsName", "OperatorIdentificationSequence",
    "PhysiciansOfRecord", "PhysiciansOfRecordIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "RequestingPhysician", "ScheduledPerformingPhysicianName",
    "StationName", "DeviceSerialNumber", "RequestAttributesSequence", "IssuerOfPatientID",
    "PerformedProcedureStepID", "ScheduledProcedureStepID", "RequestedProcedureID",
    "AdmissionID", "ResponsiblePerson", "ResponsibleOrganization", "PersonName",
    "ContentCreatorName", "VerifyingObserverName", "ReviewerName",
    # free text that often names the patient, and references to them (the basic profile's X)
    "StudyDescription", "SeriesDescription", "ImageComments", "StudyComments",
    "RequestedProcedureDescription", "PerformedProcedureStepDescription", "ReasonForStudy",
    "RequestedProcedureComments", "ImagingServiceRequestComments", "AdmittingDiagnosesDescription",
    "DerivationDescription", "InterpretationText", "TextValue", "ProtocolName",
    "ReferencedPatientSequence", "ReferencedPatientPhotoSequence", "PatientInsurancePlanCodeSequence",
    "FillerOrderNumberImagingServiceRequest", "PlacerOrderNumberImagingServiceRequest",
    "PatientState", "PregnancyStatus", "MedicalAlerts", "Allergies",
    "SpecialNeeds", "CountryOfResidence", "RegionOfResidence", "CurrentPatientLocation",
    # more of PS3.15's basic profile: contact details, places, device ids, free text,
    # clinical-trial subject ids, and the icon (a small copy that may show burned-in text)
    "PatientTelecomInformation", "PersonAddress", "PersonTelephoneNumbers", "PersonTelecomInformation",
    "OrderCallbackPhoneNumber", "OrderCallbackTelecomInformation", "ClinicalTrialSubjectID",
    "ClinicalTrialSubjectReadingID", "PerformedStationName", "PerformedLocation", "ScheduledStationName",
    "PerformedStationAETitle", "ScheduledStationAETitle", "ScheduledProcedureStepLocation",
    "PatientInstitutionResidence", "ScheduledPatientInstitutionResidence", "PatientTransportArrangements",
    "ServiceEpisodeID", "ServiceEpisodeDescription", "RequestingService", "VerifyingOrganization",
    "ConsultingPhysicianName", "ConsultingPhysicianIdentificationSequence", "HumanPerformerName",
    "HumanPerformerOrganization", "NamesOfIntendedRecipientsOfResults",
    "IntendedRecipientsOfResultsIdentificationSequence", "AcquisitionComments", "FrameComments",
    "ScheduledProcedureStepDescription", "CommentsOnThePerformedProcedureStep", "VisitComments",
    "DischargeDiagnosisDescription", "AdmittingDiagnosesCodeSequence", "ReasonForTheRequestedProcedure",
    "ImagePresentationComments", "AcquisitionDeviceProcessingDescription", "IconImageSequence",
    "OriginalAttributesSequence", "ModifiedAttributesSequence", "DigitalSignaturesSequence",
    "MACParametersSequence", "EncryptedAttributesSequence", "DetectorID", "GantryID", "GeneratorID",
    "PlateID", "CassetteID", "SourceSerialNumber",
)
#: Overlay and curve groups (60xx, 50xx): drawn text and their descriptions
_DRAWN_GROUPS = (0x5000, 0x6000)
DICOM_ROOT = "1.2.840.10008."


class UidMapper:
    """Keyed, deterministic UID remapping: ``2.25.<n>`` derived from (secret, uid)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._cache: dict[str, str] = {}

    def __call__(self, uid: str) -> str:
        uid = str(uid).strip().rstrip("\0")
        if not uid or uid.startswith(DICOM_ROOT):
            return uid
        new = self._cache.get(uid)
        if new is None:
            # a name-based UUID (version 5 bits) from HMAC(secret, uid), as the 2.25 root
            # wants: the same UID maps the same way on every export. (pydicom's
            # generate_uid ignores its entropy sources without a prefix: it was random.)
            digest = hmac.new(self.secret.encode(), uid.encode(), hashlib.sha256).digest()
            new = f"2.25.{uuid.UUID(bytes=digest[:16], version=5).int}"
            self._cache[uid] = new
        return new


def anonymize_dataset(ds, uid_map: UidMapper) -> list[str]:
    """De-identify ``ds`` in place; returns warnings (e.g. burned-in annotation)."""
    warnings = []
    if str(getattr(ds, "BurnedInAnnotation", "")).strip().upper() == "YES":
        warnings.append("BurnedInAnnotation is YES: the pixels may show identifying text, which is not removed")
    ds.remove_private_tags()

    def scrub(dataset, elem) -> None:  # every level, sequences' items too
        if elem.keyword in REMOVE or (elem.tag.group & 0xFF00) in _DRAWN_GROUPS:
            del dataset[elem.tag]
        elif elem.keyword in BLANK:
            elem.value = ""
        elif elem.VR == "UI" and elem.value:
            if elem.VM > 1:
                elem.value = [uid_map(v) for v in elem.value]
            else:
                elem.value = uid_map(elem.value)
        elif elem.VR == "PN" and elem.value:
            elem.value = ""

    ds.walk(scrub)
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = uid_map(meta.MediaStorageSOPInstanceUID)
    if meta is not None:  # the sending station's name
        for name in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                     "ReceivingApplicationEntityTitle"):
            if name in meta:
                del meta[name]
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "llmvis: basic subset, private tags removed, UIDs remapped"
    return warnings


def anonymize_file(src: Path, dst: Path, uid_map: UidMapper) -> list[str]:
    import pydicom

    ds = pydicom.dcmread(str(src), force=True)
    warnings = anonymize_dataset(ds, uid_map)
    tmp = Path(dst).with_name(f".{Path(dst).name}.part")
    try:
        ds.save_as(str(tmp), enforce_file_format=False)
        tmp.replace(dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return warnings
