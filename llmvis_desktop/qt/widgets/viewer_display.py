"""What the ImageViewer puts on screen, computed without widgets: a uint8 array as a
QImage, the window/level presets and drags, and the status-line text.

Public API
----------
``ndarray_to_qimage(arr) -> (QImage, buffer)``   wrap a uint8 array without copying.
``pixmap_image(display) -> QImage``               a copy in a pixmap's own format (any thread).
``rgb32_image(w, h, reuse=None)`` / ``fill_rgb32(src, out)``   the same, filled band by band.
``screen_image(display) -> QImage | None``        the same for a large display (the loader's).
``data_range(pixels) -> (lo, hi)``                the data's min..max (sampled), hi > lo.
``measured(pixels, meta) -> array``                  the pixels a window is measured from (no padding).
``preset_window(name, pixels, loaded_window, value_range) -> (center, width) | None``
                                                  the window a W/L preset applies.
``ct_presets_fit(meta, pixels) -> bool``        whether the CT (HU) presets are offered.
``drag_window(start, dx, dy, value_range) -> (center, width)``
                                                  the window after a right-drag of dx, dy px.
``pixel_text(pixels, x, y, dose=None) -> str``    "(x, y) = value" at an image point, or ""; an RT
                                                  dose's "(x, y) = 41237 (2.06 Gy)".
``status_line(data, pixels, zoom, fit, window, hover) -> str``   the viewer's status line;
``status_parts(...)``: its parts, each with the rank that says which give way first.

Presets: ``PRESET_AS_LOADED``, ``PRESET_AUTO`` (0.5-99.5 percentile stretch),
``PRESET_FULL`` (data min..max), ``PRESET_CUSTOM`` (after a drag) and ``CT_PRESETS``
(name -> (center, width)) for a CT DICOM in HU, or signed non-DICOM data.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtGui import QImage

from llmvis_desktop.core.imaging.aspect import spacing_text
from llmvis_desktop.core.imaging.reader import auto_window

PRESET_AS_LOADED = "As loaded"
PRESET_AUTO = "Auto"
PRESET_FULL = "Full range"
PRESET_CUSTOM = "Custom"
CT_PRESETS: dict[str, tuple[float, float]] = {
    "CT Soft tissue (40/400)": (40.0, 400.0),
    "CT Lung (-600/1500)": (-600.0, 1500.0),
    "CT Bone (400/1800)": (400.0, 1800.0),
}


#: displays larger than this are converted to the screen's pixel format off the GUI
#: thread (:func:`screen_image`): a 12000x9000 RGB photo took 0.2 s there, 0.4 ms after
SCREEN_READY_PIXELS = 4_000_000


def screen_image(display: np.ndarray) -> QImage | None:
    """For a large display array: a QImage already in the format a pixmap uses (RGB32),
    made on the calling (loader) thread, which the viewer turns into its pixmap without
    a conversion; None for a small one (converted on the GUI thread in no time)."""
    arr = np.asarray(display)
    if arr.ndim < 2 or arr.shape[0] * arr.shape[1] < SCREEN_READY_PIXELS:
        return None
    return pixmap_image(arr)


def pixmap_image(display: np.ndarray) -> QImage:
    """A uint8 display array as a QImage that owns its pixels, in the format a pixmap
    keeps (RGB32): ``QPixmap.fromImage`` with ``NoFormatConversion`` takes it as it is
    (shared, no copy), and its pixels are those ``fromImage`` of
    :func:`ndarray_to_qimage` gives. Made with numpy, which lets other threads run
    (``QImage.convertToFormat`` holds Python's lock: 80-170 ms of a frozen GUI thread
    for 48 MP made on a worker thread); an RGBA array is converted by Qt."""
    arr = np.asarray(display)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.dtype != np.uint8 or not (arr.ndim == 2 or arr.shape[2] == 3):
        qimg, _buf = ndarray_to_qimage(arr)
        return qimg.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied if qimg.hasAlphaChannel()
                                    else QImage.Format.Format_RGB32)  # a converted copy: owns its pixels
    image, out = rgb32_image(arr.shape[1], arr.shape[0])
    fill_rgb32(arr, out)
    return image


def rgb32_image(width: int, height: int, reuse: QImage | None = None) -> tuple[QImage, np.ndarray]:
    """A new RGB32 QImage (``reuse`` when it is one of that size) and a ``height x width``
    uint32 view of its pixels to fill (:func:`fill_rgb32`); drop the view before the image."""
    fits = (reuse is not None and not reuse.isNull() and reuse.format() == QImage.Format.Format_RGB32
            and reuse.width() == width and reuse.height() == height)
    image = reuse if fits else QImage(width, height, QImage.Format.Format_RGB32)
    if image.isNull():
        raise MemoryError(f"no memory for a {width} x {height} image")
    rows = np.frombuffer(image.bits(), np.uint32).reshape(height, image.bytesPerLine() // 4)
    return image, rows[:, :width]


FILL_PIXELS = 1 << 19  # pixels filled at a time: the uint32 temporary stays 2 MB


def fill_rgb32(src: np.ndarray, out: np.ndarray) -> None:
    """Write uint8 gray (HxW) or RGB (HxWx3) ``src`` into uint32 ``out`` as RGB32
    (``0xffRRGGBB``, what Qt's Grayscale8/RGB888 -> RGB32 conversion gives), a band of
    rows at a time (a temporary the size of the image was 491 MB for a 2048x60000 strip)."""
    step = max(1, FILL_PIXELS // max(1, src.shape[1]))
    for y in range(0, src.shape[0], step):
        s, o = src[y:y + step], out[y:y + step]
        if s.ndim == 2:
            np.multiply(s, np.uint32(0x010101), out=o, dtype=np.uint32)
        else:
            np.left_shift(s[:, :, 0], np.uint32(16), out=o, dtype=np.uint32)
            o |= np.left_shift(s[:, :, 1], np.uint32(8), dtype=np.uint32)
            o |= s[:, :, 2]
        o |= np.uint32(0xFF000000)


def ndarray_to_qimage(arr: np.ndarray) -> tuple[QImage, np.ndarray]:
    """Wrap a uint8 HxW / HxWx3 / HxWx4 array as a QImage without copying pixels.

    Returns ``(image, buffer)``; the caller must keep ``buffer`` alive as long as the
    QImage is used (QImage does not own the memory).
    """
    buf = np.ascontiguousarray(arr, dtype=np.uint8)
    h, w = buf.shape[:2]
    if buf.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif buf.shape[2] == 3:
        fmt = QImage.Format.Format_RGB888
    elif buf.shape[2] == 4:
        fmt = QImage.Format.Format_RGBA8888
    elif buf.shape[2] == 1:
        buf = np.ascontiguousarray(buf[:, :, 0])
        fmt = QImage.Format.Format_Grayscale8
    else:
        raise ValueError(f"cannot display an array of shape {arr.shape}")
    return QImage(buf.data, w, h, buf.strides[0], fmt), buf


def _fmt_num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.3g}"


def measured(pixels: np.ndarray, meta) -> np.ndarray:
    """The pixels a window is measured from (Auto's percentiles, Full range's min/max): a
    DICOM's padding values (``meta.padding``: a CT's outside of the field of view, -2000
    or -3024 HU) left out, as its "As loaded" min/max leaves them out. Counted, a quarter
    of a CT slice at -3024 took Auto's low end: air and lung one mid gray."""
    padding = getattr(meta, "padding", None)
    if padding is None or pixels.ndim != 2:
        return pixels
    lo, hi = padding
    keep = (pixels < lo) | (pixels > hi)
    return pixels[keep] if keep.any() else pixels


