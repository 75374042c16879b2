"""Reading a repair mask from a file (``llmvis repair apply --mask``, the dialog's Import)
and telling when a mask covers suspiciously much of its image.

A pixel is masked (repaired) when its value is at least half the format's range: >= 128
in an 8-bit mask, >= 32768 in a 16-bit one, >= 0.5 in a float one; in colour, the
brightest channel counts; a mask with varying transparency is read by its alpha the same
way (opaque = repaired). So a soft (antialiased) edge, a JPEG's ringing or a near-black
noisy background are not repaired. A mask whose largest value is above 0 but below that
threshold (a 0/1 or class-index label mask, 0/1/2 as CVAT or labelme export one; an
8-bit 0/255 mask saved as 16 bits) is masked wherever it is not 0. TIFF masks are read
by their stored values (tifffile): a bool TIFF written by tifffile is a 1-bit
MinIsWhite file that an image viewer shows inverted, and it is masked where True.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import first_line
from . import RepairError

LARGE_MASK = 0.5  # a mask covering more of the image than this is probably inverted


def load_mask(path: Path | str) -> np.ndarray:
    """A mask file -> bool (H, W) (see the module's text for the rule)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        raw = _tiff_values(path)
        if raw is not None:
            return _from_array(raw)
        with Image.open(path) as im:
            im.load()
            if im.mode == "P":
                im = im.convert("RGBA")
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                m = _from_array(np.asarray(im.convert("RGBA")))
            elif im.mode in ("1", "L", "RGB", "CMYK", "YCbCr", "LAB", "HSV"):
                a = np.asarray(im.convert("RGB") if im.mode not in ("1", "L", "RGB") else im)
                m = _from_array(a)
            else:  # 16-bit (I;16*, I) or float (F) gray
                m = _at_least_half(np.asarray(im), bits16=im.mode.startswith("I"))
    except FileNotFoundError:
        raise RepairError(f"{path}: mask file not found") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise RepairError(f"{path}: cannot read the mask ({first_line(exc, 100)})") from None
    return m


def _tiff_values(path: Path) -> Optional[np.ndarray]:
    """A TIFF mask's stored values (first page), or None for another file or one tifffile
    cannot decode (then read as any other image)."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return None
    try:
        import tifffile

        with tifffile.TiffFile(path) as t:
            page = t.pages[0]
            a = page.asarray()
            if a.ndim == 3 and a.shape[0] in (2, 3, 4) and a.shape[2] not in (2, 3, 4):
                a = np.moveaxis(a, 0, -1)  # stored planar: channels first
            return a if a.ndim in (2, 3) else None
    except Exception:  # compressed with a codec tifffile lacks, odd layout: PIL tries
        return None


def _from_array(a: np.ndarray) -> np.ndarray:
    """(H, W) gray, (H, W, 2) gray+alpha or (H, W, 3/4) colour(+alpha) -> bool mask: by a
    varying alpha, else by the brightest colour channel."""
    a = np.asarray(a)
    if a.ndim == 3:
        if a.shape[2] in (2, 4):
            alpha = a[..., -1]
            if alpha.min() != alpha.max():
                return _at_least_half(alpha)
            a = a[..., :-1]
        a = a.max(axis=2)
    return _at_least_half(a)


def _at_least_half(a: np.ndarray, bits16: bool = False) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == bool:
        return a.copy()
    if not a.size:
        return a > 0
    top = a.max()
    if a.dtype.kind == "f":
        half = 0.5
    elif bits16 or a.dtype.itemsize >= 2:
        half = 32768
    else:
        half = 128
    if 0 < top < half:  # a label mask (0/1, class indices) or 8-bit values stored deeper
        return a > 0
    return a >= half


def mask_coverage(mask: np.ndarray) -> float:
    """The fraction (0-1) of the image the mask covers."""
    m = np.asarray(mask)
    return float(np.count_nonzero(m)) / m.size if m.size else 0.0


def coverage_warning(mask: np.ndarray, limit: float = LARGE_MASK) -> Optional[str]:
    """None, or a line saying the mask covers more than ``limit`` of the image (an
    inverted mask, or one read inverted); for the CLI and the repair dialog."""
    frac = mask_coverage(mask)
    if frac <= limit:
        return None
    return (f"the mask covers {frac:.0%} of the image; inverted? (white or opaque = repair; "
            f"the repair dialog's Invert turns it over)")
