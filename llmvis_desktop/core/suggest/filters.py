"""numpy/Pillow image filters, robust statistics and preprocessing for the image features.

Separable and pyramid Gaussian blur, box and maximum filters, sort-based quantiles,
robust z-scores, and :func:`to_gray_float`, which brings every image to the same
working resolution (:data:`SIZE`). Shared by :mod:`.handcrafted` and the CNN's input
preparation (:mod:`.cnn`); numpy and Pillow only.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PIL import Image

SIZE = 128  # working size: a longer side above this is resized down to it
_EPS = 1e-6


# --------------------------------------------------------------------------- numpy filters
def _gauss_kernel(sigma: float) -> np.ndarray:
    r = max(1, int(round(3 * sigma)))
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _pad_axis(img: np.ndarray, before: int, after: int, axis: int, reflect: bool) -> np.ndarray:
    """``np.pad(img, ..., mode="reflect" or "edge")`` along one axis of a 2-D map, by
    slicing (the same values; np.pad's generic path cost more than the filter itself on
    128x128 maps, ~140 calls per handcrafted vector)."""
    n = img.shape[axis]
    if reflect and max(before, after) >= n:
        pad = [(0, 0), (0, 0)]
        pad[axis] = (before, after)
        return np.pad(img, pad, mode="reflect")
    shape = list(img.shape)
    shape[axis] = n + before + after
    out = np.empty(shape, img.dtype)
    a = img if axis == 0 else img.T
    o = out if axis == 0 else out.T
    o[before:before + n] = a
    if reflect:
        if before:
            o[:before] = a[before:0:-1]
        if after:
            o[before + n:] = a[n - 2:n - 2 - after:-1] if n - 2 - after >= 0 else a[n - 2::-1][:after]
    else:
        o[:before] = a[0]
        o[before + n:] = a[n - 1]
    return out


def _conv1d(img: np.ndarray, k: np.ndarray, axis: int) -> np.ndarray:
    r = len(k) // 2
    p = _pad_axis(img, r, r, axis, reflect=True)
    n = img.shape[axis]
    # the taps added in order into one buffer (the same float32 sums as out += w * slice)
    out = np.multiply(p[0:n] if axis == 0 else p[:, 0:n], k[0])
    tmp = np.empty_like(out)
    for i in range(1, len(k)):
        np.multiply(p[i:i + n] if axis == 0 else p[:, i:i + n], k[i], out=tmp)
        out += tmp
    return out


def _half(img: np.ndarray) -> np.ndarray:
    """2x2 mean (odd last row/column dropped)."""
    h, w = (img.shape[0] // 2) * 2, (img.shape[1] // 2) * 2
    return img[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))


def _upsample(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    im = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32))
    return np.asarray(im.resize((shape[1], shape[0]), Image.BILINEAR), dtype=np.float32)


def gaussian(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with reflected edges.

    Large sigmas are blurred on a 2x-decimated copy and interpolated back (a pyramid):
    the result is smooth anyway, and it costs a fraction of the taps."""
    if sigma <= 0:
        return img
    if sigma >= 4.0 and min(img.shape) >= 32:
        small = gaussian(_half(img), float(np.sqrt(max(sigma * sigma - 0.25, 0.25))) / 2.0)
        return _upsample(small, img.shape)
    k = _gauss_kernel(sigma)
    if len(k) // 2 >= min(img.shape):  # reflect padding needs the image to be bigger
        k = _gauss_kernel(min(img.shape) / 3.5)
    return _conv1d(_conv1d(img, k, 0), k, 1)


def box(img: np.ndarray, rh: int, rw: int) -> np.ndarray:
    """Mean over a (2rh+1) x (2rw+1) window (edges replicated), via cumulative sums."""
    if rh == 0:  # a horizontal segment: one cumulative sum along the rows
        p = _pad_axis(img.astype(np.float64), rw + 1, rw, 1, reflect=False)
        c = p.cumsum(1)
        w = img.shape[1]
        return ((c[:, 2 * rw + 1:2 * rw + 1 + w] - c[:, :w]) / (2 * rw + 1)).astype(np.float32)
    p = _pad_axis(_pad_axis(img.astype(np.float64), rh + 1, rh, 0, reflect=False), rw + 1, rw, 1, reflect=False)
    c = p.cumsum(0).cumsum(1)
    h, w = img.shape
    s = c[2 * rh + 1:2 * rh + 1 + h, 2 * rw + 1:2 * rw + 1 + w] - c[:h, 2 * rw + 1:2 * rw + 1 + w] \
        - c[2 * rh + 1:2 * rh + 1 + h, :w] + c[:h, :w]
    return (s / ((2 * rh + 1) * (2 * rw + 1))).astype(np.float32)


