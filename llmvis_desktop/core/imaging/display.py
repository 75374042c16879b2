"""Rendering pixels of any depth to 8-bit for the screen: windows and percentile stretch.

Pure numpy; :mod:`.reader` uses it for ``ImageData.display`` and the GUI calls
:func:`to_display` directly while the user drags window/level.
"""

from __future__ import annotations

import numpy as np


def auto_window(pixels: np.ndarray, low: float = 0.5, high: float = 99.5) -> tuple[float, float]:
    """(center, width) spanning the ``low``..``high`` percentiles (a robust stretch) of the
    colour part of ``pixels`` (an alpha channel is left out, as :func:`to_display` leaves it).

    An image of one value or one colour has nothing to stretch: it is shown in that colour
    (:func:`flat_window`), not mapped to black as the bottom of a zero-width window.
    """
    arr = _color_part(np.asarray(pixels))
    flat = arr.reshape(-1)
    if flat.size == 0:
        return (0.5, 1.0)
    step = max(1, flat.size // 1_000_000)  # a strided sample is plenty for percentiles
    sample = flat[::step]
    if sample.dtype.kind == "f":
        sample = sample[np.isfinite(sample)]
        if sample.size == 0:
            return (0.5, 1.0)
    lo, hi = (float(v) for v in np.percentile(sample, [low, high]))
    if hi <= lo:  # flat image or a few outliers: fall back to the full range
        lo, hi = float(sample.min()), float(sample.max())
        if hi <= lo and step > 1:  # the sample may have missed a few odd pixels (a defect)
            lo, hi = _full_range(arr, lo)
    if hi <= lo or _one_colour(arr):
        full = flat_window(arr.dtype, lo, hi)
        if full is not None:
            return full
    if hi <= lo:  # one value of a float or signed image: centred on it, mid gray
        return (lo, 1.0)
    width = hi - lo
    return (lo + width / 2.0, width)


def flat_window(dtype: np.dtype, lo: float, hi: float) -> tuple[float, float] | None:
    """The window an image of one value or one colour (samples ``lo``..``hi``) is shown
    through: the type's full scale for 8- and 16-bit unsigned samples (40000 of 65535 is
    156 of 255, as GIMP shows it), a float image's 0..1 when its samples lie there; None
    for any other (one value of it is shown mid gray, as a flat DICOM frame's min/max
    window shows it; one colour of it is stretched as before)."""
    dtype = np.dtype(dtype)
    if dtype in (np.uint8, np.uint16):
        full = float(np.iinfo(dtype).max)
        return (full / 2.0, full)
    if dtype.kind == "f" and 0.0 <= lo and hi <= 1.0:
        return (0.5, 1.0)
    return None


def _full_range(arr: np.ndarray, seen: float) -> tuple[float, float]:
    """Min and max of all of ``arr`` (finite values; ``seen`` is one of them), a few rows at
    a time: no whole-image temporaries."""
    lo = hi = seen
    step = max(1, CHUNK // max(1, arr[:1].size))
    for top in range(0, arr.shape[0], step):
        part = arr[top:top + step]
        if part.dtype.kind == "f":
            part = part[np.isfinite(part)]
        if part.size:
            lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
    return lo, hi


def _one_colour(arr: np.ndarray) -> bool:
    """Whether a colour image (HxWxC) is all one colour (its channels differing, so the
    joint percentiles do not find it flat): checked on a grid of at most 65x65 pixels
    first, so a photo costs next to nothing, then on all of them, a few rows at a time."""
    if arr.ndim != 3 or arr.size == 0:
        return False
    first = arr[0, 0]
    grid = arr[::max(1, arr.shape[0] // 64), ::max(1, arr.shape[1] // 64)]
    if not (grid == first).all():
        return False
    step = max(1, CHUNK // max(1, arr[:1].size))
    return all((arr[top:top + step] == first).all() for top in range(0, arr.shape[0], step))


def _color_part(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 3 and pixels.shape[2] == 2:
        return pixels[:, :, 0]
    if pixels.ndim == 3 and pixels.shape[2] > 3:
        return pixels[:, :, :3]
    return pixels


def to_display(
    pixels: np.ndarray, window: tuple[float, float] | None = None, *, invert: bool = False,
    sigmoid: bool = False,
) -> np.ndarray:
    """Map pixels linearly to uint8: ``center - width/2`` -> 0, ``center + width/2`` -> 255.

    ``window`` None means :func:`auto_window`.  An 8- or 16-bit alpha channel (gray+alpha,
    RGBA) is not windowed: the windowed colour is composited over white by it
    (:func:`composite_alpha`), as an 8-bit image shown as stored is; other extra
    channels are dropped (result is HxW or HxWx3).  ``invert`` flips the ramp (DICOM MONOCHROME1: pass
    ``meta.mode == "MONOCHROME1"``).  Integer inputs up to 16 bits go through a lookup
    table, fast enough to call on every mouse move of a window/level drag.  ``sigmoid``:
    the DICOM VOI LUT Function SIGMOID, ``255 / (1 + exp(-4 (x - center) / width))``.
    """
    full = np.asarray(pixels)
    arr = _color_part(full)
    if window is None:
        window = auto_window(arr)
    shown = _to_display(arr, window, invert, sigmoid)
    return composite_alpha(shown, full) if _has_alpha(full) else shown


def _has_alpha(pixels: np.ndarray) -> bool:
    """Gray+alpha or RGBA of 8 or 16 bits (a float or 32-bit image's extra channel is
    dropped, as before: its alpha has no agreed full scale)."""
    return pixels.ndim == 3 and pixels.shape[2] in (2, 4) and pixels.dtype in (np.uint8, np.uint16)


def _to_display(arr: np.ndarray, window: tuple[float, float], invert: bool, sigmoid: bool) -> np.ndarray:
    center, width = float(window[0]), max(float(window[1]), 1e-12)
    lo, scale = center - width / 2.0, 255.0 / width

    def ramp(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if sigmoid:
            z = (values.astype(np.float64) - center) * (-4.0 / width)
            f = (255.0 / (1.0 + np.exp(np.clip(z, -700.0, 700.0)))).astype(np.float32)
        else:
            # in place when ``values`` is already a float32 scratch copy (a chunk below)
            f = values if out is not None and values.dtype == np.float32 else values.astype(np.float32)
            f -= np.float32(lo)
            f *= np.float32(scale)
        np.clip(f, 0.0, 255.0, out=f)
        f += 0.5
        if out is None:
            out = np.empty(f.shape, np.uint8)
        np.copyto(out, f, casting="unsafe")
        return np.subtract(255, out, out=out) if invert else out

    if arr.dtype in (np.uint8, np.uint16):
        return ramp(np.arange(256 if arr.dtype == np.uint8 else 65536))[arr]
    if arr.dtype == np.int16:
        return ramp(np.arange(-32768, 32768))[arr.view(np.uint16) ^ np.uint16(0x8000)]
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    return _ramp_in_chunks(arr, ramp, sigmoid)


CHUNK = 1 << 20  # elements converted at a time: float temporaries stay a few MB


def _ramp_in_chunks(arr: np.ndarray, ramp, sigmoid: bool) -> np.ndarray:
    """``ramp(nan_to_num(arr))`` a few rows at a time, into one uint8 result.

    The whole-image version made a float64 copy, a second one for ``nan_to_num`` and a
    float32 one: 1.2 GB at the peak for a 192 MB float32 TIFF.  NaN counts as 0 as
    before; in float32 infinities need no replacing (``nan_to_num``'s largest finite
    float64 turned back into an infinity in float32 anyway, and the ramp clips it).
    64-bit inputs and the sigmoid still go through float64 as before, so the pixels
    are the same.
    """
    out = np.empty(arr.shape, np.uint8)
    if arr.size == 0 or arr.ndim == 0:
        return ramp(np.nan_to_num(arr.astype(np.float64)), out) if arr.ndim == 0 else out
    wide = sigmoid or arr.dtype.itemsize >= 8
    step = max(1, CHUNK // max(1, arr[:1].size))  # rows per chunk
    with np.errstate(over="ignore", invalid="ignore"):  # infinities are meant: clipped to 0/255
        for start in range(0, arr.shape[0], step):
            values = arr[start:start + step].astype(np.float64 if wide else np.float32)
            if wide:
                np.nan_to_num(values, copy=False)
            else:
                np.copyto(values, 0, where=np.isnan(values))
            ramp(values, out[start:start + step])
    return out


def _composite_on_white(pixels: np.ndarray) -> np.ndarray:
    """uint8 gray+alpha / RGBA -> gray / RGB over a white background."""
    return composite_alpha(_color_part(pixels), pixels)


def composite_alpha(shown: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """``shown`` (uint8 HxW or HxWx3: the colour of ``pixels`` rendered) over white, by
    the alpha channel of ``pixels`` (gray+alpha or RGBA, 8 or 16 bits: full scale 255 or
    65535; an 8-bit image's result is as it was, to the same rounding)."""
    alpha = pixels[:, :, -1]
    full = 255 if alpha.dtype == np.uint8 else 65535
    out = np.empty(shown.shape, np.uint8)
    step = max(1, CHUNK // max(1, shown[:1].size))  # rows at a time: temporaries stay small
    for top in range(0, shown.shape[0], step):
        a = alpha[top:top + step].astype(np.uint32)
        if shown.ndim == 3:
            a = a[:, :, None]
        color = shown[top:top + step].astype(np.uint32)
        np.copyto(out[top:top + step], (color * a + 255 * (full - a) + full // 2) // full, casting="unsafe")
    return out


def display_for(
    pixels: np.ndarray, window: tuple[float, float] | None, *, invert: bool = False
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Display image and the window used: 8-bit passes through unless a window is given
    or it is to be shown inverted (``ImageMeta.inverted``)."""
    if pixels.dtype == np.uint8 and window is None and not invert:
        if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
            return _composite_on_white(pixels), None
        return _color_part(pixels), None
    if window is None:
        window = (127.5, 255.0) if pixels.dtype == np.uint8 else auto_window(_color_part(pixels))
    return to_display(pixels, window, invert=invert), window
