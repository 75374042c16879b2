"""Pixels that are not square: a DICOM whose Pixel Spacing differs between rows and
columns (ultrasound, some CR and MR: 0.5 mm high, 1 mm wide) or whose Pixel Aspect Ratio
is not 1:1. Shown one pixel per pixel, such an image is squashed; the viewer and the
thumbnails stretch one axis for display only. The pixels, exports, masks, boxes and repair
coordinates stay in pixel space.

``ImageMeta.pixel_spacing`` is (vertical, horizontal, unit): the distance between rows,
then between columns, in ``unit`` ("mm"), or (unit "") a bare ratio (Pixel Aspect Ratio). A TIFF, PNG or JPEG says it by a resolution unequal in x and y (a
repair of such a DICOM is saved with its spacing as the resolution: :mod:`..repair.save`).

Public API
----------
``spacing_of(ds) -> (vertical, horizontal, unit) | None``   from a pydicom dataset's tags.
``spacing_from_resolution(xres, yres, unit)``   the same from another file's resolution
                                      (pixels per inch or cm, or "" no unit: a ratio).
``tiff_spacing(tags, turned)``        a TIFF page's X/YResolution and ResolutionUnit
                                      (tifffile's tags or Pillow's ``tag_v2``).
``exif_spacing(raw, turned)``         an EXIF block's X/YResolution and ResolutionUnit.
``pil_spacing(im, turned)``           a Pillow image's: a TIFF's tags, a JPEG's JFIF
                                      density, a PNG's pHYs (``dpi`` or ``aspect``), else
                                      its EXIF's (a JFIF in inch or cm wins over EXIF).
``display_scale(meta) -> (sx, sy)``   how much to stretch x and y on screen (one is 1.0,
                                      the other at least 1; (1, 1) for square pixels).
``spacing_text(meta) -> str``         "pixels 1 × 0.5 mm" (width × height, as the
                                      image's size is said); "" for square ones.
``physical_size(width, height, meta) -> (w, h)``   the size shown on screen, in pixels.
``stretched(im, meta, size)``         a Pillow image at its physical aspect, for a ``size``
                                      thumbnail (no larger than it needs; a strip whole).
"""
from __future__ import annotations

import math

#: a ratio past this is taken for a damaged value (0.001\100), and the pixels shown square
MAX_RATIO = 16.0
#: spacings within this fraction of each other are square (0.3125\0.3126 is no stretch)
SQUARE_WITHIN = 0.01
_CM = 3  # Physical Units X/Y Direction (0018,6024/6026) of an ultrasound region: cm


def _pair(value) -> tuple[float, float] | None:
    try:
        if value is None or isinstance(value, (str, bytes)) or len(value) < 2:
            return None
        a, b = float(value[0]), float(value[1])
    except (TypeError, ValueError, IndexError):
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return None
    return a, b


def _functional_spacing(ds):
    for groups in ("PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence"):
        try:
            seq = ds.get(groups)
            measures = seq[0].get("PixelMeasuresSequence") if seq else None
            if measures:
                return measures[0].get("PixelSpacing")
        except (AttributeError, IndexError, TypeError):
            continue
    return None


def _region_spacing(ds) -> tuple[float, float] | None:
    """An ultrasound image's first calibrated region, in mm (its deltas are in cm)."""
    try:
        regions = ds.get("SequenceOfUltrasoundRegions")
        if not regions:
            return None
        region = regions[0]
        if int(region.get("PhysicalUnitsXDirection", 0)) != _CM or int(region.get("PhysicalUnitsYDirection", 0)) != _CM:
            return None
        got = _pair([abs(float(region.PhysicalDeltaY)), abs(float(region.PhysicalDeltaX))])
    except (AttributeError, TypeError, ValueError, IndexError):
        return None
    return None if got is None else (got[0] * 10.0, got[1] * 10.0)


def spacing_of(ds) -> tuple[float, float, str] | None:
    """(vertical, horizontal, unit) of a DICOM's pixels: Pixel Spacing (row\\column, mm),
    an Enhanced object's pixel measures, Imager Pixel Spacing, Nominal Scanned Pixel
    Spacing, an ultrasound region's calibration, else Pixel Aspect Ratio (a ratio, unit
    ""); None when it says none of them (or only damaged ones)."""
    for get in (lambda: ds.get("PixelSpacing"), lambda: _functional_spacing(ds),
                lambda: ds.get("ImagerPixelSpacing"), lambda: ds.get("NominalScannedPixelSpacing")):
        try:
            got = _pair(get())
        except (AttributeError, TypeError, ValueError):
            got = None
        if got is not None:
            return got[0], got[1], "mm"
    got = _region_spacing(ds)
    if got is not None:
        return got[0], got[1], "mm"
    try:
        got = _pair(ds.get("PixelAspectRatio"))
    except (AttributeError, TypeError, ValueError):
        got = None
    return None if got is None else (got[0], got[1], "")


