"""A TIFF page's rows, top to bottom, a band at a time (as stored: no orientation applied).

A tiled, colour or one-strip TIFF was decoded whole for its thumbnail and for the models
(a 2048x60000 RGB line-scan strip: 860-910 MB at the peak, the pixels and Pillow's
4-byte copy of them). :func:`rows` yields a page's rows as they come off the file:

- stripped: strip by strip (tifffile's ``segments``, one worker: its codecs, predictors);
- tiled: one row of tiles at a time, the tiles set side by side into a band as decoded;
- uncompressed strips larger than :data:`MAX_SEGMENT_BYTES` (a file written as one
  strip): read straight from the file, :data:`RAW_BAND_BYTES` of rows at a time.

:func:`bandable` says which pages: gray (MinIsBlack, MinIsWhite) 8- or 16-bit, or RGB
8-bit of three samples, interleaved (no alpha, no planes), unsigned, one image deep. A
compressed strip or tile over :data:`MAX_SEGMENT_BYTES`, or a band of a quarter of the
image or more, gains nothing (decoded whole).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

#: a strip or tile larger than this, compressed, is decoded whole (no gain in bands)
MAX_SEGMENT_BYTES = 8 << 20
#: bytes of rows read at a time from an uncompressed strip larger than that
RAW_BAND_BYTES = 1 << 20


def is_colour(page) -> bool:
    """An RGB page of three 8-bit samples (what :func:`bandable` takes besides gray)."""
    return int(page.samplesperpixel) == 3 and int(page.photometric) == 2


def _segment_bytes(page) -> int:
    per_pixel = int(page.samplesperpixel) * int(page.bitspersample) // 8
    if page.is_tiled:
        return int(page.tilelength) * int(page.tilewidth) * per_pixel
    return int(page.rowsperstrip or page.imagelength) * int(page.imagewidth) * per_pixel


def bandable(page) -> bool:
    """Whether :func:`rows` can read ``page`` a band at a time."""
    samples, bits = int(page.samplesperpixel), int(page.bitspersample)
    gray = samples == 1 and int(page.photometric) in (0, 1) and bits in (8, 16)
    colour = is_colour(page) and bits == 8 and int(page.planarconfig) == 1 and not len(page.extrasamples or ())
    if not (gray or colour) or int(page.sampleformat) != 1 or int(page.imagedepth) > 1:
        return False
    if page.is_tiled and int(page.tiledepth or 1) > 1:
        return False
    raw = not page.is_tiled and int(page.compression) == 1 and _segment_bytes(page) > MAX_SEGMENT_BYTES
    if raw:
        return True
    # a band (a row of tiles, a strip) of a quarter of the image or more gains nothing:
    # a wide strip of a few tile rows (40000x400 in 256-px tiles) is decoded whole
    rows = int(page.tilelength) if page.is_tiled else int(page.rowsperstrip or page.imagelength)
    return _segment_bytes(page) <= MAX_SEGMENT_BYTES and 4 * rows <= int(page.imagelength)


def rows(tf, page) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, rows: H x W, or H x W x 3 for colour) top to bottom; ``page`` of ``tf``
    must be :func:`bandable`. The last band stops at the image's last row."""
    w, h = int(page.imagewidth), int(page.imagelength)
    shape = (w, 3) if is_colour(page) else (w,)
    if page.is_tiled:
        yield from _tile_rows(page, w, h, shape)
    elif _segment_bytes(page) <= MAX_SEGMENT_BYTES:
        for data, index, _shape in page.segments(maxworkers=1, buffersize=1 << 20):
            if data is None:
                continue
            y0 = int(index[2])
            yield y0, data.reshape((data.shape[1],) + shape)[:h - y0]
    else:
        yield from _raw_rows(tf, page, h, shape)


def _tile_rows(page, w: int, h: int, shape: tuple) -> Iterator[tuple[int, np.ndarray]]:
    tl = int(page.tilelength)
    band, top = None, None
    for data, index, _shape in page.segments(maxworkers=1, buffersize=1 << 20):
        if data is None:  # a tile the file leaves out: zeros, as tifffile fills it
            continue
        y0, x0 = int(index[2]), int(index[3])
        if band is not None and y0 != top:
            yield top, band[:h - top]
            band = None
        if band is None:
            band, top = np.zeros((tl,) + shape, page.dtype), y0
        tile = data.reshape((data.shape[1], data.shape[2]) + shape[1:])
        band[:, x0:x0 + tile.shape[1]] = tile[:, :w - x0]
    if band is not None:
        yield top, band[:h - top]


def _raw_rows(tf, page, h: int, shape: tuple) -> Iterator[tuple[int, np.ndarray]]:
    """An uncompressed page's rows read straight from the file, a few MB at a time."""
    dtype = np.dtype(page.dtype).newbyteorder(tf.byteorder)
    row_bytes = int(np.prod(shape)) * dtype.itemsize
    per_strip = int(page.rowsperstrip or h)
    step = max(1, RAW_BAND_BYTES // row_bytes)
    fh = tf.filehandle
    for s, offset in enumerate(page.dataoffsets):
        first = s * per_strip
        for at in range(0, min(per_strip, h - first), step):
            n = min(step, per_strip - at, h - first - at)
            fh.seek(int(offset) + at * row_bytes)
            buf = fh.read(n * row_bytes)
            if len(buf) != n * row_bytes:
                raise ValueError(f"failed to read {n * row_bytes} bytes, got {len(buf)}")
            band = np.frombuffer(buf, dtype).reshape((n,) + shape)
            yield first + at, band if dtype.isnative else band.astype(dtype.newbyteorder("="))


__all__ = ["MAX_SEGMENT_BYTES", "bandable", "is_colour", "rows"]