def data_range(pixels: np.ndarray) -> tuple[float, float]:
    """Min and max of ``pixels`` (at most ~2 million sampled values, finite ones for
    float data); ``hi`` is raised to ``lo + 1`` when the data is flat."""
    flat = pixels.reshape(-1)
    step = max(1, flat.size // 2_000_000)
    sample = flat[::step]
    if sample.dtype.kind == "f":
        sample = sample[np.isfinite(sample)]
    lo, hi = (float(sample.min()), float(sample.max())) if sample.size else (0.0, 1.0)
    return (lo, hi if hi > lo else lo + 1.0)


def preset_window(name: str, pixels: Optional[np.ndarray],
                  loaded_window: Optional[tuple[float, float]],
                  value_range: tuple[float, float]) -> Optional[tuple[float, float]]:
    """The ``(center, width)`` preset ``name`` applies to ``pixels``; None for an
    unknown name (or "Custom") or when there are no pixels."""
    if pixels is None:
        return None
    if name == PRESET_AS_LOADED:
        return loaded_window or auto_window(pixels)
    if name == PRESET_AUTO:
        return auto_window(pixels)
    if name == PRESET_FULL:
        lo, hi = value_range
        return ((lo + hi) / 2.0, hi - lo)
    return CT_PRESETS.get(name)


def ct_presets_fit(meta, pixels: np.ndarray) -> bool:
    """CT presets (Hounsfield units) fit a gray CT DICOM whose values are HU (Rescale Type
    HU or unsaid), or signed non-DICOM data (a CT's repair); they were offered for every
    DICOM: MR, RGB, RT dose."""
    if str(getattr(meta, "format", "") or "").upper() == "DICOM":
        return (pixels.ndim == 2 and getattr(meta, "modality", "") == "CT"
                and getattr(meta, "rescale_type", "") in ("", "HU"))
    return pixels.dtype.kind == "i"


def drag_window(start: tuple[float, float], dx: float, dy: float,
                value_range: tuple[float, float]) -> tuple[float, float]:
    """The window after a right-drag of ``(dx, dy)`` px from ``start``: 400 px span
    ``value_range`` (the data's min..max); dragging right widens the window, dragging
    up raises its level (center)."""
    lo, hi = value_range
    per_px = (hi - lo) / 400.0  # 400 px of drag spans the whole data range
    center = start[0] - dy * per_px  # drag up: brighter is lower level
    width = max(per_px if per_px > 0 else 1e-6, start[1] + dx * per_px * 2.0)
    return (center, width)


def pixel_text(pixels: np.ndarray, sx: float, sy: float, dose: Optional[tuple[float, str]] = None) -> str:
    """``"(x, y) = value"`` for the pixel at image point ``(sx, sy)``; "" outside the image.
    ``dose``: an RT Dose's (Dose Grid Scaling, unit): "(x, y) = 41237 (2.06 Gy)"."""
    x, y = int(sx), int(sy)
    h, w = pixels.shape[:2]
    if 0 <= x < w and 0 <= y < h and sx >= 0 and sy >= 0:
        v = pixels[y, x]
        if np.ndim(v):
            val = "(" + ", ".join(_fmt_num(float(c)) for c in v) + ")"
        else:
            val = _fmt_num(float(v))
            if dose:
                val += f" ({_dose_num(float(v) * dose[0])}{' ' + dose[1] if dose[1] else ''})"
        return f"({x}, {y}) = {val}"
    return ""


def _dose_num(v: float) -> str:
    """A dose to three significant figures: "2.06", "0.0012", "3.0e-05", "0"."""
    return "0" if v == 0 else f"{v:.3g}" if abs(v) >= 0.001 else f"{v:.1e}"


def window_text(window: tuple[float, float]) -> str:
    """A (center, width) window/level as the status line shows it: "W 400  L 40"."""
    return f"W {_fmt_num(window[1])}  L {_fmt_num(window[0])}"


#: the ranks of the status line's parts (:func:`status_parts`): the lowest give way first
#: when the viewer is narrow; the zoom is never cut while another part can give way
RANK_FORMAT, RANK_SIZE, RANK_HOVER, RANK_FRAME, RANK_ZOOM = 1, 2, 3, 4, 100
#: a DICOM's Bits Stored and rescale: the first to give way, whole (a cut figure reads as another)
RANK_DEPTH_NOTES = 0


def status_parts(data, pixels: np.ndarray, zoom: float, fit: bool,
                 window: Optional[tuple[float, float]], hover: str) -> list[tuple]:
    """(text, rank[, may be shortened]) of each part of :func:`status_line`, in its order
    (see ``PartsLabel``)."""
    parts = []
    meta = getattr(data, "meta", None)
    h, w = pixels.shape[:2]
    parts.append((f"{w} \u00d7 {h}", RANK_SIZE))
    if meta is not None:
        kind = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}.get(meta.channels, f"{meta.channels} ch")
        # a DICOM's stored depth (its float pixels after a fractional slope said "32-bit")
        desc = f"{meta.bit_depth}-bit {kind}"
        if meta.format:
            desc = f"{meta.format} {desc}"
        parts.append((desc, RANK_FORMAT, True))  # (words: shortened before it goes)
        notes = getattr(meta, "depth_notes", "")  # "12 stored, rescaled x0.5 -1024": whole or not at all
        if notes:
            parts.append((notes, RANK_DEPTH_NOTES))
        dose = getattr(meta, "dose_scale", None)  # what a value readout's dose is
        if dose:
            parts.append((f"dose = value \u00d7 {dose[0]:g}{' ' + dose[1] if dose[1] else ''}", RANK_DEPTH_NOTES))
        spacing = spacing_text(meta)  # "pixels 1 × 0.5 mm": why the picture is stretched
        if spacing:
            parts.append((spacing, RANK_FORMAT))
        if meta.frames and meta.frames > 1:
            parts.append((f"frame {getattr(data, 'frame', 0) + 1}/{meta.frames}", RANK_FRAME))
    how = f" (fit {fit})" if fit in ("width", "height") else " (fit)" if fit else ""
    parts.append((f"zoom {zoom_text(zoom)}" + how, RANK_ZOOM))
    if window is not None:
        parts.append((window_text(window), RANK_ZOOM))
    if hover:
        parts.append((hover, RANK_HOVER))
    return parts


def status_line(data, pixels: np.ndarray, zoom: float, fit: bool,
                window: Optional[tuple[float, float]], hover: str) -> str:
    """Size, format and bit depth, frame, zoom (and "(fit)"), W/L and the hovered pixel
    of an ``ImageData`` whose pixels are ``pixels``, joined by dots."""
    return "   \u00b7   ".join(p[0] for p in status_parts(data, pixels, zoom, fit, window, hover))


def zoom_text(z: float) -> str:
    """"71%", "0.7%" (a long strip fitted whole: "1%" said it was at the old floor)."""
    pct = z * 100
    return f"{pct:.0f}%" if pct >= 9.5 else f"{pct:.1f}%" if pct >= 0.095 else f"{pct:.2g}%"