def _max_filter(img: np.ndarray, r: int) -> np.ndarray:
    """Maximum over a (2r+1)^2 window (separable, edges replicated)."""
    out = img
    for axis in (0, 1):
        p = _pad_axis(out, r, r, axis, reflect=False)
        n = img.shape[axis]
        acc = (p[0:n] if axis == 0 else p[:, 0:n]).copy()
        for i in range(1, 2 * r + 1):
            np.maximum(acc, p[i:i + n] if axis == 0 else p[:, i:i + n], out=acc)
        out = acc
    return out


def _pct(a: np.ndarray, q) -> np.ndarray | float:
    """np.percentile (linear interpolation) through one partial sort: ~10x faster on small
    maps. Only the order statistics it reads are put in place (np.partition at those
    ranks: the same values a full sort has there, 2-9x faster than sorting a 128x128 map,
    which was half the handcrafted features' time)."""
    v = np.asarray(a)
    if v.dtype not in (np.float32, np.float64):
        v = v.astype(np.float64)
    v = v.ravel()  # float32 maps are partitioned as they are: the same order statistics
    n = v.size
    qs = np.asarray(q, np.float64)
    pos = qs / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    v = np.partition(v, np.unique(np.concatenate([lo.ravel(), hi.ravel()])))
    vlo, vhi = v[lo].astype(np.float64), v[hi].astype(np.float64)
    out = vlo + (pos - lo) * (vhi - vlo)
    return float(out) if out.ndim == 0 else out


def _med(a: np.ndarray) -> float:
    return _pct(a, 50.0)


def _robust_z(m: np.ndarray) -> np.ndarray:
    med = float(_med(m))
    mad = float(_med(np.abs(m - med))) * 1.4826
    scale = max(mad, 0.05 * float(m.std()), _EPS)
    return (m - med) / scale


_Q_HI = (100.0, 99.5, 99.0, 97.0, 90.0)


def _tail_stats(z: np.ndarray) -> list[float]:
    """Upper quantiles of a (robust-z) map: where a small defect shows up."""
    q = _pct(z, _Q_HI)
    return [*q, float((z > 3).mean()), float((z > 6).mean())]


def _robust_z_pct(m: np.ndarray, q) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`_robust_z` of ``m``, :func:`_pct` of that map at ``q``) with ``m``'s order
    statistics put in place once, for its median and those quantiles together: a z-map is
    ``m`` shifted and scaled, so its quantiles are ``m``'s shifted and scaled (equal to
    float rounding; one partition of the map fewer)."""
    v = np.asarray(m)
    n = v.size
    qs = np.concatenate([[50.0], np.asarray(q, np.float64).ravel()])
    pos = qs / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(v.ravel(), np.unique(np.concatenate([lo, hi])))
    vlo, vhi = part[lo].astype(np.float64), part[hi].astype(np.float64)
    at = vlo + (pos - lo) * (vhi - vlo)
    med = float(at[0])
    mad = float(_med(np.abs(v - med))) * 1.4826
    scale = max(mad, 0.05 * float(v.std()), _EPS)
    return (v - med) / scale, (at[1:] - med) / scale


def _tail_stats_of(m: np.ndarray, bright: bool = True, dark: bool = False) -> tuple[np.ndarray, list[float]]:
    """(z = :func:`_robust_z` of ``m``; :func:`_tail_stats` of ``-z`` when ``dark``, then of
    ``z`` when ``bright``), with one partition of ``m`` for all of them."""
    q_hi = np.asarray(_Q_HI)
    z, qv = _robust_z_pct(m, np.concatenate([100.0 - q_hi, q_hi]))
    out: list[float] = []
    if dark:
        out += [*(-qv[:len(q_hi)]).tolist(), float((-z > 3).mean()), float((-z > 6).mean())]
    if bright:
        out += [*qv[len(q_hi):].tolist(), float((z > 3).mean()), float((z > 6).mean())]
    return z, out


def _slog(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


# --------------------------------------------------------------------------- preprocessing
def to_gray_float(img: np.ndarray, size: int = SIZE, upscale: bool = True) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """uint8 image -> (gray float32 in [0,1] resized so the longer side is ``size``, RGB or None).

    Every image is analysed at the same resolution (``upscale``: small ones are enlarged
    too), so a defect covering the same share of two images of different sizes gives
    the same filter responses."""
    a = np.asarray(img)
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.dtype != np.uint8:
        lo, hi = _pct(a, (0.5, 99.5)) if a.size else (0, 1)
        a = np.clip((a.astype(np.float32) - lo) / max(hi - lo, _EPS) * 255, 0, 255).astype(np.uint8)
    im = Image.fromarray(np.ascontiguousarray(a))
    h, w = a.shape[:2]
    scale = size / max(h, w) if upscale else min(1.0, size / max(h, w))
    nh, nw = max(24, int(round(h * scale))), max(24, int(round(w * scale)))
    if (nh, nw) != (h, w):
        im = im.resize((nw, nh), Image.BOX if scale < 1 else Image.BILINEAR)
    rgb = None
    if im.mode == "RGB":
        rgb = np.asarray(im, dtype=np.float32) / 255.0
        gray = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    else:
        gray = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    return gray, rgb