#: a resolution unit -> millimetres in it ("" : none, the resolution is a bare ratio)
_MM_PER = {"inch": 25.4, "cm": 10.0, "": None}
#: TIFF ResolutionUnit (296) -> unit (absent: inch, the TIFF default)
TIFF_UNITS = {1: "", 2: "inch", 3: "cm"}
_JFIF_UNITS = {0: "", 1: "inch", 2: "cm"}
#: formats whose ``dpi`` Pillow reads from the JFIF density or, without one, EXIF
_DPI_FROM_EXIF = frozenset({"JPEG", "MPO"})


def _number(value) -> float | None:
    """A resolution as a float: a number, a rational (num, den) (tifffile), Pillow's
    IFDRational; None for what is none of them, or not finite and positive."""
    try:
        value = getattr(value, "value", value)  # a tifffile TiffTag
        if isinstance(value, (tuple, list)):
            value = float(value[0]) / float(value[1]) if len(value) == 2 and float(value[1]) else float("nan")
        got = float(value)
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    return got if math.isfinite(got) and got > 0 else None


def _sig(value: float) -> float:
    return float(f"{value:.6g}")  # a PNG's pHYs is per metre: 0.5 mm read back as 0.49999...


def spacing_from_resolution(xres, yres, unit) -> tuple[float, float, str] | None:
    """(vertical, horizontal, unit) of pixels from a file's resolution: ``xres``, ``yres``
    pixels per ``unit`` ("inch", "cm"; "" for none: a bare ratio, given as (xres, yres)
    over the smaller). In mm: 25.4 / res per inch, 10 / res per cm. None (square, as
    before) for equal resolutions, a missing, zero or negative one, a ratio over
    :data:`MAX_RATIO` or an unknown unit."""
    x, y = _number(xres), _number(yres)
    if x is None or y is None or unit not in _MM_PER:
        return None
    ratio = max(x, y) / min(x, y)
    if ratio - 1.0 <= SQUARE_WITHIN or ratio > MAX_RATIO:
        return None
    per = _MM_PER[unit]
    if per is None:
        low = min(x, y)
        return _sig(x / low), _sig(y / low), ""
    return _sig(per / y), _sig(per / x), "mm"


def _turned(spacing, turned: bool):
    """``spacing`` of an image shown turned a quarter (orientation 5-8): its axes swap."""
    return (spacing[1], spacing[0], spacing[2]) if spacing and turned else spacing


def tiff_spacing(tags, turned: bool = False) -> tuple[float, float, str] | None:
    """A TIFF page's pixel spacing from its XResolution, YResolution and ResolutionUnit
    (absent: inch), as :func:`spacing_from_resolution`; ``tags``: tifffile's
    ``page.tags`` or Pillow's ``tag_v2`` (looked up by code). ``turned``: the page is
    shown turned a quarter (Orientation 5-8)."""
    try:
        unit = tags.get(296)
        unit = int(getattr(unit, "value", unit)) if unit is not None else 2
        got = spacing_from_resolution(tags.get(282), tags.get(283), TIFF_UNITS.get(unit, "?"))
    except (TypeError, ValueError, AttributeError):
        return None
    return _turned(got, turned)


def exif_spacing(raw, turned: bool = False) -> tuple[float, float, str] | None:
    """The pixel spacing an EXIF block's IFD0 says: XResolution (0x011A), YResolution
    (0x011B) and ResolutionUnit (0x0128; absent: inch), as a TIFF's
    (:func:`tiff_spacing`: the same tags). ``raw``: the block as Pillow keeps it in
    ``info["exif"]`` (with or without its ``Exif\\0\\0`` start). None for no block, one
    that cannot be read, or a resolution that says nothing (equal, missing, damaged)."""
    if not raw:
        return None
    from PIL import Image

    try:
        exif = Image.Exif()
        exif.load(raw)
        return tiff_spacing(exif, turned)
    except Exception:  # unreadable EXIF never blocks reading the pixels: shown square
        return None


