"""Inpainting inference with bounded memory and untouched pixels outside the mask.

Pipeline: dilate the mask a few pixels (the *hole*); crop each connected hole region
with a context margin (skipping tiles of a sparse crop that hold no hole pixel);
inside a crop, run the fill engine -- the GAN in overlapping tiles blended with
positive ramp weights, processed one band of tile rows at a time so memory does not
grow with the crop -- and write back only hole pixels, feathered across the dilation
ring.  Every pixel outside the hole keeps its exact stored value.  Pixels stay at
their depth and type (uint8, uint16, int16, float); RGB is three planes, an alpha
channel is kept as is.

The GAN's intensity normalisation (per channel, the 1-99 % range mapped to [-1, 1])
comes from the known pixels around each hole region and is shared by all its tiles, so
the values under the mask never steer the fill and tiles meet without brightness steps.
A region deeper than half a tile is filled from the outside in, one ring of half a tile
at a time, each ring using the rings already filled as known context, so no tile is
filled without context however large the hole.

``detail`` > 0 adds high-frequency texture from nearby known patches on top of any
engine's fill (:mod:`detail`; seeded, so deterministic), written through the same
hole-only write-back.
"""
from __future__ import annotations

import copy
import itertools
import threading
import weakref
from typing import Callable, Optional

import numpy as np
from scipy import ndimage as ndi

from ..errors import first_line
from ..tasks import CancelToken
from . import RepairError
from .detail import detail_field
from .train import MIN_SPAN, resolve_device

_COPIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # generator -> {device: copy}
_COPIES_LOCK = threading.Lock()


def generator_on(generator, device: str):
    """``generator`` itself when it already lives on ``device``; else a copy there, made
    once and kept while the generator lives. The caller's module is never moved, so a
    cached generator can serve the CPU and a GPU in turn."""
    import torch

    want = torch.device(device)
    p = next(generator.parameters(), None)
    if p is None or (p.device.type == want.type and want.index in (None, p.device.index)):
        return generator
    with _COPIES_LOCK:
        per = _COPIES.setdefault(generator, {})
        g = per.get(str(want))
        if g is None:
            g = per[str(want)] = copy.deepcopy(generator).to(want).eval()
    return g


def as_mask(mask: np.ndarray, shape: tuple, names: tuple = ("", "")) -> np.ndarray:
    """Any mask array (bool, 0/255, RGB, RGBA alpha) -> bool (H, W); size must match.
    ``names``: the mask's and the image's files, named when the sizes differ."""
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m[..., 3] if m.shape[2] == 4 and m[..., 3].min() != m[..., 3].max() else m[..., :3].max(axis=2)
    if m.shape != tuple(shape[:2]):
        from .mask_file import mask_size_error

        raise RepairError(mask_size_error(m.shape, shape, *names))
    return m > 0


def dilate(mask: np.ndarray, px: int) -> np.ndarray:
    if px <= 0:
        return mask.copy()
    r = int(px)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return ndi.binary_dilation(mask, structure=(yy * yy + xx * xx) <= r * r + r)


def component_boxes(hole: np.ndarray, margin: int):
    """Per connected hole region (8-connected): (crop box expanded by ``margin``,
    bool mask of the region's own pixels within that crop)."""
    lab, n = ndi.label(hole, structure=np.ones((3, 3), bool))
    h, w = hole.shape
    for k, sl in enumerate(ndi.find_objects(lab), start=1):
        if sl is None:
            continue
        ys, xs = sl
        y0, y1 = max(0, ys.start - margin), min(h, ys.stop + margin)
        x0, x1 = max(0, xs.start - margin), min(w, xs.stop + margin)
        own = np.zeros((y1 - y0, x1 - x0), bool)
        own[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0] = lab[sl] == k
        yield (y0, y1, x0, x1), own


def feather_alpha(mask: np.ndarray, hole: np.ndarray, px: int) -> np.ndarray:
    """1 on the mask, falling linearly to ~0 across the dilation ring, 0 outside the hole."""
    if px <= 0:
        return hole.astype(np.float32)
    d = ndi.distance_transform_edt(~mask)
    a = np.clip(1.0 - d / (px + 1.0), 0.0, 1.0).astype(np.float32)
    a[mask] = 1.0
    a[~hole] = 0.0
    return a


