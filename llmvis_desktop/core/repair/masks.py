"""Training masks: free-form strokes, boxes, thin crack-like lines and blobs.

``random_mask(size, rng)`` returns a float32 (H, W) array, 1 = hole, covering between
a small fraction and at most ``max_frac`` (default half) of the tile.  Pure numpy
and scikit-image drawing; no torch.
"""
from __future__ import annotations

import numpy as np
from skimage.draw import ellipse, line_aa, polygon

KINDS = ("stroke", "box", "crack", "blob")


def _thick_polyline(m: np.ndarray, pts, width: int) -> None:
    """Fill every pixel closer than ``width / 2`` to the polyline (a chain of capsules),
    computed per segment inside its bounding box."""
    h, w = m.shape
    r = max(width / 2.0, 0.5)
    r2 = r * r
    for (y0, x0), (y1, x1) in zip(pts[:-1], pts[1:]):
        ya, yb = max(int(min(y0, y1) - r), 0), min(int(max(y0, y1) + r) + 2, h)
        xa, xb = max(int(min(x0, x1) - r), 0), min(int(max(x0, x1) + r) + 2, w)
        if ya >= yb or xa >= xb:
            continue
        py = np.arange(ya, yb, dtype=np.float32)[:, None] - y0
        px = np.arange(xa, xb, dtype=np.float32)[None, :] - x0
        dy, dx = y1 - y0, x1 - x0
        seg2 = dy * dy + dx * dx
        t = np.clip((py * dy + px * dx) / seg2, 0.0, 1.0) if seg2 > 0 else np.float32(0.0)
        d2 = (py - t * dy) ** 2 + (px - t * dx) ** 2
        m[ya:yb, xa:xb][d2 < r2] = 1


def _walk(rng, h, w, steps, step_len):
    y, x = rng.uniform(0, h), rng.uniform(0, w)
    ang = rng.uniform(0, 2 * np.pi)
    pts = [(y, x)]
    for _ in range(steps):
        ang += rng.normal(0, 0.6)
        y = float(np.clip(y + step_len * np.sin(ang), 0, h - 1))
        x = float(np.clip(x + step_len * np.cos(ang), 0, w - 1))
        pts.append((y, x))
    return pts


def stroke(m, rng):
    h, w = m.shape
    s = min(h, w)
    _thick_polyline(m, _walk(rng, h, w, int(rng.integers(3, 8)), rng.uniform(0.1, 0.3) * s),
                    int(rng.integers(max(2, s // 24), max(3, s // 7))))


def box(m, rng):
    h, w = m.shape
    bh, bw = int(rng.uniform(0.1, 0.5) * h), int(rng.uniform(0.1, 0.5) * w)
    y, x = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
    m[y:y + bh, x:x + bw] = 1


def crack(m, rng):
    """A thin jagged line, 1-3 px wide, sometimes branching."""
    h, w = m.shape
    pts = _walk(rng, h, w, int(rng.integers(6, 16)), rng.uniform(0.04, 0.12) * min(h, w))
    width = int(rng.integers(1, 4))
    if width == 1:
        for (y0, x0), (y1, x1) in zip(pts[:-1], pts[1:]):
            rr, cc, _ = line_aa(int(y0), int(x0), int(y1), int(x1))
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            m[rr[ok], cc[ok]] = 1
    else:
        _thick_polyline(m, pts, width)


def blob(m, rng):
    h, w = m.shape
    s = min(h, w)
    if rng.random() < 0.5:
        rr, cc = ellipse(rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.05, 0.25) * s,
                         rng.uniform(0.05, 0.25) * s, shape=(h, w), rotation=rng.uniform(0, np.pi))
    else:  # irregular star-shaped polygon
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        n = int(rng.integers(6, 12))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = rng.uniform(0.05, 0.25, n) * s
        rr, cc = polygon(cy + rad * np.sin(ang), cx + rad * np.cos(ang), shape=(h, w))
    m[rr, cc] = 1


_DRAW = {"stroke": stroke, "box": box, "crack": crack, "blob": blob}


def random_mask(size, rng: np.random.Generator, max_frac: float = 0.5, min_frac: float = 0.01,
                kinds=KINDS) -> np.ndarray:
    """A mix of 1-4 shapes; redrawn until the hole covers [min_frac, max_frac] of the tile."""
    h, w = (size, size) if np.isscalar(size) else size
    for _ in range(20):
        m = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(1, 4))):
            _DRAW[kinds[int(rng.integers(len(kinds)))]](m, rng)
        frac = m.mean()
        if min_frac <= frac <= max_frac:
            return m
        if frac > max_frac:  # too much: keep it but trim to a random box
            continue
    # fall back to one modest box
    m = np.zeros((h, w), np.float32)
    m[h // 4: h // 2, w // 4: w // 2] = 1
    return m
