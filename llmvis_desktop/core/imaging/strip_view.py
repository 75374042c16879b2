"""Line-scan strips shown small: a thumbnail that holds the whole strip, folded.

A line-scan camera's image (a web of steel, textile, paper: 20x20000, 2048x60000,
60000x300) shrunk into a thumbnail's square was a sliver 1 to 9 pixels across: every
strip looked the same. A strip (long side :data:`STRIP_ASPECT` or more times its short
one; a 3:1 or 6:1 panorama is still a readable thumbnail and is left as it is) is shrunk
so that it will fill the square once folded, then cut along its length into k pieces
(k about the square root of its aspect) laid side by side (a tall strip) or stacked (a
wide one), start first, with a thin white gap between pieces so that a fold is not
taken for a feature of the web: the whole strip, at one scale both ways, as the models
see it (:mod:`llmvis_desktop.core.suggest.strips`). The grid says so with a "strip"
badge naming its size.
"""
from __future__ import annotations

import math

from PIL import Image

#: long side this many times the short one or more: shown folded in a thumbnail
STRIP_ASPECT = 8.0
GAP = 2  # pixels between pieces (in the thumbnail)
GAP_VALUE = 255  # white, as the grid's background


def is_strip(width: int | None, height: int | None) -> bool:
    """Whether an image of this size is a strip (shown folded in the grid)."""
    if not width or not height:
        return False
    return max(width, height) >= STRIP_ASPECT * max(1, min(width, height))


def pieces_for(width: int, height: int, aspect: float = STRIP_ASPECT) -> int:
    """Pieces a strip is cut into: the square root of its aspect, rounded (1: not a strip,
    its long side under ``aspect`` times the short one; the models fold from 4:1)."""
    if not width or not height or max(width, height) < aspect * max(1, min(width, height)):
        return 1
    return max(2, round(math.sqrt(max(width, height) / max(1, min(width, height)))))


def lay_out(im: Image.Image, k: int, gap: int = 0, fill=0) -> Image.Image:
    """``im`` cut along its length into ``k`` pieces (fewer when the last would be empty),
    start first, laid side by side (a tall strip) or stacked (a wide one), ``gap`` pixels
    of ``fill`` apart."""
    w, h = im.size
    tall = h >= w
    long = h if tall else w
    step = -(-long // k)
    k = -(-long // step)  # (the last piece may have been empty)
    across = k * (w if tall else h) + gap * (k - 1)
    out = Image.new(im.mode, (across, step) if tall else (step, across), fill)
    for i in range(k):
        box = (0, i * step, w, min(h, (i + 1) * step)) if tall else (i * step, 0, min(w, (i + 1) * step), h)
        at = i * ((w if tall else h) + gap)
        out.paste(im.crop(box), (at, 0) if tall else (0, at))
    return out


def strip_scale(width: int, height: int, size: int) -> float:
    """The scale a strip is shrunk by before it is folded into a ``size`` square (at most 1)."""
    k = pieces_for(width, height)
    long, short = max(width, height), max(1, min(width, height))
    # folded: k short sides (plus gaps) across, long / k along; both should fit ``size``
    return min(1.0, (size - GAP * (k - 1)) / (k * short), size * k / long)


def shrink(im: Image.Image, size: int) -> Image.Image:
    """``im`` shrunk for a ``size`` thumbnail: to fit the square, or, a strip, to the
    scale :func:`fold` lays it out at (the image is changed in place when it can be)."""
    w, h = im.size
    if not is_strip(w, h):
        im.thumbnail((size, size))
        return im
    s = strip_scale(w, h, size)
    if s >= 1.0:
        return im
    return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BICUBIC, reducing_gap=2.0)


def fold(im: Image.Image, size: int) -> Image.Image:
    """A strip (shrunk by :func:`shrink`) folded into about a ``size`` square, pieces
    separated by a white gap; any other image as it is. Never larger than ``size``."""
    w, h = im.size
    k = pieces_for(w, h)
    if k == 1:
        return im
    fill = GAP_VALUE if im.mode in ("L", "I", "F") else (GAP_VALUE,) * len(im.getbands())
    out = lay_out(im, k, GAP, fill)
    out.thumbnail((size, size))
    return out


__all__ = ["GAP", "STRIP_ASPECT", "fold", "is_strip", "lay_out", "pieces_for", "shrink", "strip_scale"]
