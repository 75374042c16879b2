"""Texture detail re-injected into a fill: high-frequency residual from nearby known patches.

A fill that minimises pixel error (the GAN's, Telea's, Navier-Stokes') is smoother than
the truth wherever the texture is unpredictable (grass, gravel, noise).  ``detail_field``
adds back the high frequencies of the surround: the hole is covered by overlapping
blocks on a grid fixed to the image; each block copies the high-pass residual
(pixels minus a Gaussian blur) of a randomly chosen nearby block that lies wholly in
known pixels, weighted by a sine window whose squares sum to one across the overlap
(so the added texture keeps the surround's variance, without block seams).  Strength
``s`` scales it: 0 adds nothing, 1 adds the surround's full high-frequency energy.

This trades pixel error for realism (the perception-distortion trade-off): the added
texture is plausible, not the true texture, so PSNR/SSIM fall as ``s`` grows.

Each block depends only on the image's known pixels, the hole, the seed and the
block's position, so the result is the same however the caller crops or bands the
work, and the same seed gives the same pixels.  Memory is per block.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

BLOCK = 16  # block side; blocks overlap by half
SIGMA = 2.5  # Gaussian of the high-pass: residual = pixels - blur(pixels, SIGMA)
PAD = 8  # context around a source block for its blur (~3 sigma; known pixels only)
TRIES = 64  # random candidate sources per search radius
RADII = (2 * BLOCK, 4 * BLOCK, 8 * BLOCK, 16 * BLOCK)


_OFF = np.arange(BLOCK)


def _window(n: int) -> np.ndarray:
    return np.sin(np.pi * (np.arange(n) + 0.5) / n).astype(np.float32)


_WIN = None


def _win2d() -> np.ndarray:
    global _WIN
    if _WIN is None:
        w = _window(BLOCK)
        _WIN = w[:, None] * w[None, :]
    return _WIN


class _KnownBlocks:
    """Whether a BLOCK x BLOCK block lies wholly in known pixels, for many blocks at once:
    a summed-area table of the hole over a window of the image."""

    def __init__(self, hole: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> None:
        self.y0, self.x0 = y0, x0
        sat = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.int32)
        np.cumsum(np.cumsum(hole[y0:y1, x0:x1], axis=0, dtype=np.int32), axis=1, out=sat[1:, 1:])
        self.sat = sat

    def known(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        a, b = ys - self.y0, xs - self.x0
        t = self.sat
        return (t[a + BLOCK, b + BLOCK] - t[a, b + BLOCK] - t[a + BLOCK, b] + t[a, b]) == 0


def _source(pixels: np.ndarray, hole: np.ndarray, by: int, bx: int, rng, planes: int, blocks: _KnownBlocks,
            guide=None, sel=None):
    """The high-pass residual (C, BLOCK, BLOCK) of a known block near (by, bx), or None.
    Candidates come from the nearest search radius that has any; with ``guide`` (the fill
    over the block, compared where ``sel``) the candidate most like the fill wins, so the
    transferred texture follows the fill's structure; else the first one."""
    h, w = hole.shape
    if h < BLOCK or w < BLOCK:
        return None
    for r in RADII:
        ay, az = max(0, by - r), min(h - BLOCK, by + r)
        ax, aw = max(0, bx - r), min(w - BLOCK, bx + r)
        if ay > az or ax > aw:
            continue
        ys = rng.integers(ay, az + 1, TRIES)
        xs = rng.integers(ax, aw + 1, TRIES)
        ok = np.flatnonzero(blocks.known(ys, xs))  # candidates wholly in known pixels
        best = None
        if ok.size and guide is None:
            best = int(ok[0])
        elif ok.size:
            yy = ys[ok, None, None] + _OFF[None, :, None]
            xx = xs[ok, None, None] + _OFF[None, None, :]
            blk = pixels[yy, xx].astype(np.float32)  # (n, B, B[, C])
            blk = blk[:, None] if blk.ndim == 3 else np.moveaxis(blk[..., :planes], -1, 1)
            d = (((blk - guide[None]) ** 2) * sel).sum(axis=(1, 2, 3), dtype=np.float64)
            best = int(ok[int(np.argmin(d))])
        if best is not None:
            return _residual(pixels, hole, int(ys[best]), int(xs[best]), planes)
    return None


def _planes(a: np.ndarray, planes: int) -> np.ndarray:
    a = a[None] if a.ndim == 2 else np.moveaxis(a[..., :planes], -1, 0)
    return a.astype(np.float32)


_BLUR: dict = {}


def _blur_matrix(n: int) -> np.ndarray:
    """(n, n) matrix of the Gaussian (SIGMA, radius 4 sigma, as scipy's gaussian_filter)
    with zeros beyond the ends: ``B @ x`` blurs a length-n signal in 'constant' mode."""
    m = _BLUR.get(n)
    if m is None:
        r = int(4.0 * SIGMA + 0.5)
        k = np.exp(-0.5 * (np.arange(-r, r + 1) / SIGMA) ** 2)
        k /= k.sum()
        i = np.arange(n)
        d = i[None, :] - i[:, None]
        m = np.where(np.abs(d) <= r, k[np.clip(d + r, 0, 2 * r)], 0.0).astype(np.float32)
        _BLUR[n] = m
    return m