def color_planes(pixels: np.ndarray) -> int:
    """The planes a repair fills: gray (and gray + alpha) 1, RGB (and RGBA) 3; alpha is kept."""
    return 1 if pixels.ndim == 2 or pixels.shape[2] < 3 else 3


def _value_range(pixels: np.ndarray) -> tuple:
    if pixels.dtype.kind in "ui":
        info = np.iinfo(pixels.dtype)
        return float(info.min), float(info.max)
    return -np.inf, np.inf


def write_back(out: np.ndarray, box, fill: np.ndarray, alpha: np.ndarray) -> None:
    """out[box] = alpha * fill + (1 - alpha) * out[box], only where alpha > 0; cast to
    the image's type with rounding and clipping.  ``fill`` is (C, h, w) float."""
    y0, y1, x0, x1 = box
    sel = alpha > 0
    if not sel.any():
        return
    lo, hi = _value_range(out)
    region = out[y0:y1, x0:x1]
    a = alpha[sel]
    for c in range(fill.shape[0]):
        view = region if region.ndim == 2 else region[..., c]
        orig = view[sel].astype(np.float64)
        val = a * fill[c][sel] + (1 - a) * orig
        if out.dtype.kind in "ui":
            val = np.clip(np.rint(val), lo, hi)
        view[sel] = val.astype(out.dtype)


def _global_span(pixels: np.ndarray) -> float:
    if pixels.dtype == np.uint8:
        return 255.0
    sub = pixels[::8, ::8].astype(np.float32)
    lo, hi = np.percentile(sub, [0.5, 99.5])
    return float(max(hi - lo, 1e-6))


# --------------------------------------------------------------------------- GAN engine

def _tile_origins(n: int, tile: int, stride: int) -> list:
    if n <= tile:
        return [0]
    ys = list(range(0, n - tile + 1, stride))
    if ys[-1] + tile < n:
        ys.append(n - tile)
    return ys


def _ramp(n: int, overlap: int) -> np.ndarray:
    i = np.arange(n, dtype=np.float32)
    r = np.minimum((i + 1) / (overlap + 1), (n - i) / (overlap + 1))
    return np.clip(r, 1.0 / (overlap + 1), 1.0)


