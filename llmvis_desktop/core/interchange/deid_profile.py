"""What the DICOM de-identification removes, empties and keeps (data only, no pydicom).

The lists follow DICOM PS3.15 Annex E, Table E.1-1, the Basic Application Level
Confidentiality Profile, as pydicom keywords (resolved to tags with ``pydicom.datadict``
when first used): ``Z`` attributes are emptied (Type 2 attributes stay present so the
file stays conformant), ``X``, ``X/Z``, ``X/D``, ``Z/D`` and ``X/Z/D`` attributes are
removed, ``U`` (UIDs) are remapped by the caller. Where the profile replaces a Type 1
attribute with a dummy (``D``), it is removed here: nothing of it is kept.

Dates and times of the study, series, acquisition and content are kept (the project's
policy, for longitudinal work); the patient's dates (birth, death, in any calendar,
last menstrual date) and the visit's (admission, discharge) are not.

Two safety nets catch what a list misses, at every level (inside sequences too):
every person name (VR PN) is emptied, and in the patient, study, visit, procedure and
results groups (:data:`NET_GROUPS`) every free-text element (:data:`TEXT_VRS`, and
``UN``), every issuer and every person-identification sequence is removed unless it is
on :data:`ALLOW`; group 0010 (the patient) keeps nothing but the emptied Type 2
attributes; the visit group's dates and times go too.
"""
from __future__ import annotations

#: Type 2 attributes kept present but emptied (action Z, or D on a person's name).
BLANK = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "ReferringPhysicianName",
    "AccessionNumber", "StudyID", "ContentCreatorName", "VerifyingObserverName", "PersonName",
    "VerifyingObserverIdentificationCodeSequence",
)

