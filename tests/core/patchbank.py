"""Reference-based anomaly features: a memory bank of local patch descriptors (PatchCore-like,
handcrafted, no pretrained network).

Every image is described by a fixed grid of local patch descriptors
(:func:`patch_descriptors`); the reviewed images of a *reference* (defect-free) label
fill a bank, and a new image is scored by how far each of its patches lies from its
nearest neighbour in the bank (:class:`PatchBank`). The nearest neighbour is found
among patches of the same kind of texture, so a subtle darkening or a thin line that
the image's *global* statistics cannot tell from natural texture variation stands out
against the same texture's normal patches.

Descriptors are in the log-intensity domain relative to the image's median (so the
gain of an exposure cancels) and rotation-invariant (gradient energy and anisotropy,
not orientation), at two patch sizes. A reference image is never its own neighbour:
its patches are scored against the other reference images' patches only, exactly as
a new image is scored against all of them. A distance is divided by the neighbour's
own distance to the other reference images (its local density, itself leave-one-out),
so one threshold means the same on a busy and on a calm texture.

Opt-in (:class:`~.bankmodel.PatchBankModel`), not the learned suggester's default: on
the generated defect benchmark it matched, and did not beat, the handcrafted features.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

GRID_SIZE = 96  # working size (longer side) of the patch grid
STRIDE = 8
_EPS = 1e-6


def _cv2():
    import cv2

    return cv2


def grid_shape(h: int, w: int) -> tuple[int, int]:
    return max(1, (h - 1) // STRIDE), max(1, (w - 1) // STRIDE)


SIDE = grid_shape(GRID_SIZE, GRID_SIZE)[0]
MAX_CELLS = SIDE * SIDE
NAMES = ("mean16", "std16", "env16", "floor16", "grad16", "aniso16", "hp16", "bright16", "dark16",
         "line_b16", "line_d16", "mean32", "std32", "env32", "grad32", "dark32",
         "q10_16", "q30_16", "q50_16", "q70_16", "q90_16", "q10_32", "q30_32", "q50_32", "q70_32", "q90_32")
DESC_DIM = len(NAMES)
MEAN_DIMS = (0, 2, 3, 11, 13, 17, 18, 19, 20, 22, 23, 24, 25)  # the descriptors a diffuse darkening shifts


def _gray(img: np.ndarray) -> np.ndarray:
    from llmvis_desktop.core.suggest.features import to_gray_float

    g, _ = to_gray_float(img, GRID_SIZE, upscale=True)
    return g


def patch_descriptors(img: np.ndarray) -> np.ndarray:
    """uint8 image -> (MAX_CELLS, DESC_DIM) float32; cells outside a non-square image's grid are NaN."""
    cv2 = _cv2()
    g = _gray(img).astype(np.float32)
    h, w = g.shape
    lg = np.log(g + 0.03)
    lg = lg - float(np.median(lg))
    blur = lambda m, s: cv2.GaussianBlur(m, (0, 0), s, borderType=cv2.BORDER_REFLECT)
    mean = lambda m, r: cv2.blur(m, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)
    s1 = blur(lg, 1.0)
    gx = cv2.Sobel(s1, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(s1, cv2.CV_32F, 0, 1, ksize=3) / 8
    hp = lg - blur(lg, 2.0)
    k3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    env = cv2.dilate(lg, k3)
    floor = cv2.erode(lg, k3)
    # Hessian ridges (bright and dark lines) at sigma 1
    dxx = cv2.Sobel(s1, cv2.CV_32F, 2, 0, ksize=3)
    dyy = cv2.Sobel(s1, cv2.CV_32F, 0, 2, ksize=3)
    dxy = cv2.Sobel(s1, cv2.CV_32F, 1, 1, ksize=3)
    tr = dxx + dyy
    root = np.sqrt((dxx - dyy) ** 2 + 4 * dxy ** 2)
    lo, hi = 0.5 * (tr - root), 0.5 * (tr + root)
    ridge_b = np.maximum(-lo - 0.5 * np.abs(hi), 0)
    ridge_d = np.maximum(hi - 0.5 * np.abs(lo), 0)
    maps = []
    for r in (8, 16):
        m1 = mean(lg, r)
        sd = np.sqrt(np.maximum(mean(lg * lg, r) - m1 * m1, 0))
        jxx, jyy, jxy = mean(gx * gx, r), mean(gy * gy, r), mean(gx * gy, r)
        t = jxx + jyy
        an = np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2) / (t + 1e-5)
        if r == 8:
            kr = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1))
            maps += [m1, sd, mean(env, r), mean(floor, r), np.log(t + 1e-5), an, mean(np.abs(hp), r),
                     cv2.dilate(hp, kr), -cv2.erode(hp, kr),
                     np.log(cv2.dilate(ridge_b, kr) + 1e-3), np.log(cv2.dilate(ridge_d, kr) + 1e-3)]
        else:
            maps += [m1, sd, mean(env, r), np.log(t + 1e-5), -cv2.erode(blur(lg, 4.0), cv2.getStructuringElement(
                cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))]
    gh, gw = grid_shape(h, w)
    ys = STRIDE * np.arange(1, gh + 1)
    xs = STRIDE * np.arange(1, gw + 1)
    ys, xs = np.minimum(ys, h - 1), np.minimum(xs, w - 1)
    cells = np.stack([m[np.ix_(ys, xs)].ravel() for m in maps], 1)
    qs = []
    for r in (8, 16):
        pad = np.pad(lg, r, mode="reflect")
        win = np.lib.stride_tricks.sliding_window_view(pad, (2 * r, 2 * r))
        sub = win[ys[:, None], xs[None, :]].reshape(len(ys) * len(xs), -1)
        qs.append(np.percentile(sub, (10, 30, 50, 70, 90), axis=1).T)
    cells = np.concatenate([cells, *qs], 1)
    out = np.full((SIDE, SIDE, DESC_DIM), np.nan, np.float32)  # a fixed layout, cell (row, col)
    out[:gh, :gw] = cells.reshape(gh, gw, DESC_DIM)
    return out.reshape(MAX_CELLS, DESC_DIM)


