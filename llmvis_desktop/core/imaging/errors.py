"""The one exception the imaging layer raises, and the mapping from OS errors to it."""

from __future__ import annotations

import errno
import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

# Reasons shown to people. Tests and callers match on these substrings.
EMPTY_FILE = "empty file (0 bytes)"
TRUNCATED = "truncated or corrupt image data"
PERMISSION_DENIED = "permission denied"
BROKEN_SYMLINK = "broken symbolic link"
FILE_NOT_FOUND = "file not found"
IS_DIRECTORY = "is a directory, not a file"
NO_PIXEL_DATA = "DICOM has no pixel data"
NOT_DICOM = "not a DICOM file"
#: the start of the reason for a compressed DICOM that no installed decoder can read
#: (none installed, or one that cannot handle this kind): installing one brings it back
NEEDS_DECODER = "compressed DICOM (transfer syntax"


class ImageReadError(Exception):
    """A file could not be read as an image.

    ``path`` is the file as the caller named it, ``reason`` a short human sentence
    (no traceback jargon); ``str(e)`` is ``"<path>: <reason>"``.
    """

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(self.path, reason)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def __repr__(self) -> str:
        return f"ImageReadError({self.path!r}, {self.reason!r})"

    def __reduce__(self):  # keep picklable (worker processes)
        return (type(self), (self.path, self.reason))


def not_an_image(path: PathLike) -> str:
    """Reason for a file whose content matches no decoder, naming what its extension promised."""
    base = os.path.basename(os.fspath(path))
    dot = base.rfind(".")
    ext = base[dot:] if dot > 0 else ""
    if ext:
        return f"not an image (content does not match {ext.lower()})"
    return "not an image (unrecognised content)"


def format_megapixels(pixels: int) -> str:
    """``400000000 -> "400.0"``; rounds down so a limit is never overstated."""
    tenths = int(pixels) // 100_000
    return f"{tenths // 10}.{tenths % 10}"


def too_large(width: int, height: int, max_pixels: int, part: str = "", kind: str = "image") -> str:
    """Reason for an image over the pixel limit (the decompression-bomb guard); ``part``
    names the page or frame over it in a multi-page file ("page 2 of 3"); ``kind`` what
    the file is ("mask": a repair mask)."""
    what = f"{part}: " if part else ""
    size, limit = format_megapixels(width * height), format_megapixels(max_pixels)
    if size == limit:  # just over it: "0.1 MP exceeds the limit of 0.1 MP" said nothing
        size, limit, unit = f"{width * height:,}", f"{int(max_pixels):,}", "pixels"
    else:
        unit = "MP"
    return (
        f"{kind} too large: {what}{width}x{height} = {size} {unit} "
        f"exceeds the limit of {limit} {unit} (setting max_image_pixels)"
    )


def page_of(frame: int, frames: int) -> str:
    """``(1, 3) -> "page 2 of 3"``: a page of a multi-page file as people count them."""
    return f"page {frame + 1} of {frames}"


def out_of_range(frame: int, frames: int, kind: str = "page") -> str:
    """``(3, 3) -> "page 4 out of range (the file has 3 pages)"``: a page (a DICOM's frame,
    ``kind``) asked for that the file does not have, counted from 1 as the viewer's frame
    bar, the repair dialog and ``--frame`` count them."""
    return f"{kind} {frame + 1} out of range (the file has {frames} {kind}{'' if frames == 1 else 's'})"


def check_size(path: PathLike, width: int, height: int, max_pixels: int | None, part: str = "") -> None:
    """Raise ImageReadError when ``width * height`` exceeds ``max_pixels`` (None: no limit)."""
    if max_pixels is not None and max(1, width) * max(1, height) > max_pixels:
        raise ImageReadError(path, too_large(width, height, max_pixels, part))


NOT_REGULAR = "not a regular file"  # the start of the reason for a pipe, device or socket
_TRANSIENT = (PERMISSION_DENIED, FILE_NOT_FOUND, BROKEN_SYMLINK, IS_DIRECTORY)
_TRANSIENT_STARTS = ("I/O error", "cannot read file", "image too large", NOT_REGULAR, NEEDS_DECODER)


def is_transient(reason: str) -> bool:
    """True for a failure that can go away without the file changing (permission
    denied, the file missing or vanished for a moment, an I/O error, a pixel limit the
    user may raise, a DICOM decoder plugin the user may install): it is tried again,
    not remembered as the file's verdict."""
    return reason in _TRANSIENT or reason.startswith(_TRANSIENT_STARTS)


def reason_for_os_error(path: PathLike, exc: OSError) -> str:
    """Human reason for an OSError raised while opening or reading ``path``."""
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return BROKEN_SYMLINK if os.path.islink(path) else FILE_NOT_FOUND
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return PERMISSION_DENIED
    if isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        return IS_DIRECTORY
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.EIO:
        return "I/O error reading the file (disk or network problem)"
    text = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot read file ({text})"


def from_os_error(path: PathLike, exc: OSError) -> ImageReadError:
    """Map an OSError (missing, permission, broken link...) to an ImageReadError."""
    return ImageReadError(path, reason_for_os_error(path, exc))


def short_detail(exc: BaseException, limit: int = 120) -> str:
    """A one-line, length-limited description of a library exception. A longer one is cut
    where its last sentence or clause within the limit ends (". ", " - ", "; "), else
    between two words with " ..." (it was cut mid-word: "... may be corrupted, have a...")."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    ends = [head.rfind(". ") + 1, head.rfind(" - "), head.rfind("; ")]
    end = max(ends)
    if end >= limit // 3:
        return text[:end]
    room = text[: limit - 3]
    space = room.rfind(" ")
    return (room[:space] if space > 0 else room[: limit - 4]) + " ..."


#: Pillow's words for a file that ends too soon -> the index's words for it (one sentence
#: in both places): cut in the pixel data, in a header (a JPEG's tables, a PNG's IHDR), or
#: before any image data (a JPEG's tables and frame header only)
_CUT_SHORT = {
    "image file is truncated": "the file was cut short",
    "Truncated File Read": "the file was cut short",
    "cannot load this image": "the file holds no image data: it was cut short or is damaged",
}


def decode_detail(exc: BaseException) -> str:
    """Why a decoder failed, in words for the user (the parenthesis after :data:`TRUNCATED`)."""
    detail = short_detail(exc)
    if isinstance(exc, (KeyError, IndexError)) or not any(c.isalpha() for c in detail):
        return "the file's structure is damaged"  # KeyError(0) said "(0)"
    for start, words in _CUT_SHORT.items():
        if detail.startswith(start):
            return words
    if "broken data stream" in detail:
        return "the compressed data is damaged"
    return detail