def _jfif_spacing(info) -> tuple[tuple[float, float, str] | None, bool]:
    """(the spacing a JPEG's JFIF density says, whether it has the last word): a density
    in inch or cm has it, equal or not; one of no unit (0, a ratio) has it only when it
    says a ratio other than 1:1 (Pillow, most cameras and editors write 1:1 "no unit",
    which says nothing, and EXIF may then say more); no JFIF has none."""
    if "jfif_density" not in info:
        return None, False
    density, unit = info["jfif_density"], _JFIF_UNITS.get(info.get("jfif_unit"), "?")
    got = spacing_from_resolution(density[0], density[1], unit)
    return got, unit in ("inch", "cm") or got is not None


def pil_spacing(im, turned: bool = False) -> tuple[float, float, str] | None:
    """A Pillow image's pixel spacing: a TIFF's resolution tags (:func:`tiff_spacing`),
    a JPEG's JFIF density (unit 0: a ratio), a PNG's pHYs (the ``dpi`` Pillow read per
    metre, a BMP's too, or ``aspect``: pHYs of unknown unit, a ratio), else its EXIF's
    resolution (:func:`exif_spacing`: a camera JPEG or WebP whose JFIF says 1:1 of no
    unit, or that has none). ``turned``: shown turned a quarter (EXIF orientation 5-8)."""
    info = getattr(im, "info", None) or {}
    try:
        if im.format == "TIFF":
            return tiff_spacing(im.tag_v2, turned)
        got, final = _jfif_spacing(info)
        # a JFIF density in inch or cm wins over an EXIF resolution that disagrees with it:
        # JFIF is the JPEG's own header, and what decoders and editors show and update
        if final:
            return _turned(got, turned)
        if im.format not in _DPI_FROM_EXIF:  # (a JPEG's dpi is its JFIF's, or EXIF's XResolution twice)
            if "dpi" in info:  # a PNG's pHYs per metre: its own, as a JFIF's in inch or cm
                return _turned(spacing_from_resolution(info["dpi"][0], info["dpi"][1], "inch"), turned)
            got = spacing_from_resolution(info["aspect"][0], info["aspect"][1], "") if "aspect" in info else None
            if got is not None:
                return _turned(got, turned)
    except (TypeError, ValueError, IndexError, AttributeError):
        return None
    return exif_spacing(info.get("exif"), turned)


def display_scale(meta) -> tuple[float, float]:
    """(sx, sy): the stretch of x and y that shows the pixels at their physical aspect;
    the finer axis stays 1 (nothing of the image is shrunk away). (1, 1) for square,
    unknown or implausible (ratio over :data:`MAX_RATIO`) spacing."""
    spacing = getattr(meta, "pixel_spacing", None)
    if not spacing:
        return 1.0, 1.0
    vertical, horizontal = float(spacing[0]), float(spacing[1])
    if vertical <= 0 or horizontal <= 0:
        return 1.0, 1.0
    ratio = max(vertical, horizontal) / min(vertical, horizontal)
    if ratio - 1.0 <= SQUARE_WITHIN or ratio > MAX_RATIO:
        return 1.0, 1.0
    return (ratio, 1.0) if horizontal > vertical else (1.0, ratio)


def spacing_text(meta) -> str:
    """What the viewer's line says of pixels shown stretched: "pixels 1 × 0.5 mm", "pixel
    aspect 2:1" (width first, as the line gives the image's size); "" when they are shown
    as stored."""
    if display_scale(meta) == (1.0, 1.0):
        return ""
    vertical, horizontal, unit = meta.pixel_spacing
    if unit:
        return f"pixels {horizontal:g} \u00d7 {vertical:g} {unit}"
    return f"pixel aspect {horizontal:g}:{vertical:g}"


def physical_size(width: int, height: int, meta) -> tuple[int, int]:
    """``width`` x ``height`` pixels as shown at their physical aspect."""
    sx, sy = display_scale(meta)
    return max(1, round(width * sx)), max(1, round(height * sy))


def stretched(im, meta, size: int):
    """``im`` (a Pillow image of the pixels) at its physical aspect, made no larger than a
    ``size`` thumbnail needs (a strip, folded later, keeps its length); ``im`` itself for
    square pixels."""
    from PIL import Image

    from .strip_view import is_strip

    sx, sy = display_scale(meta)
    if (sx, sy) == (1.0, 1.0):
        return im
    w, h = im.size[0] * sx, im.size[1] * sy
    f = 1.0 if is_strip(round(w), round(h)) else min(1.0, size / max(w, h))
    return im.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.BICUBIC, reducing_gap=2.0)


__all__ = ["MAX_RATIO", "TIFF_UNITS", "display_scale", "exif_spacing", "physical_size", "pil_spacing", "spacing_from_resolution",
           "spacing_of", "spacing_text", "stretched", "tiff_spacing"]