class GanFiller:
    """Fills a crop with the generator, tile by tile."""

    def __init__(self, generator, *, tile: int = 384, overlap: int = 64, device: str = "cpu") -> None:
        from .networks import MULTIPLE

        device = resolve_device(device)
        self._source = generator
        self.g = generator_on(generator, device)
        self.tile = max(MULTIPLE * 8, tile - tile % MULTIPLE)
        self.overlap = min(overlap, self.tile // 2)
        self.device = device
        self.multiple = MULTIPLE
        self.notes: list = []  # what happened on the way (the GPU out of memory: the CPU took over)

    def _run(self, planes: np.ndarray, hole: np.ndarray, norm: tuple) -> np.ndarray:
        """planes (C, h, w) float32 raw values; ``norm`` (lo, span) per channel, shared by
        every tile of a region; returns predictions (C, h, w) in raw units."""
        import torch

        lo, span = norm
        x = (planes - lo[:, None, None]) / span[:, None, None] * 2 - 1
        h, w = hole.shape
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        m = hole.astype(np.float32)
        if ph or pw:
            mode = "reflect" if h > ph and w > pw else "edge"
            x = np.pad(x, ((0, 0), (0, ph), (0, pw)), mode=mode)
            m = np.pad(m, ((0, ph), (0, pw)), mode=mode)
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[:, None]
        mt = torch.from_numpy(np.ascontiguousarray(m))[None, None].expand(xt.shape[0], 1, -1, -1)
        try:
            pred = self._predict(xt, mt)
        except Exception as exc:
            from ..suggest.engines import is_oom

            if not is_oom(exc):
                raise
            if self.device == "cpu":
                raise RepairError(f"the CPU ran out of memory during the repair ({first_line(exc, 120)}); "
                                  f"nothing was saved: close other programs and try again") from None
            self._on_cpu(exc)
            pred = self._predict(xt, mt)
        p = pred[:, 0, :h, :w].clamp(-1, 1).float().cpu().numpy()
        return (p + 1) / 2 * span[:, None, None] + lo[:, None, None]

    def _predict(self, xt, mt):
        """The generator's prediction for the tiles ``xt`` under ``mt`` (on the CPU), on this
        filler's device."""
        import torch

        xt, mt = xt.to(self.device), mt.to(self.device)
        with torch.inference_mode():
            if xt.shape[-1] * xt.shape[-2] > 300_000 and xt.shape[0] > 1:
                return torch.cat([self.g(xt[i:i + 1], mt[i:i + 1]) for i in range(xt.shape[0])])
            return self.g(xt, mt)

    def _on_cpu(self, exc: BaseException) -> None:
        """The GPU ran out of memory (another program holds it, or a huge tile): its cache is
        freed and the rest of this repair runs on the CPU, said in ``notes`` (the repair
        failed with the bare "CUDA out of memory" before). The next repair tries the GPU again."""
        from ..suggest.engines import free_cache

        gpu = self.device
        self.g = None  # (the GPU copy stays cached for the next repair; only this filler lets go)
        free_cache(gpu)
        self.g = generator_on(self._source, "cpu")
        self.device = "cpu"
        self.notes.append(f"the GPU ({gpu}) ran out of memory ({first_line(exc, 120)}), so the repair "
                          f"finished on the CPU")

    def fill(self, planes_src: Callable[[int, int, int, int], np.ndarray], hole: np.ndarray, norm: tuple,
             emit: Callable[[int, int, np.ndarray, np.ndarray], None], token: Optional[CancelToken] = None,
             need: Optional[np.ndarray] = None, sighted: bool = False) -> None:
        """Tile the crop; ``planes_src(y0, y1, x0, x1)`` gives (C, h, w) float32; ``emit(y0, y1,
        pred_rows, covered_rows)`` receives final predictions band by band (rows y0:y1, full
        crop width; ``covered_rows``: where a tile predicted).  Only tiles holding a pixel of
        ``need`` (default: the hole) run; with ``sighted``, only those with a known pixel."""
        need = hole if need is None else need
        h, w = hole.shape
        t, ov = self.tile, self.overlap
        stride = t - ov
        ys, xs = _tile_origins(h, t, stride), _tile_origins(w, t, stride)
        th, tw = min(t, h), min(t, w)
        wy, wx = _ramp(th, ov if h > t else 0), _ramp(tw, ov if w > t else 0)
        win = wy[:, None] * wx[None, :]
        C = None
        acc = wsum = None
        base = 0
        for ri, y in enumerate(ys):
            if token is not None:
                token.check()
            for x in xs:
                if not need[y:y + th, x:x + tw].any() or (sighted and hole[y:y + th, x:x + tw].all()):
                    continue
                pred = self._run(planes_src(y, y + th, x, x + tw), hole[y:y + th, x:x + tw], norm)
                if acc is None:
                    C = pred.shape[0]
                    acc = np.zeros((C, th, w), np.float32)
                    wsum = np.zeros((th, w), np.float32)
                r0 = y - base
                acc[:, r0:r0 + th, x:x + tw] += pred * win
                wsum[r0:r0 + th, x:x + tw] += win
            nxt = ys[ri + 1] if ri + 1 < len(ys) else h
            if acc is None:
                base = nxt
                continue
            done = nxt - base
            emit(base, nxt, acc[:, :done] / np.maximum(wsum[:done], 1e-8), wsum[:done] > 0)
            acc = np.roll(acc, -done, axis=1)
            wsum = np.roll(wsum, -done, axis=0)
            acc[:, th - done:] = 0
            wsum[th - done:] = 0
            base = nxt

    def fill_region(self, planes_src: Callable[[int, int, int, int], np.ndarray], hole: np.ndarray,
                    own: np.ndarray, norm: tuple, emit: Callable, token: Optional[CancelToken] = None) -> None:
        """Fill one hole region (``own``, within a crop whose hole is ``hole``) from the
        outside in: ring k holds the region's pixels at (chessboard) depth k*D+1..(k+1)*D
        from the known pixels, D = half a tile; while ring k is filled, the rings before it
        are known context (``planes_src`` must read them back once written), except their
        last D/2 px, which ring k fills again and blends in (no step between rings).  A
        ring's tiles without any known pixel are skipped; what only they would cover stays
        a hole for the next pass (so nothing is filled from no context).
        ``emit(y0, y1, pred_rows, keep_rows)``: write ``pred_rows`` weighted by ``keep_rows``
        (None: the whole region's rows, weight 1).  A region no deeper than D is one pass."""
        d = self.tile // 2
        h, w = hole.shape
        depth = ndi.distance_transform_cdt(hole, metric="chessboard") if min(h, w) > 2 * d else None
        top = int(depth.max()) if depth is not None else 0
        if top <= d:
            self.fill(planes_src, hole, norm, lambda a, b, p, _c: emit(a, b, p, None), token)
            return
        depth = depth.astype(np.uint16) if top < 65535 else depth
        others = hole & ~own  # other regions in the crop: never context
        filled = np.zeros_like(hole)
        ov = d // 2  # a ring re-fills the last ov px of the one before, blending in
        for k in itertools.count():
            left = hole & own & ~filled
            if k * d >= top and not left.any():
                return
            start = max(k * d - ov, 0)
            # still a hole: deeper than this ring's start, other regions, and what an
            # earlier pass left unfilled (it lay only in tiles without context)
            hole_k = (depth > start) | others | left
            ring = hole_k & (depth <= (k + 1) * d) & own
            del left

            def emit_ring(a, b, p, covered, _ring=ring, _start=start):
                ramp = np.clip((depth[a:b].astype(np.float32) - _start) / (ov + 1), 0, 1)
                keep = _ring[a:b] & covered
                emit(a, b, p, keep * np.where(filled[a:b], ramp, np.float32(1)))
                filled[a:b] |= keep

            before = int(np.count_nonzero(filled))
            self.fill(planes_src, hole_k, norm, emit_ring, token, need=ring, sighted=True)
            if int(np.count_nonzero(filled)) == before and ring.any():
                # no tile of the ring had context (cannot happen while context grows
                # by a ring per pass; kept so the loop always ends)
                self.fill(planes_src, hole_k, norm, emit_ring, token, need=ring)
            del hole_k, ring


def _known_bounds(out: np.ndarray, hole: np.ndarray, box, nplanes: int) -> tuple:
    """(lo, hi), each (C, 1, 1) float32: the least and greatest known value of each plane
    in the crop ``box`` (the whole image's known pixels when the crop has none)."""
    y0, y1, x0, x1 = box
    known = ~hole[y0:y1, x0:x1]
    sub = out[y0:y1, x0:x1]
    if not known.any():
        sub, known = out, ~hole
    if not known.any():  # (nothing known anywhere: nothing to hold it to)
        inf = np.full((nplanes, 1, 1), np.inf, np.float32)
        return -inf, inf
    vals = sub[known].reshape(int(known.sum()), -1)[:, :nplanes].astype(np.float32)
    return vals.min(axis=0)[:, None, None], vals.max(axis=0)[:, None, None]


def known_range(region: np.ndarray, hole: np.ndarray, nplanes: int, min_span: float,
                limit: int = 1_000_000) -> Optional[tuple]:
    """(lo, span) per colour plane (float32 arrays): the 1-99 % range of ``region``'s
    pixels outside ``hole`` (as training normalises), at least ``min_span`` wide; read
    on a regular subsample of about ``limit`` pixels. None when no pixel is known."""
    h, w = hole.shape
    step = max(1, int(np.sqrt(h * w / limit)))
    known = ~hole[::step, ::step]
    if not known.any() and step > 1:
        step, known = 1, ~hole
    if not known.any():
        return None
    sub = region[::step, ::step]
    lo = np.empty(nplanes, np.float32)
    span = np.empty(nplanes, np.float32)
    for c in range(nplanes):
        plane = sub if sub.ndim == 2 else sub[..., c]
        a, b = np.percentile(plane[known].astype(np.float32), [1, 99])
        lo[c], span[c] = a, max(b - a, min_span)
    return lo, span


# --------------------------------------------------------------------------- driver

def inpaint(pixels: np.ndarray, mask: np.ndarray, *, method: str = "gan", generator=None,
            dilate_px: int = 2, feather_px: Optional[int] = None, margin: int = 24, tile: int = 256,
            overlap: int = 64, radius: int = 5, device: str = "cpu", detail: float = 0.0, seed: int = 0,
            token: Optional[CancelToken] = None, notes: Optional[list] = None) -> np.ndarray:
    """Repair ``pixels`` under ``mask``; returns a new array of the same shape and type.
    ``device`` runs the GAN there (``auto``: CUDA when there is one, else the CPU); a GPU
    that runs out of memory hands the rest to the CPU, and ``notes`` gets a line saying so.
    ``detail`` (>= 0; 0 = off, 1 = the surround's full high-frequency energy) adds texture
    from nearby known patches, chosen with ``seed``."""
    if pixels.ndim not in (2, 3):
        raise RepairError(f"cannot repair an array of shape {pixels.shape}")
    m = as_mask(mask, pixels.shape)
    if not m.any():
        raise RepairError("the mask is empty: paint over the region to repair first")
    hole = dilate(m, dilate_px)
    if hole.all():
        raise RepairError("the mask covers the whole image: nothing is left to fill it from")
    feather_px = dilate_px if feather_px is None else feather_px
    if not np.isfinite(detail) or detail < 0:
        raise RepairError(f"detail must be a number >= 0, not {detail!r}")
    out = pixels.copy()
    nplanes = color_planes(pixels)
    min_span = MIN_SPAN * _global_span(pixels)

    if method == "gan":
        if generator is None:
            raise RepairError("the GAN engine needs a generator (load a checkpoint)")
        filler = GanFiller(generator, tile=tile, overlap=overlap, device=device)
        filler.notes = notes if notes is not None else filler.notes
    elif method in ("telea", "ns"):
        from .classical import classical_fill
    else:
        raise RepairError(f"unknown repair method {method!r} (choose gan, telea or ns)")

    for box, own in component_boxes(hole, margin):
        if token is not None:
            token.check()
        y0, y1, x0, x1 = box
        hole_c = hole[y0:y1, x0:x1]  # every hole pixel in the crop is unknown input...
        alpha = feather_alpha(m[y0:y1, x0:x1], hole_c, feather_px)
        alpha[~own] = 0.0  # ...but a crop writes only its own region

        def src(a, b, c, d, _y0=y0, _x0=x0):
            sub = out[_y0 + a:_y0 + b, _x0 + c:_x0 + d]
            sub = sub[None] if sub.ndim == 2 else np.moveaxis(sub[..., :nplanes], -1, 0)
            return sub.astype(np.float32)

        bounds = _known_bounds(out, hole, box, nplanes) if detail > 0 else None

        def textured(fill, b, _bounds=bounds):
            if detail > 0:  # held to the values around the region: no brighter or darker spot than it has
                fill = fill + detail_field(pixels, hole, b, detail, seed, fill.shape[0], fill=fill)
                fill = np.clip(fill, *_bounds)
            return fill

        if method == "gan":
            # hole pixels filled by an earlier band of rows stay marked as hole (only an
            # earlier ring of a deep region is context), and never count for normalisation
            def emit(a, b, pred, keep, _box=box, _alpha=alpha):
                band = (_box[0] + a, _box[0] + b, _box[2], _box[3])
                write_back(out, band, textured(pred, band), _alpha[a:b] if keep is None else _alpha[a:b] * keep)

            # normalised by the known pixels around the region (never the hole's own
            # values), the same for all its tiles; the whole image's known pixels when
            # the crop has none
            norm = known_range(out[y0:y1, x0:x1], hole_c, nplanes, min_span) or known_range(
                out, hole, nplanes, min_span)
            filler.fill_region(src, hole_c, own, norm, emit, token)
        else:
            fill = classical_fill(out[y0:y1, x0:x1], hole_c, method, radius)
            write_back(out, box, textured(fill, box), alpha)
    return out
