"""A large TIFF read for its thumbnail strip by strip, each strip averaged down as it comes.

A 2048x60000 16-bit line-scan strip was decoded whole to make its thumbnail (245 MB of
pixels, 719 MB peak with the decoder's buffers and the display rendering). A stripped,
single-sample (gray) 8- or 16-bit TIFF of :data:`REDUCE_FROM` pixels or more is read
here one strip at a time (tifffile's ``segments``, one worker): each strip is summed
into cells of ``f`` x ``f`` pixels, ``f`` chosen so that the result still has twice the
pixels the thumbnail (folded, for a strip: :mod:`.strip_view`) needs, and a strided
sample of its values is kept for the window. The window is the viewer's: the file's own
window if it has one, else the 0.5-99.5 percentile stretch of :func:`.display.auto_window`
over the same sample of one value in ``size // 1_000_000`` (a flat sample falls back
to the full range, seen as the strips pass, as ``auto_window`` does). 8-bit data
without a window is shown as stored, MinIsWhite inverted. Tiled pages, 8-bit RGB ones
(shown as stored) and uncompressed ones of one strip are read in bands too
(:mod:`.tiff_bands`: a 2048x60000 RGB strip's thumbnail peaked at 860-910 MB, decoded
whole). Anything else (planar, float, alpha, compressed strips or tiles over
:data:`.tiff_bands.MAX_SEGMENT_BYTES`, a file tifffile cannot stream) returns None: the
caller decodes it whole, as before.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .display import CHUNK, auto_window, flat_window, to_display
from .errors import PathLike, check_size
from .reader import DEFAULT_MAX_PIXELS, open_source
from .strip_view import is_strip, strip_scale
from .tiff_bands import bandable, is_colour, rows as band_rows

#: pixels from which a TIFF's thumbnail is read reduced (below: decoded whole, as before)
REDUCE_FROM = 16_000_000
SAMPLES = 1_000_000  # as auto_window: one value in size // SAMPLES


def _factor(width: int, height: int, size: int) -> int:
    """Cells of f x f pixels averaged into one: twice the resolution the thumbnail uses."""
    scale = strip_scale(width, height, size) if is_strip(width, height) else size / max(width, height)
    return max(1, int(1.0 / (2.0 * scale)))


def _stream(path: PathLike, size: int | None, max_pixels: int | None, reduce_from: int | None = None):
    """(reduced mean pixels or None, window sample, full lo, full hi, page facts) or None;
    a TIFF under ``reduce_from`` pixels (None: :data:`REDUCE_FROM`), or not streamable,
    gives None."""
    import tifffile

    from .tiff import _check_data_inside, _display_hints, _tiff_page_info

    with open_source(path) as (fh, kind):
        if kind != "tiff":
            return None
        try:
            tf = tifffile.TiffFile(fh)
        except Exception:
            return None
        with tf:
            page = tf.pages.first
            width, height, *_rest, orientation = _tiff_page_info(page)
            check_size(path, width, height, max_pixels)
            if width * height < (REDUCE_FROM if reduce_from is None else reduce_from) or not bandable(page):
                return None
            _check_data_inside(tf, page, path)
            w, h = int(page.imagewidth), int(page.imagelength)  # as stored
            f = _factor(width, height, size) if size else 0
            step = max(1, (w * h) // SAMPLES)
            window, sigmoid = _display_hints(page)
            colour = is_colour(page)
            if colour and window is not None:  # (a gray display hint on colour: decoded whole)
                return None
            cells = (-(-h // max(1, f)), -(-w // max(1, f))) + ((3,) if colour else ())
            acc = np.zeros(cells, np.float64) if f > 1 else None
            samples, lo, hi = [], None, None
            try:
                if colour and acc is None:  # shown as stored: no window to sample for
                    pass
                else:
                    for y0, block in band_rows(tf, page):
                        if not colour:
                            start = y0 * w  # bands are whole rows: their flat offset
                            samples.append(block.reshape(-1)[(-start) % step::step].copy())
                            bmin, bmax = int(block.min()), int(block.max())
                            lo = bmin if lo is None else min(lo, bmin)
                            hi = bmax if hi is None else max(hi, bmax)
                        if acc is not None:
                            _add(acc, block, y0, f)
            except Exception:  # a codec missing, a damaged strip: the whole decode says what
                return None
            white = int(page.photometric) == 0
            sample = np.concatenate(samples) if samples else np.zeros(0, page.dtype)
            return acc, f, sample, lo, hi, (w, h, orientation, window, sigmoid, white, np.dtype(page.dtype))


def _add(acc: np.ndarray, block: np.ndarray, y0: int, f: int) -> None:
    """Sum ``block`` (rows ``y0``.. of the image) into ``acc``'s f x f cells."""
    rows, cols = block.shape[:2]
    rs = np.flatnonzero(np.diff((np.arange(rows) + y0) // f, prepend=-1))
    cs = np.arange(0, cols, f)
    # columns first, a few rows at a time (a file of one strip is one block: no float
    # copy of all of it), then rows
    chunk = max(1, CHUNK // max(1, block[0].size))
    narrow = np.concatenate([np.add.reduceat(block[top:top + chunk].astype(np.float64), cs, axis=1)
                             for top in range(0, rows, chunk)])
    part = np.add.reduceat(narrow, rs, axis=0)
    acc[(y0 + rs) // f, : part.shape[1]] += part


def _window(sample: np.ndarray, lo, hi, dtype) -> tuple[float, float]:
    """:func:`auto_window` of the whole image, from its strided sample and full range."""
    win = auto_window(sample)
    s_lo, s_hi = float(sample.min()), float(sample.max())
    if s_hi <= s_lo and lo is not None and hi > lo:  # the sample missed a few odd pixels
        return (lo + (hi - lo) / 2.0, float(hi - lo))
    if s_hi <= s_lo:
        return flat_window(dtype, s_lo, s_hi) or win
    return win


def stream_window(path: PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS):
    """The window the viewer shows a large stripped gray TIFF through (None: not one)."""
    got = _stream(path, None, max_pixels)
    if got is None:
        return None
    _acc, _f, sample, lo, hi, (_w, _h, _o, window, _s, _white, dtype) = got
    return window or (None if dtype == np.uint8 else _window(sample, lo, hi, dtype))


def reduced_source(path: PathLike, size: int, max_pixels: int | None = DEFAULT_MAX_PIXELS):
    """The display rendering of a large stripped gray TIFF, averaged down to about twice
    what a ``size`` thumbnail needs (mode "L", orientation applied); None: decode it whole."""
    from .tiff import _orient

    got = _stream(path, size, max_pixels)
    if got is None or got[0] is None:
        return None
    acc, f, sample, lo, hi, (w, h, orientation, window, sigmoid, white, dtype) = got
    rows = np.bincount(np.arange(h) // f).astype(np.float64)
    cols = np.bincount(np.arange(w) // f).astype(np.float64)
    tail = (None,) * (acc.ndim - 2)  # (a colour channel)
    acc /= rows[(slice(None), None) + tail]  # (in place: no temporaries the size of acc)
    acc /= cols[(None, slice(None)) + tail]
    mean = acc.astype(np.float32)
    del acc
    if window is None and dtype != np.uint8:
        window = _window(sample, lo, hi, dtype)
    if window is None and not white:
        shown = np.clip(np.rint(mean), 0, 255).astype(np.uint8)
    else:
        window = window or (127.5, 255.0)
        shown = to_display(mean, window, invert=white, sigmoid=sigmoid)
    return Image.fromarray(np.ascontiguousarray(_orient(shown, orientation)))


__all__ = ["REDUCE_FROM", "reduced_source", "stream_window"]
