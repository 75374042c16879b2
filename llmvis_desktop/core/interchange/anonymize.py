"""DICOM de-identification for exports (pydicom, on the source file).

Follows DICOM PS3.15 Annex E's Basic Application Level Confidentiality Profile, Table
E.1-1 (as data in :mod:`.deid_table`; the project's lists, kept dates and safety nets in
:mod:`.deid_profile`) at every level, inside sequences too: the table's attributes are
emptied or removed, every person name is emptied, every date and time but the study's,
series', acquisition's and content's goes, and so do AE titles, URLs, unknown (UN)
elements and free text outside the acquisition and image groups unless allow-listed;
overlays, curves, signatures and every private tag go; the file meta keeps only its
format (transfer syntax, media storage SOP class and instance). Every UID that is not a
DICOM-defined one (``1.2.840.10008.*``) is remapped with a keyed, deterministic mapping
(the same UID maps to the same new UID in every file of an export, and in every export
that uses the same secret). The dataset is marked ``PatientIdentityRemoved`` and written
as a DICOM file with a file meta, whatever the source had. A warning says when the
pixels may show text (``BurnedInAnnotation`` YES, or absent on a modality that usually
burns text in): that cannot be removed here.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
from pathlib import Path

from . import deid_profile as profile
from . import deid_table
from .pydicom_quiet import in_own_words, quiet_pydicom

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


#: Modalities whose images usually carry text burned into the pixels (ultrasound,
#: angiography and fluoroscopy, endoscopy and photography, microscopy, ophthalmic
#: photography, secondary capture, other).
BURNS_IN_TEXT = frozenset({"US", "IVUS", "XA", "RF", "ES", "XC", "GM", "OP", "SC", "OT"})
#: Secondary capture image storage (and its multi-frame variants, ``.7.1`` to ``.7.4``).
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


@functools.cache
def rules() -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """(blank, remove, keep, allow) as tag sets, from Table E.1-1 (:mod:`.deid_table`)
    and the project's lists (:mod:`.deid_profile`); a keyword this pydicom does not
    know is skipped. The project's lists win over the table: a ``Z`` attribute the
    project removes is removed, a ``D`` person name the project empties is emptied,
    and the dates the project keeps are kept."""
    from pydicom.datadict import tag_for_keyword

    def tags(keywords) -> frozenset:
        return frozenset(t for t in map(tag_for_keyword, keywords) if t is not None)

    by_action: dict[str, set] = {}
    for tag_text, action, _ in deid_table.rows():
        tag = deid_table.parse_tag(tag_text)
        if tag is not None:
            by_action.setdefault(action, set()).add(tag)
    table_remove = set().union(*(by_action.get(a, set()) for a in deid_table.REMOVING))
    keep = tags(profile.KEEP) | by_action.get("X/Z/U*", set())
    listed_remove, listed_blank = tags(profile.REMOVE), tags(profile.BLANK)
    blank = (listed_blank | by_action.get("Z", set())) - listed_remove - keep
    remove = (table_remove | listed_remove) - blank - keep
    return frozenset(blank), frozenset(remove), frozenset(keep), tags(profile.ALLOW)


def _caught_by_net(elem, allow: frozenset) -> bool:
    """The safety nets: what the lists miss, wherever it is."""
    if elem.tag in allow:
        return False
    vr = elem.VR
    if vr in profile.DATE_VRS or vr in profile.ANYWHERE_VRS:
        return True
    group = elem.tag.group
    if group == 0x0010 and elem.tag.element != 0:  # the patient's: nothing but the Z attributes
        return True
    if vr in profile.TEXT_VRS and group not in profile.TEXT_SAFE_GROUPS:
        return True
    keyword = elem.keyword or ""
    return vr == "SQ" and ("Identification" in keyword or keyword.startswith("IssuerOf"))


def burned_in_warning(ds) -> str | None:
    """Why the pixels may show identifying text, or None."""
    flag = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if flag == "YES":
        return "BurnedInAnnotation is YES: the pixels may carry identifying text, which is not removed"
    if flag:  # NO, stated
        return None
    modality = str(ds.get("Modality", "") or "").strip().upper()
    sop_class = str(ds.get("SOPClassUID", "") or "").strip()
    if sop_class == SECONDARY_CAPTURE or sop_class.startswith(SECONDARY_CAPTURE + "."):
        kind = "secondary capture"
    elif modality in BURNS_IN_TEXT:
        kind = modality
    else:
        return None
    return (f"BurnedInAnnotation is absent and {kind} images often have text burned in: the pixels "
            "may carry identifying text (names, IDs, dates), which is not removed; check them")


def recognizable_warning(ds) -> str | None:
    """Why the pixels may identify the patient by sight (Recognizable Visual Features YES: a
    face in a 3D rendering or a photograph), or None."""
    if str(ds.get("RecognizableVisualFeatures", "") or "").strip().upper() != "YES":
        return None
    return ("RecognizableVisualFeatures is YES: the pixels show features that may identify the patient "
            "(a face), which de-identifying the tags does not remove; check them")


def pixel_warnings(ds) -> list[str]:
    """What the pixels may show that de-identification leaves: burned-in text, a face."""
    return [w for w in (burned_in_warning(ds), recognizable_warning(ds)) if w]


def burned_in_warning_of_file(src: Path) -> str | None:
    """:func:`pixel_warnings` for the DICOM file ``src`` (its tags only, no pixels read),
    joined: its 8-bit PNG rendering carries no tag, but the pixels carry what text is
    burned in, and a face."""
    import pydicom

    with quiet_pydicom():
        try:
            ds = pydicom.dcmread(str(src), stop_before_pixels=True, force=True)
            return "; ".join(pixel_warnings(ds)) or None
        except Exception:  # (it was rendered: a header pydicom refuses now says nothing here)
            return None


def anonymize_dataset(ds, uid_map: UidMapper) -> list[str]:
    """De-identify ``ds`` in place; returns warnings (burned-in annotation, a face)."""
    from pydicom.sequence import Sequence

    warnings = pixel_warnings(ds)
    ds.remove_private_tags()
    blank, remove, keep, allow = rules()

    def scrub(dataset, elem) -> None:  # every level, sequences' items too
        group = elem.tag.group
        if (group & 0xFF00) in profile.DRAWN_GROUPS or group in profile.DROPPED_GROUPS:
            del dataset[elem.tag]
        elif elem.tag in keep:
            if elem.VR == "UI" and elem.value:
                elem.value = uid_map(elem.value)
        elif elem.tag in blank:
            elem.value = Sequence() if elem.VR == "SQ" else ""
        elif elem.tag in remove or _caught_by_net(elem, allow):
            del dataset[elem.tag]
        elif elem.VR == "PN":
            if elem.value:
                elem.value = ""
        elif elem.VR == "UI" and elem.value:
            if elem.VM > 1:
                elem.value = [uid_map(v) for v in elem.value]
            else:
                elem.value = uid_map(elem.value)

    ds.walk(scrub)
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        _scrub_file_meta(meta, uid_map)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "llmvis: PS3.15 basic profile, dates kept, UIDs remapped"
    ds.LongitudinalTemporalInformationModified = "UNMODIFIED"
    return warnings


def _scrub_file_meta(meta, uid_map: UidMapper) -> None:
    """Keep only what the file format needs (:data:`.deid_profile.META_KEEP`), the
    instance UID remapped: the stations' names and addresses, the private information
    and its creator, and the source's implementation UID and name go (pydicom, which
    writes the file, names itself)."""
    from pydicom.datadict import tag_for_keyword

    kept = {tag_for_keyword(k) for k in profile.META_KEEP}
    for tag in [t for t in meta.keys() if t not in kept]:
        del meta[tag]
    if "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = uid_map(meta.MediaStorageSOPInstanceUID)


def _complete_file_meta(ds) -> bool:
    """Give ``ds`` the file meta a DICOM file needs (an ACR-NEMA style source has none):
    the transfer syntax it was read with, and the media storage SOP class and instance
    from its (remapped) SOP UIDs. False when the dataset lacks a SOP UID to name them."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in meta:
        implicit, little = ds.original_encoding
        if little is False:  # implicit big endian is not a transfer syntax: written explicit
            meta.TransferSyntaxUID = ExplicitVRBigEndian
        elif implicit is False:
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
        else:
            meta.TransferSyntaxUID = ImplicitVRLittleEndian
    for name, source in (("MediaStorageSOPClassUID", "SOPClassUID"),
                         ("MediaStorageSOPInstanceUID", "SOPInstanceUID")):
        if not str(meta.get(name, "") or "").strip() and ds.get(source):
            setattr(meta, name, ds.get(source))
    return all(str(meta.get(n, "") or "").strip() for n in
               ("TransferSyntaxUID", "MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID"))


