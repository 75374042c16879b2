"""Training data for the inpainting GAN (:mod:`.train`): what a training batch is drawn from.

Images become float32 planes in [0, 1] (:func:`data_from_project` skips outputs of
earlier repairs and excludes pixels under earlier repair masks; :func:`data_from_arrays`
takes plain arrays); :class:`TileSampler` draws random tiles (avoiding excluded
pixels, with flips and rotations) and pairs them with training masks from
:mod:`.masks`; :func:`normalize_known` maps each tile's known pixels to [-1, 1] as
inference does; :class:`_Prefetch` draws batches on a helper thread.

numpy only: this module never imports torch.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from ..tasks import CancelToken
from . import RepairError

log = logging.getLogger(__name__)

MIN_SPAN = 0.02  # normalisation floor, as a fraction of the image's range


@dataclass
class TrainData:
    planes: list  # float32 (H, W) in [0, 1]
    exclude: list  # bool (H, W) or None per plane: pixels never sampled
    summary: dict = field(default_factory=dict)


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """Full-depth pixels -> float32 in [0, 1] (8-bit by /255, else a 0.5-99.5 % stretch)."""
    a = np.asarray(pixels)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    a = a.astype(np.float32)
    lo, hi = np.percentile(a, [0.5, 99.5])
    if hi - lo < 1e-6:
        hi = lo + 1.0
    return np.clip((a - lo) / (hi - lo), 0, 1).astype(np.float32)


def planes_of(pixels: np.ndarray) -> list:
    u = to_unit(pixels)
    if u.ndim == 2:
        return [u]
    return [np.ascontiguousarray(u[..., c]) for c in range(min(u.shape[2], 3))]


def data_from_arrays(arrays: Iterable[np.ndarray], excludes: Optional[Sequence] = None) -> TrainData:
    planes, excl = [], []
    excludes = list(excludes) if excludes is not None else None
    n = 0
    for i, a in enumerate(arrays):
        n += 1
        ex = excludes[i] if excludes is not None else None
        for p in planes_of(a):
            planes.append(p)
            excl.append(None if ex is None else np.asarray(ex).astype(bool))
    return TrainData(planes, excl, {"images": n, "planes": len(planes),
                                    "pixels": int(sum(p.size for p in planes))})


def data_from_project(project, *, label: Optional[str] = None, max_side: int = 2048,
                      token: Optional[CancelToken] = None) -> TrainData:
    """All readable images of a project (or only those carrying ``label``, e.g. a
    'defect-free' label), skipping every file that is or was a repair output (undone
    repairs too); pixels under an earlier repair's mask are excluded from sampling
    while that repair is linked or its output kept (:func:`_repair_history`)."""
    from PIL import Image

    from ..imaging.reader import read_image

    planes, excl = [], []
    n_img = n_skipped = n_excluded = n_labelled = 0
    outputs, masks_of = _repair_history(project)
    for rec in project.images(project.image_ids()):
        if token is not None:
            token.check()
        if rec.error or _is_repair_output_name(rec.relpath) or _key(project.root / rec.relpath) in outputs:
            continue
        if label is not None and label not in rec.labels:
            continue
        n_labelled += 1
        try:
            data = read_image(project.path_of(rec), max_pixels=getattr(project, "max_pixels", None) or None)
        except Exception as exc:
            log.info("training: skipping %s (%s)", rec.relpath, exc)
            n_skipped += 1
            continue
        px = data.pixels
        if px.ndim == 3 and px.shape[2] == 4:
            px = px[..., :3]
        ex = None
        for mask_path in masks_of.get(rec.id, ()):
            mp = Path(mask_path)
            mp = mp if mp.is_absolute() else project.root / mp
            try:
                m = np.asarray(Image.open(mp).convert("L")) > 0
            except Exception:
                continue
            if m.shape == px.shape[:2]:
                ex = m if ex is None else (ex | m)
        if ex is not None:
            n_excluded += int(ex.sum())
        h, w = px.shape[:2]
        if max(h, w) > max_side:  # keep memory bounded: one random window of the image
            rng = np.random.default_rng(rec.id)
            y = int(rng.integers(0, max(h - max_side, 0) + 1))
            x = int(rng.integers(0, max(w - max_side, 0) + 1))
            px = px[y:y + max_side, x:x + max_side]
            ex = None if ex is None else ex[y:y + max_side, x:x + max_side]
        for p in planes_of(px):
            planes.append(p)
            excl.append(ex)
        n_img += 1
    if label is not None and not n_labelled:
        raise RepairError(f"no image has label {label!r} (repair outputs left aside); nothing was trained")
    return TrainData(planes, excl, {"images": n_img, "planes": len(planes), "skipped": n_skipped,
                                    "excluded_defect_pixels": n_excluded,
                                    "pixels": int(sum(p.size for p in planes)),
                                    "label": label})


def _is_repair_output_name(relpath: str) -> bool:
    """Whether a project file is, by its place and name, a repair output even when no repair
    record names it (an older, unrecorded output): anything under the top-level ``repaired/``
    folder, or a ``NAME.repaired.EXT`` file (the name the repair writes) in any ``repaired/``
    folder."""
    from .apply import _OUR_NAME, DEFAULT_DIR

    parts = relpath.split("/")
    if parts[0] == DEFAULT_DIR and len(parts) > 1:
        return True
    return DEFAULT_DIR in parts[:-1] and _OUR_NAME.fullmatch(parts[-1]) is not None


def _key(p: Path) -> str:
    try:
        return str(p.resolve())
    except OSError:
        return str(p.absolute())


def _repair_history(project) -> tuple[set, dict]:
    """(every file that is or was a repair output, as resolved paths; source image id ->
    the masks of its repairs that still count). Every repair record counts for the first,
    undone ones too: a repaired image is never trained on as a real one, wherever it was
    saved (--out, the repair_output setting). A mask counts while its repair is linked,
    or undone with its output kept (the defect it marked is still in the source)."""
    from sqlalchemy import select

    from ..store import models as m

    with project.store.read() as s:
        rows = s.execute(select(m.Repair.source_image_id, m.Repair.output_path, m.Repair.mask_path,
                                m.Repair.unlinked_at).order_by(m.Repair.id)).all()
    outputs, masks_of = set(), {}
    for src_id, out, mask, unlinked in rows:
        p = Path(out)
        p = p if p.is_absolute() else project.root / p
        outputs.add(_key(p))
        if unlinked is None or p.is_file():
            masks_of.setdefault(src_id, []).append(mask)
    return outputs, masks_of


MIN_TILE = 16  # the smallest training tile (the generator's input is a multiple of 8)


def _largest_side(data: TrainData) -> int:
    """The shorter side of the largest image (the largest square tile any image holds)."""
    return max((min(p.shape) for p in data.planes), default=0)


def fitting_tile(data: TrainData, tile: int = 64) -> int:
    """``tile`` when an image holds it; else the largest multiple of 8 that the largest image
    holds (a project of small defect crops: the window's training, which has no tile to set,
    could not train on 32x48 crops at all); ``tile`` when none holds even MIN_TILE."""
    side = _largest_side(data)
    fits = side - side % 8
    return tile if side >= tile or fits < MIN_TILE else fits


class TileSampler:
    def __init__(self, data: TrainData, tile: int, seed: int = 0, augment: bool = True) -> None:
        self.planes = [p for p in data.planes if min(p.shape) >= tile]
        self.excl = [e for p, e in zip(data.planes, data.exclude) if min(p.shape) >= tile]
        if not self.planes:
            fits = fitting_tile(data, tile)
            hint = (f"; --tile {fits} fits the largest" if fits < tile else
                    f"; the smallest training tile is {MIN_TILE}") if data.planes else ""
            raise RepairError(f"no training image is at least {tile}x{tile} pixels{hint}")
        self.tile = tile
        self.augment = augment
        w = np.array([p.size for p in self.planes], np.float64)
        self.weights = w / w.sum()
        self.rng = np.random.default_rng(seed)

    def tile_at(self, rng) -> np.ndarray:
        t = self.tile
        for _ in range(20):
            i = int(rng.choice(len(self.planes), p=self.weights))
            p = self.planes[i]
            y = int(rng.integers(0, p.shape[0] - t + 1))
            x = int(rng.integers(0, p.shape[1] - t + 1))
            e = self.excl[i]
            if e is None or not e[y:y + t, x:x + t].any():
                break
        a = p[y:y + t, x:x + t]
        if self.augment:
            if rng.random() < 0.5:
                a = a[:, ::-1]
            if rng.random() < 0.5:
                a = a[::-1]
            a = np.rot90(a, int(rng.integers(4)))
        return np.ascontiguousarray(a)

    def batch(self, n: int, rng=None):
        from .masks import random_mask

        rng = rng or self.rng
        imgs = np.stack([self.tile_at(rng) for _ in range(n)])
        masks = np.stack([random_mask(self.tile, rng) for _ in range(n)])
        return imgs, masks


def normalize_known(tiles: np.ndarray, masks: np.ndarray, min_span: float = MIN_SPAN):
    """Per tile, map the known pixels' 1-99 % range to [-1, 1] (as inference does).
    Returns (normalised tiles, lo, span) with lo/span shaped (N, 1, 1)."""
    lo = np.empty(len(tiles), np.float32)
    hi = np.empty(len(tiles), np.float32)
    for i, (t, m) in enumerate(zip(tiles, masks)):
        known = t[m < 0.5]
        if known.size == 0:
            known = t.ravel()
        lo[i], hi[i] = np.percentile(known, [1, 99])
    span = np.maximum(hi - lo, min_span)
    lo, span = lo[:, None, None], span[:, None, None]
    return (tiles - lo) / span * 2 - 1, lo, span


class _Prefetch:
    """Calls ``make()`` on a daemon thread, keeping up to ``depth`` results ready (same
    order, same random stream as calling it in line)."""

    def __init__(self, make: Callable[[], object], depth: int = 4) -> None:
        import queue
        import threading

        self._q: "queue.Queue" = queue.Queue(depth)
        self._stop = threading.Event()
        self._full = queue.Full

        def run() -> None:
            while not self._stop.is_set():
                try:
                    item = (True, make())
                except BaseException as exc:  # handed to the consumer
                    item = (False, exc)
                while not self._stop.is_set():
                    try:
                        self._q.put(item, timeout=0.1)
                        break
                    except self._full:
                        continue
                if not item[0]:
                    return

        self._t = threading.Thread(target=run, name="repair-train-batches", daemon=True)
        self._t.start()

    def __iter__(self):
        return self

    def __next__(self):
        ok, item = self._q.get()
        if not ok:
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._t.join(timeout=2)

