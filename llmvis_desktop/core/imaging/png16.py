"""16-bit colour and gray+alpha PNG (RGB, RGBA, LA) at its full depth. Pillow opens such
a file as 8-bit "RGB"/"RGBA" (it keeps each sample's high byte; gray+alpha too comes as
"RGBA"), so it is decoded here with OpenCV (a dependency already, for the classical
repairs) and turned as its EXIF says, as Pillow's :func:`PIL.ImageOps.exif_transpose`
turns the 8-bit one. A 16-bit gray PNG needs none of this (Pillow keeps it as "I;16")."""
from __future__ import annotations

import numpy as np

#: the raw modes Pillow reads a 16-bit RGB / RGBA / gray+alpha PNG's samples in (it keeps
#: their high byte), and the channels of each
_DEEP_RAWMODES = {"RGB;16B": 3, "RGBA;16B": 4, "LA;16B": 2}


def deep_colour_channels(im) -> int:
    """3 or 4 (2: gray+alpha) when the Pillow image ``im`` (opened, not loaded) is a
    one-frame PNG of 16-bit RGB or RGBA (gray+alpha) samples, else 0."""
    if im.format != "PNG" or getattr(im, "n_frames", 1) != 1 or len(im.tile) != 1:
        return 0
    return _DEEP_RAWMODES.get(im.tile[0][3], 0)


def damage(data: bytes) -> str | None:
    """Why the PNG ``data`` is damaged, found from its chunks alone (each one's length
    within the file, its CRC, an IEND at the end), or None. libpng, under OpenCV, prints
    its own words on stderr for a damaged file (``libpng error: ...``, OpenCV's ``[ WARN
    ...] PNG input buffer is incomplete``), which no setting silences: a file this finds
    damaged is not handed to it. The CRCs cost about 5% of the decode."""
    import zlib

    view, at, end = memoryview(data), 8, len(data)
    while at + 12 <= end:
        length = int.from_bytes(view[at:at + 4], "big")
        kind = bytes(view[at + 4:at + 8]).decode("latin-1")
        named = f"its {kind} chunk" if kind.isascii() and kind.isalpha() else "a chunk"  # not a damaged length's bytes
        if at + 12 + length > end:
            return f"{named} is cut short: the file was cut short"
        if zlib.crc32(view[at + 4:at + 8 + length]) != int.from_bytes(view[at + 8 + length:at + 12 + length], "big"):
            return f"{named}'s checksum does not match: the data is damaged"
        if kind == "IEND":
            return None
        at += 12 + length
    return "the PNG end marker is missing: the file was cut short"


def decode(data: bytes, channels: int = 0) -> np.ndarray | None:
    """The PNG ``data`` as HxWx3 (RGB) or HxWx4 (RGBA) uint16, as stored (not turned), or,
    for ``channels`` 2, HxWx2 (gray, alpha); None when OpenCV cannot decode it (damaged,
    cut short)."""
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint16 or arr.ndim != 3 or arr.shape[2] not in (2, 3, 4):
        return None
    if channels == 2:  # OpenCV gives gray+alpha as BGRA, the gray in all three
        order = [0, 3] if arr.shape[2] == 4 else [0, 1]
    elif arr.shape[2] == 2:
        return None
    else:
        order = [2, 1, 0, 3] if arr.shape[2] == 4 else [2, 1, 0]
    return np.ascontiguousarray(arr[..., order])


def turned(arr: np.ndarray, orientation: int) -> np.ndarray:
    """``arr`` shown as EXIF ``orientation`` (1-8) says, as ``ImageOps.exif_transpose``
    turns an image: 2 mirrored, 3 half a turn, 4 flipped, 5 transposed, 6 a quarter
    clockwise, 7 transversed, 8 a quarter counter-clockwise."""
    if orientation == 2:
        arr = arr[:, ::-1]
    elif orientation == 3:
        arr = arr[::-1, ::-1]
    elif orientation == 4:
        arr = arr[::-1]
    elif orientation == 5:
        arr = arr.swapaxes(0, 1)
    elif orientation == 6:
        arr = np.rot90(arr, -1)
    elif orientation == 7:
        arr = np.rot90(arr, 2).swapaxes(0, 1)
    elif orientation == 8:
        arr = np.rot90(arr, 1)
    return np.ascontiguousarray(arr)
