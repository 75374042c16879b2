"""Which files the imaging layer considers images, decided cheaply.

The folder scanner calls :func:`is_candidate` for every directory entry, so it only
looks at the name.  Files without an extension are not candidates by name; the
scanner may ask :func:`sniff_dicom` about them (see :data:`EXTENSIONLESS_DICOM_OK`).
"""

from __future__ import annotations

import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

#: Extensions decoded by Pillow (TIFF may go through tifffile for >8-bit or multi-page;
#: a GIF's frames are its pages, the first one shown, as an animated WebP's).
RASTER_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}
)
#: Extensions decoded by pydicom.
DICOM_EXTENSIONS: frozenset[str] = frozenset({".dcm", ".dicom"})
#: Every extension the imaging layer reads (lower case, with the dot).
SUPPORTED_EXTENSIONS: frozenset[str] = RASTER_EXTENSIONS | DICOM_EXTENSIONS

#: Format name reported in ``ImageMeta.format`` for each extension.
FORMAT_BY_EXTENSION: dict[str, str] = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".gif": "GIF",
    ".dcm": "DICOM",
    ".dicom": "DICOM",
}

#: Extension-less files are accepted as images when, and only when, they are DICOM
#: Part 10 files: a 128-byte preamble followed by the magic ``b"DICM"`` (checked by
#: :func:`sniff_dicom`).  Scanners from CT/MR archives commonly write files named
#: only by their SOP instance UID, so the folder scanner should call ``sniff_dicom``
#: on names for which ``extension_of(name) == ""``.  That costs one small read per
#: such file, which is why ``is_candidate`` itself never opens anything.  DICOM
#: without the preamble (old ACR-NEMA style) is only read when named ``.dcm``/``.dicom``.
EXTENSIONLESS_DICOM_OK: bool = True

DICOM_MAGIC = b"DICM"
DICOM_MAGIC_OFFSET = 128


def extension_of(name: PathLike) -> str:
    """Lower-case extension with the dot (``"IMG.JPG"`` -> ``".jpg"``), or ``""``."""
    base = os.path.basename(os.fspath(name))
    dot = base.rfind(".")
    if dot <= 0:  # no dot, or a dot-file such as ".hidden"
        return ""
    return base[dot:].lower()


def is_candidate(name: PathLike) -> bool:
    """True when the name has a supported extension (case-insensitive). Never opens the file."""
    return extension_of(name) in SUPPORTED_EXTENSIONS


def is_dicom_name(name: PathLike) -> bool:
    """True for names ending in ``.dcm`` or ``.dicom`` (case-insensitive)."""
    return extension_of(name) in DICOM_EXTENSIONS


def format_for_name(name: PathLike) -> str | None:
    """The format the extension promises (``"JPEG"``, ``"DICOM"``...), or None."""
    return FORMAT_BY_EXTENSION.get(extension_of(name))


def has_dicom_magic(head: bytes) -> bool:
    """True when ``head`` (the first >= 132 bytes of a file) carries the DICM marker."""
    return head[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] == DICOM_MAGIC


def sniff_dicom(path: PathLike) -> bool:
    """True when the file is a DICOM Part 10 file (preamble + ``DICM`` at offset 128).

    Returns False for unreadable, missing or short files and for anything but a regular
    file (a pipe or device is never read: it could block) instead of raising, so the
    folder scanner can call it on anything.
    """
    from .errors import ImageReadError
    from .files import open_regular

    try:
        with open_regular(path) as fh:
            head = fh.read(DICOM_MAGIC_OFFSET + 4)
    except (ImageReadError, OSError):
        return False
    return has_dicom_magic(head)


#: the Media Storage Directory SOP class: a DICOMDIR, the directory of the DICOM files on a
#: disc or in an export folder (PS3.10), which holds no image of its own
MEDIA_DIRECTORY_UID = "1.2.840.10008.1.3.10"
#: explicit-VR elements with a 4-byte length (after 2 reserved bytes)
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
#: how much of a file :func:`dicom_kind` reads: the file meta of a real DICOMDIR ends well before
SNIFF_BYTES = 1024
DICOM_IMAGE, DICOMDIR = "image", "dicomdir"
#: why a DICOMDIR is left out of the index (a line of its own, naming a few), or, under a
#: name the listing does not open (``index.dcm``), why it cannot be read
DICOMDIR_REASON = "a DICOMDIR (the directory of the DICOM files on a disc or in an export), not an image"


def media_storage_class(head: bytes) -> str | None:
    """The Media Storage SOP Class UID (0002,0002) in the file meta of a DICOM Part 10
    file's first bytes ``head`` (explicit VR little endian, as the meta always is); None
    when ``head`` has no DICM marker or the element is not within it."""
    if not has_dicom_magic(head):
        return None
    at = DICOM_MAGIC_OFFSET + 4
    while at + 8 <= len(head):
        group, element = int.from_bytes(head[at:at + 2], "little"), int.from_bytes(head[at + 2:at + 4], "little")
        if group != 0x0002:
            return None
        vr = head[at + 4:at + 6]
        if vr in _LONG_VRS:
            length, at = int.from_bytes(head[at + 8:at + 12], "little"), at + 12
        else:
            length, at = int.from_bytes(head[at + 6:at + 8], "little"), at + 8
        if element == 0x0002:
            if at + length > len(head):
                return None
            return head[at:at + length].rstrip(b"\x00 ").decode("ascii", "replace")
        at += length
    return None


def dicom_kind(path: PathLike) -> str | None:
    """:data:`DICOM_IMAGE` for a DICOM Part 10 file (preamble + ``DICM``),
    :data:`DICOMDIR` for one whose file meta names the Media Storage Directory class (not
    an image, whatever its name), None for anything else (as :func:`sniff_dicom`: never
    raises, never opens what is not a regular file)."""
    from .errors import ImageReadError
    from .files import open_regular

    try:
        with open_regular(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except (ImageReadError, OSError):
        return None
    if not has_dicom_magic(head):
        return None
    return DICOMDIR if media_storage_class(head) == MEDIA_DIRECTORY_UID else DICOM_IMAGE


#: the first bytes each raster format starts with (WebP: RIFF, then WEBP at byte 8)
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"BM", "BMP"),
               (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
               (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"))


def format_by_signature(head: bytes) -> str | None:
    """The raster format ``head`` (a file's first bytes) starts as, or None: a file that
    starts as one but cannot be opened was cut short or damaged, not "not an image"."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return None
