"""The learned suggester on line-scan strips: scored in tiles (:mod:`.strip_tiles`).

The suggester learned from its reviewed images at their scale; a strip squeezed whole
into its 96-px input (or its handcrafted features' grid) lost a 40-px hole. A strip is
read once (in bands where it can be: :mod:`..imaging.strip_read`), cut into tiles of
the reviewed images' typical short side (the median; at most ``max_tiles``),
:data:`~.strip_tiles.TILES_AT_ONCE` tiles scored at a time, and
each label takes its highest tile's score; the caption is retrieved with the features
of the tile that gave the top label. A suggester that learned from strips (no reviewed
image that is not one) scores strips whole, as it learned them.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Callable, Optional, Sequence

import numpy as np

from .learned_cnn import unit_rows
from .linear import _unit
from .strip_tiles import TILES_AT_ONCE, is_tiled, max_over_tiles, params_for, tile_grid

log = logging.getLogger(__name__)


def tile_side(recs: Sequence) -> Optional[int]:
    """The tile side for a suggester fitted on ``recs``: the median short side of those
    that are not strips themselves (None: all are, or none has a size)."""
    sides = [min(r.width, r.height) for r in recs if r.width and r.height and not is_tiled(r.width, r.height)]
    return int(np.median(sides)) if sides else None


def tile_cache_for(project, extractor_name: str, persist: bool = True):
    """The :class:`~.tile_cache.TileCache` of ``extractor_name``'s tile rows, beside the
    project's feature cache (in memory only when not ``persist``)."""
    from .features import cache_path_for
    from .tile_cache import TileCache

    return TileCache(cache_path_for(project, f"{extractor_name}-tiles") if persist else None, extractor_name)


def tiled_indices(recs: Sequence, side: Optional[int]) -> list[int]:
    """Indices of ``recs`` scored in tiles (none without a tile side)."""
    return [i for i, r in enumerate(recs) if side and is_tiled(r.width, r.height)] if side else []


def score(model, kind: str, X) -> tuple[np.ndarray, np.ndarray]:
    """(label probabilities, unit feature rows for caption retrieval) of features ``X``
    (the CNN path: (handcrafted features, network inputs))."""
    if kind == "cnn":
        P, emb = model.proba_and_embed(X[1], X[0])  # one pass of the network for both
        return P, unit_rows(emb)
    return model.predict_proba(X), _unit(model, X)


def score_strips(project, recs: Sequence, model, kind: str, extractor, inputs, side: int, max_tiles: int,
                 check: Callable[[], None] = lambda: None, cache=None) -> dict:
    """{index into ``recs``: (per-label max probabilities, unit features of the top label's
    tile, per-label :func:`~.strip_tiles.params_for`)}; a strip that cannot be read is left
    out (logged), as :func:`~.features.features_for` leaves out an image. ``cache``: a
    :class:`~.tile_cache.TileCache` of the tiles' handcrafted rows (a strip found there is
    not read at all; the network, which needs its pixels, still reads it)."""
    from ..imaging.strip_read import strip_tiles_source

    out = {}
    for i, rec in enumerate(recs):
        check()
        key = cache.key(rec, side, max_tiles) if cache is not None else None
        hit = cache.get(key) if cache is not None else None
        with contextlib.ExitStack() as held:
            src = None  # the strip's tiles, read in bands (never the strip whole twice)
            if hit is None or kind == "cnn":
                try:
                    src = held.enter_context(strip_tiles_source(
                        project.path_of(rec), max_pixels=getattr(project, "max_pixels", None) or 178_956_970))
                except Exception as exc:
                    log.info("learned suggester skips %s: %s", rec.relpath, exc)
                    continue
                if hit is not None and hit[0] != src.size:
                    hit = None
            (w, h), rows = hit if hit is not None else (src.size, None)
            boxes = tile_grid(w, h, side, max_tiles)
            Ps, Us, Fs = [], [], []
            for at, tiles in (src.tiles(boxes, TILES_AT_ONCE) if src is not None else
                              ((at, None) for at in range(0, len(boxes), TILES_AT_ONCE))):
                check()
                F = rows[at:at + TILES_AT_ONCE] if rows is not None else extractor.extract(tiles)
                Fs.append(F)
                X = (F, inputs.unflatten(inputs.extract(tiles))) if kind == "cnn" else F
                P, U = score(model, kind, X)
                Ps.append(P)
                Us.append(U)
                del tiles, X  # (before the next ones are cut)
        if cache is not None and rows is None:
            cache.put(key, (w, h), np.concatenate(Fs))
        P, U = np.concatenate(Ps), np.concatenate(Us)
        best_p, best = max_over_tiles(P)
        out[i] = (best_p, U[best[int(np.argmax(best_p))]], [params_for(boxes, (w, h), int(b)) for b in best])
    if cache is not None:
        cache.save()
    return out


def score_all(project, recs: Sequence, read, model, kind: str, extractor, inputs, side: Optional[int],
              max_tiles: int, check: Callable[[], None] = lambda: None, cache=None):
    """(indices of ``recs`` scored, their label probabilities, their unit features, {index
    of a strip scored in tiles: :func:`score_strips`'s entry}). ``read(records)``: the
    suggester's (features, indices read) of the images that are not tiled."""
    strips = tiled_indices(recs, side)
    plain = [i for i in range(len(recs)) if i not in set(strips)]
    X, keep = read([recs[i] for i in plain])
    at = {plain[k]: n for n, k in enumerate(keep)}  # image -> its row of X
    tiled = score_strips(project, [recs[i] for i in strips], model, kind, extractor, inputs, side, max_tiles,
                         check, cache) if strips else {}
    tiled = {strips[k]: v for k, v in tiled.items()}
    keep = sorted([*at, *tiled])
    if not keep:
        return keep, None, None, tiled
    P, U = score(model, kind, X) if at else (None, None)
    P = np.stack([tiled[i][0] if i in tiled else P[at[i]] for i in keep])
    U = np.stack([tiled[i][1] if i in tiled else U[at[i]] for i in keep])
    return keep, P, U, tiled
