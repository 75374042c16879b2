"""A large TIFF line-scan strip read for the models in bands: the folded picture and the
labeler's tiles made as its rows pass, the strip never held whole.

:func:`.reading.model_image` decoded a strip whole for the fold (:func:`.strips.fold`)
and the zero-shot labeler's tiles (:func:`.strip_tiles.cut_tiles`): a 2048x60000 RGB
TIFF, tiled, striped or of one strip, peaked at 860-910 MB in the reader (tifffile's
array and Pillow's 4-byte copy of it); a gray one held its display whole. Here a TIFF
that :mod:`..imaging.tiff_bands` reads in bands (orientation as stored) is read once,
band by band:

- the fold's shrink is Pillow's own: ``resize(..., reducing_gap=2.0)`` first averages
  whole blocks (``Image.reduce``), then resamples the rest of the way; the blocks are
  averaged here as the rows pass (bands a whole number of blocks high, so each block is
  the one Pillow averages), and the resample is the same call on the reduced image: the
  folded picture is the same, bit for bit;
- the tiles are cut from the rows as they pass (:class:`..imaging.strip_read._TiffBands`)
  and resized as :func:`.strip_tiles.cut_tiles` resizes them: the same pixels.

Any other file returns None: the caller reads it whole, as before.
"""
from __future__ import annotations

import os
from typing import Iterator, Optional

import numpy as np

from .strip_tiles import is_tiled, tile_grid
from .strips import fold_plan

BAND_BYTES = 2 << 20  # rows gathered before they are averaged (at least a block high)


class _Blocks:
    """Rows averaged in ``fx`` x ``fy`` blocks as they come, as ``Image.reduce`` does, into
    one Pillow image of the reduced size (no list of parts, no concatenated copy)."""

    def __init__(self, fx: int, fy: int, width: int, height: int, mode: str) -> None:
        from PIL import Image

        self.f = (fx, fy)
        self.out = Image.new(mode, (-(-width // fx), -(-height // fy)))
        self._pending: list[np.ndarray] = []
        self._have = 0
        self._at = 0  # reduced rows filled

    def add(self, rows: np.ndarray) -> None:
        self._pending.append(rows)
        self._have += len(rows)
        if self._have >= self.f[1] and self._have * rows[0].nbytes >= BAND_BYTES:
            self._reduce(final=False)

    def _reduce(self, final: bool) -> None:
        from PIL import Image

        if not self._pending:
            return
        rows = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        n = len(rows) if final else len(rows) // self.f[1] * self.f[1]
        if n:
            part = Image.fromarray(np.ascontiguousarray(rows[:n])).reduce(self.f)
            self.out.paste(part, (0, self._at))
            self._at += part.height
        self._pending = [rows[n:]] if n < len(rows) else []
        self._have = len(rows) - n

    def image(self):
        self._reduce(final=True)
        return self.out


def strip_model_input(path, max_pixels: Optional[int], target_side: int,
                      tiles: Optional[tuple] = None) -> Optional[tuple]:
    """(folded picture, its ``model_input`` view, the tiles as :func:`.strip_tiles.cut_tiles`
    gives them or None) of a large TIFF strip, read in bands; None: not such a file."""
    from PIL import Image

    from ..imaging.reader import read_header
    from ..imaging.strip_read import BANDED_FROM_BYTES, _tiff_bands
    from ..imaging.strip_view import lay_out
    from .resize import exact_size

    try:
        if os.path.getsize(path) < BANDED_FROM_BYTES:
            return None
    except OSError:
        return None
    meta = read_header(path, max_pixels=max_pixels)
    if meta.format != "TIFF" or meta.frames != 1 or not is_tiled(meta.width, meta.height):
        return None
    plan = fold_plan(meta.width, meta.height, target_side)
    if plan is None or plan[2] is None:
        return None
    src = _tiff_bands(path, max_pixels)
    if src is None or tuple(src.size) != (meta.width, meta.height):
        return None
    (w, h), (k, view, size) = src.size, plan
    fx, fy = int(w / size[0] / 2.0) or 1, int(h / size[1] / 2.0) or 1  # as Image.resize
    blocks = _Blocks(fx, fy, w, h, "RGB" if meta.channels == 3 else "L")

    def passing() -> Iterator[tuple[int, np.ndarray]]:
        for y0, rows in src._rows():
            rows = rows[:h - y0]
            blocks.add(rows)
            yield y0, rows

    boxes = tile_grid(w, h, tiles[0], tiles[1]) if tiles else None
    if boxes and 4 * boxes[0][3] > h:  # tiles a quarter of the height or more (a wide strip's,
        return None  # across it): a band of them is the strip, read whole as before
    rows = passing()
    cut = None
    if tiles:
        side, bound, resize = tiles
        tile_size = exact_size(resize, (boxes[0][2], boxes[0][3])) if resize else None
        if tile_size is not None:
            pixels = np.empty((len(boxes), tile_size[1], tile_size[0], 3), np.uint8)
            for at, got in src.tiles(boxes, 1, rows=rows):  # one at a time: resized at once
                for i, t in enumerate(got):
                    pixels[at + i] = np.asarray(Image.fromarray(t).convert("RGB").resize(tile_size, resize[3]))
            cut = {"spec": [int(side), int(bound)], "source_px": [w, h], "boxes": boxes, "pixels": pixels}
    for _ in rows:  # the rest of the strip, for the picture
        pass
    small = blocks.image().resize(size, Image.BICUBIC, box=(0, 0, w / fx, h / fy))
    return lay_out(small, k), view, cut


__all__ = ["strip_model_input"]
