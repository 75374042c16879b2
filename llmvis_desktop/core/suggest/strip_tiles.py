"""Line-scan strips scored in tiles: a small defect anywhere on the strip can decide a label.

Folded (:mod:`.strips`) and shrunk to a model's input, a 2048x20000 strip is about 12 of
its pixels per input pixel: a 40-px hole or scratch is 3 px, and the learned suggester
scored the strip with a hole as it scored a clean one ("hole" 0.25 and 0.25). A strip
(long side :data:`~.strips.FOLD_ASPECT` or more times its short one) is instead cut into
square tiles of the side the model learned from (:func:`tile_grid`), at most
``max_tiles`` of them (the project's :data:`SETTING`, default :data:`DEFAULT_MAX_TILES`;
over that the tiles grow until the strip fits in that many), each tile scored, and each
label given its highest score over the tiles: "is there a hole anywhere on this strip".
The suggestion's parameters say so (:data:`PARAM`: the tile count, their size, and the
tile that gave the label's score, with its box in the strip's pixels), and a card's
tooltip shows it (:func:`describe`). The max over many tiles is higher than one tile's
score for the same clean surface: a clean strip's "hole" rises with the tile count.
"""
from __future__ import annotations

import contextlib
import math
from typing import Optional, Sequence

from .strips import pieces_for

#: the project setting: at most this many tiles per strip
SETTING = "strip_max_tiles"
DEFAULT_MAX_TILES = 128
#: the suggestion parameter that says a strip was tiled
PARAM = "strip_tiles"
TILES_AT_ONCE = 32  # tiles cut and scored at once (their crops and features held together)
#: the image's key (PIL ``info``) of the tiles its reader cut (:func:`cut_tiles`)
TILES_KEY = "strip_tiles_cut"


def is_tiled(width: Optional[int], height: Optional[int]) -> bool:
    """Whether an image of this size is scored in tiles: a strip by the models' rule."""
    return bool(width and height) and pieces_for(int(width), int(height)) > 1


def max_tiles_of(project, given: Optional[int] = None) -> int:
    """The tile bound: ``given``, else the project's setting, else the default (at least 1)."""
    if given is None:
        try:
            given = (project.settings() or {}).get(SETTING)
        except Exception:  # (a project without settings: the default)
            given = None
    try:
        return max(1, int(given)) if given is not None else DEFAULT_MAX_TILES
    except (TypeError, ValueError):
        return DEFAULT_MAX_TILES


