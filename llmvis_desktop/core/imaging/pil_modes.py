"""A Pillow image as the reader returns it: its mode's depth and channels, its EXIF
orientation, a PNG's transparent colour (tRNS) as alpha, and its pixel array. Used by
:mod:`.reader` (and the thumbnails, :mod:`.thumbs`); opening, limits and errors stay there."""
from __future__ import annotations

import numpy as np
from PIL import ExifTags, Image, ImageOps

from .pil_rows import pil_array


# mode -> (bit_depth, channels of the pixel array we return)
_PIL_MODES = {
    "1": (8, 1), "L": (8, 1), "LA": (8, 2), "La": (8, 2), "RGB": (8, 3), "RGBA": (8, 4),
    "RGBa": (8, 4), "RGBX": (8, 3), "CMYK": (8, 3), "YCbCr": (8, 3), "LAB": (8, 3),
    "HSV": (8, 3), "PA": (8, 4), "I": (32, 1), "F": (32, 1),
    "I;16": (16, 1), "I;16L": (16, 1), "I;16B": (16, 1), "I;16N": (16, 1),
}
_CONVERT = {"1": "L", "La": "LA", "RGBa": "RGBA", "RGBX": "RGB", "CMYK": "RGB",
            "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB", "PA": "RGBA"}


def _pil_orientation(im: Image.Image) -> int:
    try:
        if im.format == "PNG":  # PNG.getexif() would decode the whole image
            raw = im.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = im.getexif()
        value = int(exif.get(0x0112, 1))
    except Exception:  # unreadable EXIF never blocks reading the pixels
        return 1
    return value if 1 <= value <= 8 else 1


def _size_turned(im: Image.Image) -> bool:
    """Whether Pillow already gives ``im.size`` as shown: a TIFF whose Orientation tag
    turns it a quarter (5-8) has its size turned by recent Pillow (13 here; it turns
    the pixels too, as it loads them): its width is then the stored ImageLength."""
    if im.format != "TIFF":
        return False
    try:
        stored = (int(im.tag_v2[256]), int(im.tag_v2[257]))
    except Exception:  # no readable ImageWidth/ImageLength: as Pillow says
        return False
    return im.size != stored


#: the modes whose "transparency" is one colour of their own (a PNG's tRNS chunk)
_KEYED_MODES = ("L", "RGB", "I;16", "I;16B", "I;16L", "I;16N")


def _colour_key(im: Image.Image):
    """The colour a gray or RGB image says is transparent (a PNG's tRNS chunk: a gray
    value, or an (r, g, b)), or None. GIMP shows those pixels transparent."""
    key = im.info.get("transparency") if im.mode in _KEYED_MODES else None
    return key if isinstance(key, (int, tuple)) else None


def _pil_pixels(im: Image.Image) -> np.ndarray:
    mode = im.mode
    key = _colour_key(im)
    if key is not None and mode in ("L", "RGB"):
        im = im.convert("LA" if mode == "L" else "RGBA")  # Pillow applies the key
    elif key is not None:  # 16-bit gray: alpha 0 at the key, full elsewhere
        gray = np.asarray(im).astype(np.uint16)
        return np.dstack([gray, np.where(gray == key, 0, 65535).astype(np.uint16)])
    elif mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in _CONVERT:
        im = im.convert(_CONVERT[mode])
    elif mode not in _PIL_MODES:
        im = im.convert("RGB")
    arr = pil_array(im)  # (np.asarray held two more copies: a 2048x60000 RGB PNG, 1.2 GB)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


_TRANSPOSED = frozenset(range(2, 9))  # EXIF orientations that ImageOps.exif_transpose applies


def _oriented(im: Image.Image) -> Image.Image:
    """``ImageOps.exif_transpose(im)`` (the same pixels), without its copy of an image
    that needs no turning (0.3 ms for a 320x240 RGB); broken EXIF keeps ``im`` as stored."""
    try:
        if im.getexif().get(ExifTags.Base.Orientation, 1) not in _TRANSPOSED:
            return im
        return ImageOps.exif_transpose(im)
    except Exception:  # broken EXIF: keep stored orientation
        return im


def _plain(im: Image.Image) -> bool:
    """Whether the display rendering of ``im`` is ``im`` itself (as RGB for a palette)."""
    if im.mode in ("RGB", "L"):
        return _colour_key(im) is None
    return im.mode == "P" and "transparency" not in im.info
