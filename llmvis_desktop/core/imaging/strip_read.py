"""A line-scan strip's tiles read without holding the strip twice, or at all, whole.

The suggesters score a strip in tiles at its own resolution (:mod:`..suggest.strip_tiles`).
Reading it with :func:`.reader.read_image` held the decoded pixels, their display
rendering and, for an 8-bit RGB PNG, Pillow's copy beside numpy's: a 2048x60000 RGB PNG
(370 MB of pixels) peaked at 1.2 GB, a 16-bit TIFF at 1.6 times its pixels. Here:

- a gray 8- or 16-bit or an 8-bit RGB TIFF, striped, tiled or of one uncompressed strip
  (what :mod:`.tiff_bands` reads in bands; orientation as stored) is read band by band,
  holding no more than a band of tiles: a gray one first for the display window (the
  viewer's, as :mod:`.tiff_reduced` computes it), then the tiles are cut from the
  rendered rows as they pass (the display of a 2048x60000 16-bit strip: 392 MB at the
  peak before, about a band of tiles after; an RGB one, tiled: 908 MB, 170 MB);
- any other file is decoded once: a plain 8-bit one (most PNGs, JPEGs) is kept as
  Pillow decoded it and each tile cropped from it, never turned into one numpy array;
  another keeps only its display rendering (the full-depth pixels are let go).

The tiles are the pixels ``read_image(path).display[y:y + h, x:x + w]`` would give.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Optional, Sequence

import numpy as np
from PIL import Image

from .errors import PathLike
from .reader import DEFAULT_MAX_PIXELS

AT_ONCE = 32  # tiles yielded at a time (as :data:`..suggest.strip_tiles.TILES_AT_ONCE`)


class _Whole:
    """Tiles cropped from the image decoded once (a Pillow image, or a display array)."""

    def __init__(self, got) -> None:
        self._im = got
        self.size = got.size if isinstance(got, Image.Image) else (got.shape[1], got.shape[0])

    def _cut(self, box) -> np.ndarray:
        x, y, w, h = box
        if isinstance(self._im, Image.Image):
            tile = self._im.crop((x, y, x + w, y + h))
            return np.asarray(tile.convert("RGB") if tile.mode == "P" else tile)
        return np.ascontiguousarray(self._im[y:y + h, x:x + w])

    def tiles(self, boxes: Sequence[tuple], at_once: int = AT_ONCE) -> Iterator[tuple[int, list]]:
        for at in range(0, len(boxes), at_once):
            yield at, [self._cut(b) for b in boxes[at:at + at_once]]

    def close(self) -> None:
        self._im = None


class _TiffBands:
    """Tiles of a stripped gray TIFF cut from its rendered rows as the strips pass."""

    def __init__(self, path: PathLike, size: tuple, shown) -> None:
        self.path, self.size, self._shown = path, size, shown  # shown(raw rows) -> display rows

    def _rows(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, display rows) per band of the file (:mod:`.tiff_bands`), top to bottom."""
        import tifffile

        from .reader import open_source
        from .tiff_bands import rows

        with open_source(self.path) as (fh, _kind), tifffile.TiffFile(fh) as tf:
            for y0, raw in rows(tf, tf.pages.first):
                yield y0, self._shown(raw)

    def tiles(self, boxes: Sequence[tuple], at_once: int = AT_ONCE, rows=None) -> Iterator[tuple[int, list]]:
        """Tiles in ``boxes`` (ordered by their top row, as :func:`tile_grid` makes them);
        ``rows``: the (first row, display rows) to cut them from (default: :meth:`_rows`)."""
        if any(b[1] < a[1] for a, b in zip(boxes, boxes[1:])):
            raise ValueError("tiles must come top to bottom")
        own = rows is None
        rows = self._rows() if own else rows
        band, top = None, 0  # the rendered rows top.. held
        for at in range(0, len(boxes), at_once):
            out = []
            for x, y, w, h in boxes[at:at + at_once]:
                if band is not None and y > top:  # rows above this tile are needed by none after it
                    band, top = band[min(y - top, len(band)):], y
                parts = [] if band is None else [band]
                have = top + (0 if band is None else len(band))
                while have < y + h:
                    y0, more = next(rows)
                    parts.append(more[max(0, top - y0):])
                    have = y0 + len(more)
                band = np.concatenate(parts) if len(parts) > 1 else parts[0]
                out.append(band[y - top:y - top + h, x:x + w].copy())
            yield at, out
        if own:
            rows.close()

    def close(self) -> None:
        """Nothing held between calls."""


def _tiff_bands(path: PathLike, max_pixels: Optional[int]) -> Optional[_TiffBands]:
    """A :class:`_TiffBands` for a streamable TIFF as stored (orientation 1), else None."""
    from . import tiff_reduced
    from .display import to_display

    got = tiff_reduced._stream(path, None, max_pixels, reduce_from=0)
    if got is None:
        return None
    _acc, _f, sample, lo, hi, (w, h, orientation, window, sigmoid, white, dtype) = got
    if orientation != 1:
        return None
    if window is None and dtype != np.uint8:
        window = tiff_reduced._window(sample, lo, hi, dtype)
    if window is None and not white:
        def shown(raw):
            return raw
    else:
        window = window or (127.5, 255.0)

        def shown(raw):
            return to_display(raw, window, invert=white, sigmoid=sigmoid)
    return _TiffBands(path, (w, h), shown)


#: files from this size may be a strip worth reading in bands (a smaller one is decoded whole)
BANDED_FROM_BYTES = 16 << 20


@contextlib.contextmanager
def strip_tiles_source(path: PathLike, max_pixels: Optional[int] = DEFAULT_MAX_PIXELS):
    """A source of ``path``'s display tiles: ``.size`` (width, height) and
    ``.tiles(boxes)`` yielding (start, [tile arrays]) per :data:`AT_ONCE` boxes."""
    from .reader import _read, open_source

    src = None
    with open_source(path) as (_fh, kind):
        tiff = kind == "tiff"
    if tiff:
        src = _tiff_bands(path, max_pixels)
    if src is None:
        got = _read(path, 0, max_pixels, None, None, None, plain=True)
        src = _Whole(got if isinstance(got, Image.Image) else got.display)
        del got
    try:
        yield src
    finally:
        src.close()


__all__ = ["AT_ONCE", "BANDED_FROM_BYTES", "strip_tiles_source"]
