"""A pixel aspect ratio with no unit (a DICOM's Pixel Aspect Ratio, a PNG's pHYs of unknown
unit, a JPEG's JFIF density of no unit) kept in a repaired PNG.

A PNG says it by a ``pHYs`` chunk of unit 0: pixels per unit along x and y, the unit
unknown, so only their ratio means anything. Pillow reads that chunk (``info["aspect"]``)
but writes ``pHYs`` only from ``dpi`` (per metre) and drops one given as a raw chunk, so
the chunk is put in after ``IHDR`` here. The repair keeps the ratio in its metadata as a
resolution of no unit (``resolutionunit`` 1, as a TIFF says it).
"""
from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from typing import Optional

#: TIFF's ResolutionUnit "none": the resolution is a bare ratio
NO_UNIT = 1
_MAX = 2**31 - 1  # a pHYs field is a 4-byte unsigned number; PNG keeps them under 2**31


def ratio_meta(info: dict, turned: bool = False) -> dict:
    """``{"resolution": (x, y), "resolutionunit": 1}`` for a Pillow image's unit-less
    non-square resolution (a PNG's ``aspect``, a JPEG's JFIF density of unit 0), x and y
    swapped when the image is shown turned a quarter; {} otherwise (square, or a unit)."""
    pair = info.get("aspect")
    if pair is None and info.get("jfif_unit") == 0:
        pair = info.get("jfif_density")
    try:
        x, y = float(pair[0]), float(pair[1])
    except (TypeError, ValueError, IndexError):
        return {}
    if not (x > 0 and y > 0) or x == y:
        return {}
    return {"resolution": (y, x) if turned else (x, y), "resolutionunit": NO_UNIT}


def bare_ratio(meta: dict) -> Optional[tuple[int, int]]:
    """The whole numbers (x, y) a PNG's pHYs of unit 0 says ``meta``'s unit-less resolution
    with (their ratio within a millionth); None for a resolution with a unit, or none."""
    res = meta.get("resolution")
    if not res or meta.get("resolutionunit") != NO_UNIT:
        return None
    try:
        x, y = (float(v[0]) / float(v[1]) if isinstance(v, tuple) else float(v) for v in res)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (x > 0 and y > 0):
        return None
    ratio = Fraction(x / y).limit_denominator(1_000_000)
    num, den = ratio.numerator, ratio.denominator
    if num == 0 or num > _MAX:
        return None
    return num, den


def with_ratio(png: bytes, ratio: tuple[int, int]) -> bytes:
    """``png`` with a ``pHYs`` chunk of unit 0 saying ``ratio`` (x, y) right after its
    ``IHDR`` (a pHYs the file had is dropped: one only, before the image data)."""
    data = struct.pack(">IIB", ratio[0], ratio[1], 0)
    kind = b"pHYs"
    new = struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    at, parts = 8, [png[:8]]
    while at + 8 <= len(png):
        length = int.from_bytes(png[at:at + 4], "big")
        end = at + 12 + length
        if png[at + 4:at + 8] != kind:
            parts.append(png[at:end])
        if png[at + 4:at + 8] == b"IHDR":
            parts.append(new)
        at = end
    return b"".join(parts)