def _residual(pixels, hole, sy, sx, planes):
    """High-pass of the known block at (sy, sx): a blur over its known surround only
    (normalised convolution, so neither the hole nor the image border leaks in). The
    separable blur of a small window is two small matrix products."""
    h, w = hole.shape
    y0, y1 = max(0, sy - PAD), min(h, sy + BLOCK + PAD)
    x0, x1 = max(0, sx - PAD), min(w, sx + BLOCK + PAD)
    sub = _planes(pixels[y0:y1, x0:x1], planes)
    known = (~hole[y0:y1, x0:x1]).astype(np.float32)
    by, bx = _blur_matrix(y1 - y0), _blur_matrix(x1 - x0)
    num = by @ (sub * known) @ bx.T
    den = by @ known @ bx.T
    res = sub - num / np.maximum(den, 1e-6)
    return res[:, sy - y0:sy - y0 + BLOCK, sx - x0:sx - x0 + BLOCK]


def highpass(planes: np.ndarray) -> np.ndarray:
    """(C, h, w) -> its high-pass residual (pixels minus the Gaussian blur)."""
    planes = planes.astype(np.float32)
    return planes - ndi.gaussian_filter(planes, (0, SIGMA, SIGMA), mode="nearest")


def detail_field(pixels: np.ndarray, hole: np.ndarray, box, strength: float, seed: int = 0,
                 planes: int = 1, fill=None) -> np.ndarray:
    """Detail (C, h, w) float32 for ``box = (y0, y1, x0, x1)`` of the image: zero outside
    the hole, ``strength`` x the transferred residual inside.  ``pixels`` is the image
    (only its pixels outside ``hole`` are read); ``hole`` the full-image bool hole.

    With ``fill`` (C, h, w, the engine's fill of the box) each block tops up only the
    energy the fill lacks: the source residual is scaled by sqrt(1 - e_fill / e_src)
    (e = mean squared high-pass in the block), so a fill that already has texture (a
    GAN on a regular pattern) gets little, a flat one the full residual."""
    y0, y1, x0, x1 = box
    out = np.zeros((planes, y1 - y0, x1 - x0), np.float32)
    if strength <= 0:
        return out
    sub = hole[y0:y1, x0:x1]
    if not sub.any():
        return out
    step = BLOCK // 2
    win = _win2d()
    hf_fill = highpass(fill) if fill is not None else None
    ys, xs = np.nonzero(sub)
    gy0 = ((y0 + int(ys.min())) // step - 1) * step
    gy1 = y0 + int(ys.max())
    gx0 = ((x0 + int(xs.min())) // step - 1) * step
    gx1 = x0 + int(xs.max())
    h, w = hole.shape
    reach = RADII[-1] + 2 * BLOCK  # every candidate source of every block lies in this window
    blocks = _KnownBlocks(hole, max(0, gy0 - reach), min(h, gy1 + reach), max(0, gx0 - reach), min(w, gx1 + reach))
    for by in range(gy0, gy1 + 1, step):
        for bx in range(gx0, gx1 + 1, step):
            # the block's part inside the box and the image
            cy0, cy1 = max(by, y0, 0), min(by + BLOCK, y1)
            cx0, cx1 = max(bx, x0, 0), min(bx + BLOCK, x1)
            if cy0 >= cy1 or cx0 >= cx1 or not hole[cy0:cy1, cx0:cx1].any():
                continue
            rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, by + BLOCK, bx + BLOCK])
            guide = sel = None
            if fill is not None:
                guide = np.zeros((planes, BLOCK, BLOCK), np.float32)
                sel = np.zeros((BLOCK, BLOCK), bool)
                guide[:, cy0 - by:cy1 - by, cx0 - bx:cx1 - bx] = fill[:, cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
                sel[cy0 - by:cy1 - by, cx0 - bx:cx1 - bx] = True
            res = _source(pixels, hole, by, bx, rng, planes, blocks, guide, sel)
            if res is None:
                continue
            k = 1.0
            if hf_fill is not None:
                sel = hole[cy0:cy1, cx0:cx1]
                e_fill = float((hf_fill[:, cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0][:, sel] ** 2).mean())
                e_src = float((res ** 2).mean())
                k = float(np.sqrt(max(1.0 - e_fill / e_src, 0.0))) if e_src > 0 else 0.0
            out[:, cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] += \
                k * res[:, cy0 - by:cy1 - by, cx0 - bx:cx1 - bx] * win[cy0 - by:cy1 - by, cx0 - bx:cx1 - bx]
    out *= np.float32(strength)
    out[:, ~sub] = 0.0
    return out