#: Attributes removed outright (X and the combined actions), grouped by where they live.
REMOVE = (
    # 0008: institution, physicians, operators, free text, references to the patient
    "InstitutionName", "InstitutionAddress", "InstitutionCodeSequence", "InstitutionalDepartmentName",
    "InstitutionalDepartmentTypeCodeSequence", "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers", "ReferringPhysicianIdentificationSequence",
    "ConsultingPhysicianName", "ConsultingPhysicianIdentificationSequence", "TimezoneOffsetFromUTC",
    "StationName", "StudyDescription", "SeriesDescription", "ProcedureCodeSequence",
    "PhysiciansOfRecord", "PhysiciansOfRecordIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "OperatorsName", "OperatorIdentificationSequence",
    "AdmittingDiagnosesDescription", "AdmittingDiagnosesCodeSequence", "ReferencedPatientSequence",
    "ReferencedPatientPhotoSequence", "ReferencedStudySequence",
    "ReferencedPerformedProcedureStepSequence", "DerivationDescription", "IdentifyingComments",
    "IssuerOfAccessionNumberSequence", "NetworkID", "PersonIdentificationCodeSequence",
    "PersonAddress", "PersonTelephoneNumbers", "PersonTelecomInformation",
    "ResponsiblePerson", "ResponsiblePersonRole", "ResponsibleOrganization",
    # 0010: the patient (the safety net removes the rest of the group too)
    "PatientBirthTime", "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar",
    "PatientAlternativeCalendar", "OtherPatientIDs", "OtherPatientNames", "OtherPatientIDsSequence",
    "PatientBirthName", "PatientAge", "PatientSize", "PatientWeight", "PatientAddress",
    "InsurancePlanIdentification", "PatientMotherBirthName", "MilitaryRank", "BranchOfService",
    "MedicalRecordLocator", "MedicalAlerts", "Allergies", "CountryOfResidence", "RegionOfResidence",
    "PatientTelephoneNumbers", "PatientTelecomInformation", "EthnicGroup", "Occupation",
    "SmokingStatus", "AdditionalPatientHistory", "PregnancyStatus", "LastMenstrualDate",
    "PatientReligiousPreference", "PatientComments", "PatientSexNeutered", "PatientBreedDescription",
    "PatientBreedCodeSequence", "BreedRegistrationSequence", "IssuerOfPatientID",
    "IssuerOfPatientIDQualifiersSequence", "PatientInsurancePlanCodeSequence",
    "PatientPrimaryLanguageCodeSequence", "PatientPrimaryLanguageModifierCodeSequence",
    # 0012: clinical trial subject, site and sponsor
    "ClinicalTrialSponsorName", "ClinicalTrialProtocolID", "ClinicalTrialProtocolName",
    "ClinicalTrialSiteID", "ClinicalTrialSiteName", "ClinicalTrialSubjectID",
    "ClinicalTrialSubjectReadingID", "ClinicalTrialTimePointID", "ClinicalTrialTimePointDescription",
    "ClinicalTrialCoordinatingCenterName", "ClinicalTrialProtocolEthicsCommitteeName",
    "ClinicalTrialProtocolEthicsCommitteeApprovalNumber", "ClinicalTrialSeriesID",
    "ClinicalTrialSeriesDescription",
    # 0018 / 0020 / 0028: device ids, protocol, calibration, free text
    "DeviceSerialNumber", "ProtocolName", "PlateID", "CassetteID", "GantryID", "DetectorID",
    "GeneratorID", "SourceSerialNumber", "AcquisitionDeviceProcessingDescription",
    "AcquisitionComments", "DateOfLastCalibration", "TimeOfLastCalibration", "SecondaryCaptureDeviceID",
    "ContrastBolusAgent", "ImageComments", "FrameComments", "ImagePresentationComments",
    # 0032: the study's request
    "StudyIDIssuer", "RequestingPhysician", "RequestingPhysicianIdentificationSequence",
    "RequestingService", "RequestedProcedureDescription", "RequestedProcedureCodeSequence",
    "RequestedContrastAgent", "StudyComments", "ReasonForStudy", "ReasonForVisit",
    "ReasonForVisitCodeSequence", "ScheduledStudyLocation", "ScheduledStudyLocationAETitle",
    # 0038: the visit
    "ReferencedPatientAliasSequence", "AdmissionID", "IssuerOfAdmissionID", "IssuerOfAdmissionIDSequence",
    "RouteOfAdmissions", "ScheduledAdmissionDate", "ScheduledAdmissionTime", "ScheduledDischargeDate",
    "ScheduledDischargeTime", "ScheduledPatientInstitutionResidence", "AdmittingDate", "AdmittingTime",
    "DischargeDate", "DischargeTime", "DischargeDiagnosisDescription", "DischargeDiagnosisCodeSequence",
    "SpecialNeeds", "ServiceEpisodeID", "IssuerOfServiceEpisodeID", "IssuerOfServiceEpisodeIDSequence",
    "ServiceEpisodeDescription", "CurrentPatientLocation", "PatientInstitutionResidence", "PatientState",
    "VisitComments",
    # 0040: procedure steps, requests, observers, content
    "ScheduledStationAETitle", "ScheduledPerformingPhysicianName",
    "ScheduledPerformingPhysicianIdentificationSequence", "ScheduledProcedureStepDescription",
    "ScheduledProcedureStepID", "ScheduledStationName", "ScheduledProcedureStepLocation",
    "PreMedication", "CommentsOnTheScheduledProcedureStep", "PerformedStationAETitle",
    "PerformedStationName", "PerformedLocation", "PerformedProcedureStepID",
    "PerformedProcedureStepDescription", "PerformedProcedureTypeDescription",
    "CommentsOnThePerformedProcedureStep", "ActualHumanPerformersSequence", "HumanPerformerName",
    "HumanPerformerOrganization", "HumanPerformerCodeSequence", "RequestAttributesSequence",
    "RequestedProcedureID", "ReasonForTheRequestedProcedure", "PatientTransportArrangements",
    "RequestedProcedureLocation", "ConfidentialityCode", "NamesOfIntendedRecipientsOfResults",
    "IntendedRecipientsOfResultsIdentificationSequence", "RequestedProcedureComments",
    "ReasonForTheImagingServiceRequest", "OrderEnteredBy", "OrderEntererLocation",
    "OrderCallbackPhoneNumber", "OrderCallbackTelecomInformation", "ImagingServiceRequestComments",
    "PlacerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequest",
    "CommentsOnRadiationDose", "ContentSequence", "AcquisitionContextSequence", "ParticipantSequence",
    "VerifyingOrganization", "TextValue", "SpecimenAccessionNumber", "SpecimenDetailedDescription",
    "SpecimenShortDescription", "ContainerDescription", "AlternateContainerIdentifierSequence",
    "InterpretationText",
    # 0070 / 0088 / 0100 / 0400 / 2030: annotations, icon, topic, authorization, signatures
    "GraphicAnnotationSequence", "UnformattedTextValue", "ContentDescription",
    "ContentCreatorIdentificationCodeSequence", "IconImageSequence", "TopicTitle", "TopicSubject",
    "TopicAuthor", "TopicKeywords", "SOPAuthorizationComment", "AuthorizationEquipmentCertificationNumber",
    "DigitalSignaturesSequence", "MACParametersSequence", "EncryptedAttributesSequence",
    "OriginalAttributesSequence", "ModifiedAttributesSequence", "ReferencedDigitalSignatureSequence",
    "ReferencedSOPInstanceMACSequence", "TextString", "ROIGenerationDescription", "ROIDescription", "ReviewerName",
)

#: Groups dropped whole: overlays (60xx) and curves (50xx) are matched by their high
#: byte (drawn text and its descriptions); 4000 (text comments) and 4008 (results,
#: retired) hold nothing but free text, names and identifiers.
DRAWN_GROUPS = (0x5000, 0x6000)
DROPPED_GROUPS = (0x4000, 0x4008)

#: The safety net's groups: patient, study, visit, procedure/results.
NET_GROUPS = (0x0008, 0x0010, 0x0032, 0x0038, 0x0040, 0x4000, 0x4008)
#: Free-text value representations the net removes there.
TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC", "UN"})
#: Date and time value representations removed from the patient and visit groups.
DATE_VRS = frozenset({"DA", "DT", "TM"})
#: Groups whose dates and times go (the patient's and the visit's).
DATED_GROUPS = (0x0010, 0x0038)

#: Free text in the net's groups that is kept: no identifier, and needed to read the
#: image or its coded context. The code item attributes (inside sequences the lists
#: keep: anatomic region, view, derivation, concept names) come from controlled
#: terminologies; sequences that can name a person or a place are removed whole above.
#: Descriptions (study, series, image comments) are not here: they often carry a name.
ALLOW = (
    "Manufacturer", "ManufacturerModelName",
    "CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "CodeMeaning", "LongCodeValue",
    "MappingResourceName",
    "LUTLabel",  # real world value mapping's label ("SUV"): Type 1 there
)
