"""What a DICOM file's tags say beyond its size and depth: what an object without an
image is (a report, a structure set), and which pixels are padding, no measurement."""
from __future__ import annotations

import math
from typing import Any

import numpy as np


def first_number(value: Any) -> float:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0]
    return float(value)


def object_kind(ds) -> str:
    """What a DICOM object without an image is, from its SOP class and modality: "Basic
    Text SR object (modality SR)"; "" when it says neither. A bare "no pixel data" read as
    a damaged scan."""
    uid = ds.get("SOPClassUID") or getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", None)
    name = str(getattr(uid, "name", "") or "").strip() if uid else ""
    if name == str(uid).strip():  # a class pydicom does not know: its UID says nothing to a reader
        name = ""
    name = name.removesuffix(" Storage")
    modality = str(ds.get("Modality", "") or "").strip()
    if name and modality:
        return f"{name} object (modality {modality})"
    return f"{name} object" if name else (f"a modality {modality} object" if modality else "")


def no_image_reason(ds, no_pixels: str) -> str:
    """Why a DICOM without rows and columns shows nothing: ``no_pixels`` and what the
    object is. A report or a structure set is "not an image"; an image class (CT Image,
    RT Image...) stripped of its pixels is an image object whose image is missing (it was
    called "not an image" too)."""
    kind = object_kind(ds)
    if not kind:
        return no_pixels
    if " Image" in kind.split(" object", 1)[0]:
        return f"{no_pixels}: {kind}, its image is missing (no rows, columns or pixel data)"
    return f"{no_pixels}: {kind}, not an image"


def padding_mask(arr: np.ndarray, ds) -> np.ndarray | None:
    """Where the stored values are the Pixel Padding Value (or between it and the Pixel
    Padding Range Limit): the pixels outside a CT's circular field of view, no measurement
    (often -2000 or -3024 HU). None when the file names no padding or none is found."""
    if "PixelPaddingValue" not in ds or arr.ndim != 2:
        return None
    try:
        value = first_number(ds.PixelPaddingValue)
        limit = first_number(ds.PixelPaddingRangeLimit) if "PixelPaddingRangeLimit" in ds else value
    except (TypeError, ValueError, IndexError):
        return None
    lo, hi = min(value, limit), max(value, limit)
    mask = (arr == lo) if lo == hi else ((arr >= lo) & (arr <= hi))
    return mask if mask.any() else None


def measured_range(pixels: np.ndarray, padding: np.ndarray | None) -> tuple[float, float]:
    """(min, max) of the pixels, the padding left out: counted, a CT's -2000 HU outside the
    field of view took a third of the window, air and lung shown the same mid gray. All of
    an image padding (a blank slice) gives the min/max of all."""
    if padding is not None and not padding.all():
        measured = pixels[~padding]
        return float(measured.min()), float(measured.max())
    return float(pixels.min()), float(pixels.max())


def integral(arr: np.ndarray) -> np.ndarray:
    """Modality LUT output as the smallest integer dtype that holds it, when it is integral."""
    if arr.dtype.kind != "f":
        return arr
    finite = arr[np.isfinite(arr)] if arr.size else arr
    if finite.size != arr.size or not np.array_equal(finite, np.round(finite)):
        return arr.astype(np.float32)
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    for dtype in (np.int16, np.uint16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return arr.astype(dtype)
    return arr.astype(np.float32)


def lut_inverse(ds, channels: int) -> bool:
    """Presentation LUT Shape (2050,0020) INVERSE on a gray image: the output after the
    window is inverted (PS3.3 C.8.11.6, C.11.6.1.2). A MONOCHROME2 X-ray saying INVERSE was
    shown black on white as if it said nothing. MONOCHROME1 must say INVERSE: the two name
    one inversion, not two (see :attr:`.reader.ImageMeta.inverted`)."""
    if channels != 1:
        return False
    return str(ds.get("PresentationLUTShape", "") or "").strip().upper() == "INVERSE"


def dose_scale(ds) -> tuple[float, str] | None:
    """(Dose Grid Scaling, unit) of an RT Dose object: its stored values times the scaling
    are the dose, in Gy (Dose Units GY) or relative to a reference (RELATIVE); None for
    any other object or a missing or damaged scaling. The viewer read out the stored
    integers (41237 for 2.06 Gy)."""
    if str(ds.get("Modality", "") or "").strip().upper() != "RTDOSE" or "DoseGridScaling" not in ds:
        return None
    try:
        scale = first_number(ds.DoseGridScaling)
    except (TypeError, ValueError, IndexError):
        return None
    if not math.isfinite(scale) or scale <= 0:
        return None
    units = str(ds.get("DoseUnits", "") or "").strip().upper()
    return scale, {"GY": "Gy", "RELATIVE": "relative"}.get(units, units.lower())
