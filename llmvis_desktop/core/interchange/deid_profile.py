"""What the DICOM de-identification removes, empties and keeps (data only, no pydicom).

The profile is DICOM PS3.15 Annex E, Table E.1-1, the Basic Application Level
Confidentiality Profile, transcribed as data in :mod:`.deid_table` (tag, name, action).
Its ``Z`` attributes are emptied (Type 2 attributes stay present so the file stays
conformant); ``X``, ``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D`` and ``D`` attributes are
removed (a dummy is never written); ``U`` (UIDs) are remapped by the caller, as is
every UID outside the DICOM root; ``X/Z/U*`` reference sequences are kept, their UIDs
remapped. The keyword lists below add what some editions of the table have and the
transcription lacks, and the project's own choices.

Dates and times of the study, series, acquisition and content are kept (:data:`KEEP`,
the project's policy, for longitudinal work: the profile's Retain Longitudinal Temporal
Information with Full Dates option for these nine); every other date, time and
date-time goes (the patient's, the visit's, the procedure steps', calibration,
radiopharmaceutical, instance creation, content items'...).

Safety nets catch what a list misses, at every level (inside sequences too): every
person name (VR PN) is emptied; every date, time and date-time not kept goes; every
AE title, URL and element of unknown VR (UN) goes; outside the acquisition and image
groups (:data:`TEXT_SAFE_GROUPS`) every free-text element (:data:`TEXT_VRS`) goes
unless it is on :data:`ALLOW`; every issuer and identification sequence goes; group
0010 (the patient) keeps nothing but the emptied Type 2 attributes.
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
    # in some editions of Table E.1-1 and not in the transcription (retired ones too)
    "ModifyingDeviceManufacturer", "ModifiedImageDate", "ModifiedImageTime", "ResultsID",
    # the project's: device identity the table leaves to its options, or to nobody
    "SoftwareVersions", "DateOfManufacture", "DateOfInstallation", "StorageMediaFileSetID",
)

#: Dates and times kept (by the project's policy: the study's, series', acquisition's
#: and content's), whatever the table says.
KEEP = (
    "StudyDate", "StudyTime", "SeriesDate", "SeriesTime", "AcquisitionDate", "AcquisitionTime",
    "AcquisitionDateTime", "ContentDate", "ContentTime",
)

#: Groups dropped whole: overlays (60xx) and curves (50xx) are matched by their high
#: byte (drawn text and its descriptions); 4000 (text comments) and 4008 (results,
#: retired) hold nothing but free text, names and identifiers; 0400 (digital signatures,
#: MACs, encrypted, original and modified attributes: the source's values, signed) and
#: FFFA (the digital signatures sequence).
DRAWN_GROUPS = (0x5000, 0x6000)
DROPPED_GROUPS = (0x0400, 0x4000, 0x4008, 0xFFFA)

#: Groups whose free text is kept (acquisition, relationship, ophthalmology, image
#: presentation, slide microscopy, nuclear medicine, segmentation, surfaces): technical
#: text, read by viewers (window explanations, kernel and sequence names); what the
#: table names in them is removed by the lists. Every other group's free text goes.
TEXT_SAFE_GROUPS = frozenset({0x0018, 0x0020, 0x0022, 0x0024, 0x0028, 0x0048, 0x0054, 0x0062, 0x0066})
#: Free-text value representations the net removes outside those groups.
TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC"})
#: Removed wherever they are: station names (AE), addresses (UR), unknown content (UN).
ANYWHERE_VRS = frozenset({"AE", "UR", "UN"})
#: Date and time value representations: removed wherever they are, but :data:`KEEP`.
DATE_VRS = frozenset({"DA", "DT", "TM"})

#: Kept where a net would take them: no identifier, and needed to read the image or
#: its coded context. The code item attributes (inside sequences the lists keep:
#: anatomic region, view, derivation, concept names) come from controlled
#: terminologies; sequences that can name a person or a place are removed whole above.
#: Descriptions (study, series, image comments) are not here: they often carry a name.
ALLOW = (
    "Manufacturer", "ManufacturerModelName",
    "CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "CodeMeaning", "LongCodeValue",
    "URNCodeValue", "MappingResourceName", "ContextGroupVersion", "ContextGroupLocalVersion",
    "LUTLabel",  # real world value mapping's label ("SUV"): Type 1 there
)

#: The file meta elements kept (the rest of group 0002 goes: application entity titles,
#: presentation addresses, private information and its creator UID, the source's
#: implementation UID and version name, which pydicom, writing the file, sets anew).
META_KEEP = ("FileMetaInformationVersion", "MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID",
             "TransferSyntaxUID")