def _starts(length: int, side: int) -> list[int]:
    """Where tiles of ``side`` start along ``length``: evenly, the first at 0 and the last
    flush with the end (neighbours overlap where ``side`` does not divide ``length``)."""
    n = max(1, -(-length // side))
    if n == 1:
        return [0]
    return [round(i * (length - side) / (n - 1)) for i in range(n)]


def tile_grid(width: int, height: int, side: int, max_tiles: int = DEFAULT_MAX_TILES) -> list[tuple]:
    """The tiles (x, y, w, h) covering a ``width`` x ``height`` strip: squares of ``side``
    (no larger than the short side), or, were that more than ``max_tiles``, the smallest
    larger squares that make at most that many; a strip too thin for that many squares
    is cut across its length into ``max_tiles`` pieces, short side by long / max_tiles."""
    short, long = min(width, height), max(width, height)
    s = max(1, min(int(side), short))
    if -(-width // s) * -(-height // s) > max_tiles:
        s = max(s, math.ceil(math.sqrt(width * height / max_tiles)))
        while s < short and -(-width // s) * -(-height // s) > max_tiles:
            s += max(1, s // 50)
        s = min(s, short)
    along = s if -(-long // s) * -(-short // s) <= max_tiles else -(-long // max_tiles)
    tw, th = (s, along) if height >= width else (along, s)
    return [(x, y, tw, th) for y in _starts(height, th) for x in _starts(width, tw)]


def max_over_tiles(P) -> tuple:
    """(per-label max over the tiles' scores ``P`` (tiles, labels), the tile of each max)."""
    import numpy as np

    P = np.asarray(P)
    best = P.argmax(axis=0)
    return P[best, np.arange(P.shape[1])], best


def params_for(boxes: Sequence[tuple], size: tuple, best: int) -> dict:
    """The :data:`PARAM` parameter of a label scored on tile ``best`` of ``boxes``."""
    x, y, w, h = boxes[best]
    return {PARAM: {"tiles": len(boxes), "tile_px": [int(boxes[0][2]), int(boxes[0][3])],
                    "source_px": [int(size[0]), int(size[1])], "best_tile": int(best) + 1,
                    "best_box": [int(x), int(y), int(w), int(h)]}}


def describe(tiled: Optional[dict]) -> str:
    """A line for a card's tooltip: which tile of a tiled strip gave the score, or ""."""
    if not isinstance(tiled, dict):
        return ""
    try:
        x, y, w, h = (int(v) for v in tiled["best_box"])
        tw, th = (int(v) for v in tiled["tile_px"])
        return (f"\nscored in {int(tiled['tiles'])} tiles of {tw}x{th} (the strip's highest): "
                f"tile {int(tiled['best_tile'])}, x {x}-{x + w}, y {y}-{y + h}")
    except (KeyError, TypeError, ValueError):
        return ""


def best_box(tiled: Optional[dict]) -> Optional[tuple]:
    """((x, y, w, h) of the tile that gave a label its score, (strip width, height)) from a
    card's :data:`PARAM`, or None (no tiles, or no valid box)."""
    if not isinstance(tiled, dict):
        return None
    try:
        x, y, w, h = (int(v) for v in tiled["best_box"])
        sw, sh = (int(v) for v in tiled["source_px"])
    except (KeyError, TypeError, ValueError):
        return None
    return ((x, y, w, h), (sw, sh)) if w > 0 and h > 0 and sw > 0 and sh > 0 else None


def tiles_of(array, boxes: Sequence[tuple]):
    """(start, the tiles of ``array`` (H x W [x C]) in ``boxes``, as views) per
    :data:`TILES_AT_ONCE` of them."""
    for at in range(0, len(boxes), TILES_AT_ONCE):
        yield at, [array[y:y + h, x:x + w] for x, y, w, h in boxes[at:at + TILES_AT_ONCE]]


def cut_tiles(im, spec: Optional[tuple]) -> Optional[dict]:
    """In the job's reader, from the strip it decoded for the folded picture (``im``, PIL,
    the display rendering at full size): the tiles :class:`ZeroShotTiles` scores, each
    resized as the model's processor would (``spec``: (tile side, tile bound, the
    :func:`.resize.reader_resize` spec)), so the strip is not read again on the model
    thread. None: not a strip, no spec, or tiles the processor would enlarge (then
    :class:`ZeroShotTiles` reads the strip itself)."""
    if not spec or not is_tiled(*im.size):
        return None
    import numpy as np

    from .resize import exact_size

    side, bound, resize = spec
    w, h = im.size
    boxes = tile_grid(w, h, side, bound)
    size = exact_size(resize, (boxes[0][2], boxes[0][3])) if resize else None
    if size is None:
        return None
    pixels = np.empty((len(boxes), size[1], size[0], 3), np.uint8)
    for k, (x, y, tw, th) in enumerate(boxes):
        pixels[k] = np.asarray(im.crop((x, y, x + tw, y + th)).convert("RGB").resize(size, resize[3]))
    return {"spec": [int(side), int(bound)], "source_px": [w, h], "boxes": boxes, "pixels": pixels}


class ZeroShotTiles:
    """A zero-shot labeler's (CLIP, SigLIP) scores for the strips of a batch, from tiles of
    its input side at the strip's own resolution (at most ``max_tiles``; the project's
    setting by default). Called on the model thread, after the batch's folded strips were
    scored, with the tiles the job's reader cut from its read of the strip
    (:func:`cut_tiles`); a strip it cut none of is read again here, in bands where it can
    be (:mod:`..imaging.strip_read`). Its tiles are scored in the job's batches, so the
    model thread spends one scoring per tile on it."""

    def __init__(self, project, max_tiles: Optional[int] = None) -> None:
        self.project, self.max_tiles = project, max_tiles_of(project, max_tiles)
        self.tiled: list[int] = []  # the tile count of each strip scored so

    def __call__(self, eng, recs: Sequence, labels: Sequence[str], prompt: str, batch: int,
                 images: Optional[Sequence] = None) -> dict:
        """{index into ``recs``: (per-label max scores, per-label :func:`params_for`)};
        ``images``: the batch's images of ``recs`` as the reader handed them."""
        from PIL import Image

        from ..imaging.strip_read import strip_tiles_source
        from .registry import input_side

        out = {}
        for n, rec in enumerate(recs):
            if not is_tiled(rec.width, rec.height):
                continue
            side = input_side(eng.loaded) or 224
            cut = (getattr(images[n], "info", None) or {}).pop(TILES_KEY, None) if images is not None else None
            if cut is not None and cut["spec"] == [side, self.max_tiles]:
                boxes, (w, h), pixels = cut["boxes"], cut["source_px"], cut["pixels"]
                P = []
                for at in range(0, len(boxes), TILES_AT_ONCE):
                    P += eng.scores([Image.fromarray(t) for t in pixels[at:at + TILES_AT_ONCE]], labels, prompt,
                                    batch=batch)
                out[n] = self._best(P, boxes, (w, h))
                continue
            with contextlib.ExitStack() as held:
                try:
                    src = held.enter_context(strip_tiles_source(self.project.path_of(rec),
                                                                max_pixels=self.project.max_pixels))
                except Exception:  # (the folded strip's scores stand)
                    continue
                w, h = src.size
                boxes = tile_grid(w, h, side, self.max_tiles)
                P = []
                for _at, tiles in src.tiles(boxes, TILES_AT_ONCE):
                    P += eng.scores([Image.fromarray(t).convert("RGB") for t in tiles], labels, prompt, batch=batch)
                    del tiles  # (before the next ones are cut)
            out[n] = self._best(P, boxes, (w, h))
        return out

    def _best(self, P, boxes: Sequence[tuple], size: tuple) -> tuple:
        best_p, best = max_over_tiles(P)
        self.tiled.append(len(boxes))
        return [float(v) for v in best_p], [params_for(boxes, size, int(b)) for b in best]


__all__ = ["DEFAULT_MAX_TILES", "PARAM", "SETTING", "TILES_KEY", "ZeroShotTiles", "best_box", "cut_tiles", "describe",
           "is_tiled", "max_over_tiles", "max_tiles_of", "params_for", "tile_grid", "tiles_of"]