def grid_of(desc: np.ndarray) -> np.ndarray:
    """Every cell's (row, col) on the fixed grid, for shape statistics."""
    idx = np.arange(len(desc))
    return np.stack([idx // SIDE, idx % SIDE], 1).astype(np.float32)


class PatchBank:
    """Nearest-neighbour distances of patch descriptors to a reference bank."""

    def __init__(self, max_bank: int = 40000, seed: int = 0, dims: Optional[Sequence[int]] = None) -> None:
        self.dims = np.asarray(dims if dims is not None else range(DESC_DIM), np.int64)
        self.max_bank = int(max_bank)
        self.seed = int(seed)
        self.center: Optional[np.ndarray] = None
        self.scale: Optional[np.ndarray] = None
        self.bank: Optional[np.ndarray] = None  # (m, DESC_DIM) standardised
        self.owner: Optional[np.ndarray] = None  # (m,) index of the reference image
        self.local: Optional[np.ndarray] = None  # (m,) each bank patch's distance to other references
        self._tree = None

    # --- state, for saving with a fitted model
    def state(self) -> dict:
        return {"center": self.center, "scale": self.scale, "bank": self.bank, "owner": self.owner,
                "local": self.local, "local_owner": self.local_owner,
                "local2": self.local2, "dims": self.dims}

    @classmethod
    def from_state(cls, st: dict) -> "PatchBank":
        b = cls(dims=st["dims"])
        b.center, b.scale, b.bank, b.owner = st["center"], st["scale"], st["bank"], st["owner"]
        b.local, b.local_owner, b.local2 = st["local"], st["local_owner"], st["local2"]
        return b

    def tree(self):
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.bank)
        return self._tree

    def fit(self, descs: np.ndarray) -> "PatchBank":
        """descs: (n_ref, MAX_CELLS, DESC_DIM) descriptors of the reference images."""
        n = len(descs)
        descs = descs[:, :, self.dims]
        flat = descs.reshape(-1, len(self.dims))
        owner = np.repeat(np.arange(n), descs.shape[1])
        ok = np.isfinite(flat).all(1)
        flat, owner = flat[ok], owner[ok]
        self.center = np.median(flat, 0).astype(np.float32)
        self.scale = (flat.std(0) + 1e-4).astype(np.float32)
        z = ((flat - self.center) / self.scale).astype(np.float32)
        if len(z) > self.max_bank:
            keep = np.sort(np.random.default_rng(self.seed).choice(len(z), self.max_bank, replace=False))
            z, owner = z[keep], owner[keep]
        self.bank, self.owner = z, owner.astype(np.int32)
        self._tree = None
        # each bank patch's own distance to the other reference images: the local density,
        # so that a distance means the same on a busy and on a calm texture
        # (leave-one-out exactly: a reference image scored at fit time must not see its own
        # patches through the density either, so the nearest *two* other images are kept)
        d1, o1, d2 = self._two_owners(z, self.owner)
        floor = float(np.percentile(d1, 5)) + 1e-3
        self.local = np.maximum(d1, floor).astype(np.float32)
        self.local_owner = o1.astype(np.int32)
        self.local2 = np.maximum(d2, floor).astype(np.float32)
        return self

    def _two_owners(self, q: np.ndarray, owners: np.ndarray, k: int = 24):
        """Distance to the nearest row of another image, its owner, and the distance to the
        nearest row of a third image (neither the query's nor the first's)."""
        tree = self.tree()
        kk = min(k, len(self.bank))
        dist, idx = tree.query(q, k=kk)
        dist, idx = dist.reshape(len(q), kk), idx.reshape(len(q), kk)
        own = self.owner[idx]
        r = np.arange(len(q))
        m1 = own != owners[:, None]
        p1 = np.argmax(m1, 1)
        o1 = own[r, p1]
        m2 = m1 & (own != o1[:, None])
        p2 = np.argmax(m2, 1)
        big = float(dist.max()) if dist.size else 1.0
        d1 = np.where(m1.any(1), dist[r, p1], big)
        d2 = np.where(m2.any(1), dist[r, p2], big)
        return d1, np.where(m1.any(1), o1, -1), d2

    def _query(self, q: np.ndarray, owners: Optional[np.ndarray], k: int = 8):
        """Nearest bank rows of standardised queries ``q``; a row owned by ``owners[i]`` is skipped."""
        tree = self.tree()
        kk = min(k, len(self.bank))
        dist, idx = tree.query(q, k=kk)
        dist, idx = dist.reshape(len(q), kk), idx.reshape(len(q), kk)
        if owners is None:
            return dist[:, 0], idx[:, 0]
        own = self.owner[idx] == owners[:, None]
        pick = np.argmax(~own, 1)
        r = np.arange(len(q))
        dn, nb = dist[r, pick].copy(), idx[r, pick].copy()
        bad = np.where(own.all(1))[0]
        if len(bad):  # all k neighbours from itself: query deeper
            d2, i2 = tree.query(q[bad], k=min(len(self.bank), 128))
            d2, i2 = d2.reshape(len(bad), -1), i2.reshape(len(bad), -1)
            own2 = self.owner[i2] == owners[bad][:, None]
            p2 = np.argmax(~own2, 1)
            dn[bad], nb[bad] = d2[np.arange(len(bad)), p2], i2[np.arange(len(bad)), p2]
        return dn, nb

    def nearest(self, descs: np.ndarray, self_ids: Optional[np.ndarray] = None):
        """Per image: (distances (MAX_CELLS,) NaN for empty cells, signed differences to the
        neighbour (MAX_CELLS, DESC_DIM)); ``self_ids[i]`` >= 0 excludes that reference image."""
        descs = descs[:, :, self.dims]
        n, c, dd = descs.shape
        flat = ((descs.reshape(-1, dd) - self.center) / self.scale).astype(np.float32)
        ok = np.isfinite(flat).all(1)
        q = flat[ok]
        owners = np.repeat(np.arange(n) if self_ids is None else np.asarray(self_ids), c)[ok]
        dn, nb = self._query(q, None if self_ids is None else owners)
        # the neighbour's density, leaving the query's own image out of it
        loc = np.where(self.local_owner[nb] == owners, self.local2[nb], self.local[nb])
        dn = dn / loc
        D = np.full(n * c, np.nan, np.float32)
        D[ok] = dn
        diff = np.full((n * c, dd), np.nan, np.float32)
        diff[ok] = (q - self.bank[nb]) / loc[:, None]
        return D.reshape(n, c), diff.reshape(n, c, dd)

    def features(self, descs: np.ndarray, self_ids: Optional[np.ndarray] = None) -> np.ndarray:
        """(n, MAX_CELLS, DESC_DIM) -> (n, FEATURE_DIM) image-level anomaly features (see
        :data:`FEATURE_NAMES`); ``self_ids`` as in :meth:`nearest`."""
        D, diff = self.nearest(descs, self_ids)
        md = [j for j, x in enumerate(self.dims) if x in MEAN_DIMS]
        out = np.zeros((len(descs), FEATURE_DIM), np.float32)
        for i in range(len(descs)):
            v = np.isfinite(D[i])
            dv, fv = D[i][v], diff[i][v]
            if not dv.size:
                continue
            far = dv > FAR
            pos = grid_of(descs[i])[v]
            elong = 1.0
            if far.sum() >= 2:  # a line of far patches (a scratch) against a blob (a stain)
                p = pos[far] - pos[far].mean(0)
                ev = np.linalg.eigvalsh(p.T @ p / far.sum())
                elong = float(np.sqrt((ev[1] + 1e-3) / (ev[0] + 1e-3)))
            shift = fv[:, md].mean(1) if md else np.zeros_like(dv)  # < 0: darker than its neighbour
            top = np.sort(dv)[::-1]
            out[i] = [top[0], top[:3].mean(), dv.mean(), np.percentile(dv, 90), far.mean(),
                      (dv > 2 * FAR).mean(), elong, shift.min(), np.sort(shift)[:5].mean(),
                      (shift * far).min()]
        return np.nan_to_num(out)


FAR = 2.0  # a patch twice as far from the bank as its neighbour is from other references
FEATURE_NAMES = ("max", "top3", "mean", "p90", "far", "far2", "elongation", "shift_min", "shift_5", "shift_far")
FEATURE_DIM = len(FEATURE_NAMES)
