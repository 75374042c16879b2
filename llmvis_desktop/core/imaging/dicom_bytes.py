"""The bytes of a DICOM file's pixel data, from its header and the file alone (nothing
decoded): how many native pixel data needs, where the pixel data element starts and
what length it says, and whether compressed (encapsulated) pixel data reaches its end.
Used by :mod:`.dicom` at index time and when an image is viewed."""
from __future__ import annotations

import struct


def int_tag(ds, keyword: str, default: int) -> int:
    try:
        value = ds.get(keyword, default)
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def transfer_syntax(ds):
    return getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)


def expected_bytes(ds) -> int:
    """The bytes of native pixel data the header asks for."""
    rows, cols = int_tag(ds, "Rows", 0), int_tag(ds, "Columns", 0)
    frames = max(1, int_tag(ds, "NumberOfFrames", 1))
    samples = int_tag(ds, "SamplesPerPixel", 1)
    bits = int_tag(ds, "BitsAllocated", 16)
    expected = rows * cols * frames * samples * bits // 8
    if str(getattr(ds, "PhotometricInterpretation", "")).strip() == "YBR_FULL_422":
        expected = expected * 2 // 3  # two chroma samples shared by each pair of pixels
    return expected


_PIXEL_TAGS = frozenset({(0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009)})
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
UNDEFINED = 0xFFFFFFFF


def pixel_element(ds, fh) -> tuple[int, int] | None:
    """(bytes of its tag, VR and length; the length it gives) of the pixel data element
    at the file's position (where ``stop_before_pixels`` left it); None when none is
    there or its encoding is unknown."""
    encoding = getattr(ds, "original_encoding", None)
    if encoding is None or None in encoding:
        ts = transfer_syntax(ds)
        if ts is None:
            return None
        encoding = (ts.is_implicit_VR, ts.is_little_endian)
    implicit, little = encoding
    head = fh.read(12)
    if len(head) < 8:
        return None
    order = "<" if little else ">"
    if struct.unpack(order + "HH", head[:4]) not in _PIXEL_TAGS:
        return None
    if implicit:
        return 8, struct.unpack(order + "I", head[4:8])[0]
    if head[4:6] not in _LONG_VRS:
        return 8, struct.unpack(order + "H", head[6:8])[0]
    return (12, struct.unpack(order + "I", head[8:12])[0]) if len(head) == 12 else None


_ITEM, _SEQUENCE_END = (0xFFFE, 0xE000), (0xFFFE, 0xE0DD)
#: items walked at most (a cine loop has one a frame, and its offset table)
MAX_ITEMS = 1_000_000


def encapsulated_cut(fh, end: int) -> str | None:
    """Why compressed (encapsulated) pixel data whose first item starts at the file's
    position does not reach its sequence delimiter within the file's ``end``: an item cut
    short, or the file ending before the delimiter; None when it does, or when what
    follows is not items (left to the decoder to say). Only the items' tags and lengths
    are read; the rest is skipped."""
    for count in range(1, MAX_ITEMS + 1):
        at = fh.tell()
        head = fh.read(8)
        if len(head) < 8:
            return f"the file ends before the end of its item {count}" if head else \
                f"the file ends after {count - 1} items, before their end marker"
        group, element, length = struct.unpack("<HHI", head)
        if (group, element) == _SEQUENCE_END:
            return None
        if (group, element) != _ITEM or length == UNDEFINED:
            return None
        if at + 8 + length > end:
            return f"its item {count} needs {length} bytes, the file holds {max(end - at - 8, 0)}"
        fh.seek(length, 1)
    return None
