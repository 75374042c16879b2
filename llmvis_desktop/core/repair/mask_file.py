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
A mask is held to the pixel limit (the max_image_pixels setting) by its header, before
any pixel is decoded, as images are: a header claiming 50000x50000 is refused, not read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import first_line
from ..imaging.errors import too_large
from . import RepairError

LARGE_MASK = 0.5  # a mask covering more of the image than this is probably inverted


def load_mask(path: Path | str, max_pixels: Optional[int] = None) -> np.ndarray:
    """A mask file -> bool (H, W) (see the module's text for the rule). ``max_pixels``:
    the pixel limit (the max_image_pixels setting; None: the image reader's default); a
    mask over it is refused (:class:`RepairError` naming the file and its size)."""
    from PIL import UnidentifiedImageError

    from ..imaging.reader import DEFAULT_MAX_PIXELS

    path = Path(path)
    limit = max_pixels or DEFAULT_MAX_PIXELS
    try:
        raw = _tiff_values(path, limit)
        if raw is not None:
            return _from_array(raw)
        with _open_pillow(path, limit) as im:
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


def _check_size(path: Path, width: int, height: int, limit: int) -> None:
    if max(1, width) * max(1, height) > limit:
        raise RepairError(f"{path}: {too_large(width, height, limit, kind='mask')}")


def _open_pillow(path: Path, limit: int):
    """Open (header only) under the setting's limit rather than Pillow's own guard (which
    would refuse a line-scan mask the setting allows); nothing is decoded yet."""
    from PIL import Image

    from ..imaging.reader import _HUGE, _PIL_LIMIT_LOCK

    with _PIL_LIMIT_LOCK:  # Pillow's guard is process-wide: as the image reader sets it
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = _HUGE
        try:
            im = Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved
    try:
        _check_size(path, im.size[0], im.size[1], limit)
    except RepairError:
        im.close()
        raise
    return im


def _tiff_values(path: Path, limit: int) -> Optional[np.ndarray]:
    """A TIFF mask's stored values (first page), or None for another file or one tifffile
    cannot decode (then read as any other image); a first page over ``limit`` pixels is
    refused before it is decoded."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return None
    try:
        import tifffile

        with tifffile.TiffFile(path) as t:
            page = t.pages[0]
            _check_size(path, page.imagewidth, page.imagelength, limit)
            a = page.asarray()
            if a.ndim == 3 and a.shape[0] in (2, 3, 4) and a.shape[2] not in (2, 3, 4):
                a = np.moveaxis(a, 0, -1)  # stored planar: channels first
            return a if a.ndim in (2, 3) else None
    except RepairError:
        raise
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


def mask_size_error(mask_shape: tuple, image_shape: tuple, mask_name: str = "", image_name: str = "") -> str:
    """Why a mask of ``mask_shape`` does not fit an image of ``image_shape`` (rows, columns
    first); a mask that is the image turned a quarter (one drawn on a photo's stored pixels
    by a tool that ignores its EXIF orientation) is told to be turned."""
    (mh, mw), (ih, iw) = mask_shape[:2], image_shape[:2]
    mask_name, image_name = (f" {n}" if n else "" for n in (mask_name, image_name))
    why = f"the mask{mask_name} is {mw}x{mh} but the image{image_name} is {iw}x{ih}; masks must have the image's size"
    if (mh, mw) == (iw, ih) and mh != mw:
        why += ("; the mask is the image a quarter turn round: masks are in the orientation the image is shown "
                "in (a photo's EXIF orientation applied), so turn the mask")
    return why