class SourceUnreadable(Exception):
    """The source can no longer be read whole (damaged since it was indexed): nothing is
    written. The message quotes none of its values."""


#: the pixel data elements: a de-identified image holds one
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def anonymize_file(src: Path, dst: Path, uid_map: UidMapper) -> list[str]:
    """De-identify ``src`` into ``dst``; returns warnings, none quoting the source's values
    (pydicom's own, which quote them, are kept off the log and stderr: :func:`quiet_pydicom`).
    Raises :class:`SourceUnreadable` when ``src`` cannot be read or has lost its pixel data
    (cut short after it was indexed: pydicom reads compressed data cut short as an empty
    dataset, which was written as a DICOM without rows or pixels)."""
    import pydicom

    with quiet_pydicom() as heard:
        try:
            ds = pydicom.dcmread(str(src), force=True)
        except Exception as exc:  # (pydicom's, struct's, zlib's: their words may quote values)
            raise SourceUnreadable(f"could not be read to de-identify it: truncated or corrupt DICOM "
                                   f"({type(exc).__name__} while reading it)") from None
        if not any(k in ds for k in PIXEL_KEYWORDS):
            raise SourceUnreadable("could not be read to de-identify it: truncated or corrupt DICOM (its pixel "
                                   "data is missing or cut short)")
        try:
            warnings = anonymize_dataset(ds, uid_map)
            complete = _complete_file_meta(ds)
        except Exception as exc:  # an element pydicom cannot convert (a flipped VR byte...)
            raise SourceUnreadable(_damaged(exc)) from None
        ds.preamble = b"\0" * 128  # the source's is application data: not carried over
        tmp = Path(dst).with_name(f".{Path(dst).name}.part")
        try:
            ds.save_as(str(tmp), enforce_file_format=complete)
            tmp.replace(dst)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, Exception) and not isinstance(exc, OSError):  # (a full disk fails the export)
                raise SourceUnreadable(_damaged(exc)) from None
            raise
    return warnings + in_own_words(heard)


def _damaged(exc: Exception) -> str:
    """Why a readable image could not be de-identified, quoting none of its values (pydicom's
    words quote the element's bytes)."""
    return (f"could not be de-identified: an element of it is damaged, which pydicom cannot read or "
            f"write ({type(exc).__name__})")
