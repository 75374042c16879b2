"""Train (or fine-tune) the inpainting GAN on a project's own images.

``train(source, steps=..., minutes=..., from_ckpt=..., out=..., device=..., token=...,
progress=..., report=...)`` samples tiles from the images (regions already masked as
defects in earlier repairs are excluded), draws training masks from :mod:`masks`,
and optimises L1 (hole + known), non-saturating adversarial with lazy R1,
discriminator feature matching and an FFT-amplitude term, keeping an EMA of the
generator.  It saves a resumable checkpoint every ``save_every`` steps, at the end
and on cancel; ``resume=True`` continues from ``out`` when it exists.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from ..tasks import CancelToken, Cancelled, Progress, ProgressFn, no_progress
from . import RepairError

log = logging.getLogger(__name__)

MIN_SPAN = 0.02  # normalisation floor, as a fraction of the image's range


@dataclass
class TrainReport:
    step: int
    total_steps: Optional[int]
    losses: dict
    elapsed_s: float
    eta_s: Optional[float]
    preview: Optional[np.ndarray] = None  # uint8 (rows of [input | output | truth])


@dataclass
class TrainResult:
    out: Path
    step: int
    metrics: dict
    data: dict
    cancelled: bool = False


@dataclass
class TrainData:
    planes: list  # float32 (H, W) in [0, 1]
    exclude: list  # bool (H, W) or None per plane: pixels never sampled
    summary: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- data

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
    'defect-free' label), skipping outputs of earlier repairs; pixels under any
    earlier repair mask are excluded from sampling."""
    from PIL import Image

    from ..imaging.reader import read_image

    planes, excl = [], []
    n_img = n_skipped = n_excluded = 0
    repaired_outputs = set()
    for rec in project.images(project.image_ids()):
        for r in project.repairs(rec.id):
            repaired_outputs.add(r.output_path)
    for rec in project.images(project.image_ids()):
        if token is not None:
            token.check()
        if rec.error or rec.relpath in repaired_outputs or rec.relpath.startswith("repaired/"):
            continue
        if label is not None and label not in rec.labels:
            continue
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
        for r in project.repairs(rec.id):
            mp = Path(r.mask_path)
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
    return TrainData(planes, excl, {"images": n_img, "planes": len(planes), "skipped": n_skipped,
                                    "excluded_defect_pixels": n_excluded,
                                    "pixels": int(sum(p.size for p in planes)),
                                    "label": label})


class TileSampler:
    def __init__(self, data: TrainData, tile: int, seed: int = 0, augment: bool = True) -> None:
        self.planes = [p for p in data.planes if min(p.shape) >= tile]
        self.excl = [e for p, e in zip(data.planes, data.exclude) if min(p.shape) >= tile]
        if not self.planes:
            raise RepairError(f"no training image is at least {tile}x{tile} pixels")
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


# --------------------------------------------------------------------------- training

def _flatten_opt(opt, prefix: str) -> dict:
    out = {}
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            out[f"{prefix}.{i}.{k}"] = v if hasattr(v, "shape") else __import__("torch").tensor(v)
    return out


def _restore_opt(opt, flat: dict, prefix: str) -> None:
    sd = opt.state_dict()
    state: dict = {}
    for k, v in flat.items():
        if not k.startswith(prefix + "."):
            continue
        _, i, name = k.split(".", 2)
        state.setdefault(int(i), {})[name] = v
    if state:
        sd["state"] = state
        opt.load_state_dict(sd)


def _psnr(a, b, m):
    mse = float(((a - b) ** 2 * m).sum() / max(m.sum(), 1))
    return 10 * math.log10(4.0 / max(mse, 1e-10))  # data range 2 ([-1, 1])


def _preview(inp, out, gt, mask) -> np.ndarray:
    def u8(x):
        return (np.clip((x + 1) / 2, 0, 1) * 255).astype(np.uint8)
    shown = np.where(mask > 0.5, 0.0, inp)
    rows = [np.concatenate([u8(shown[i]), u8(out[i]), u8(gt[i])], axis=1) for i in range(len(inp))]
    return np.concatenate(rows, axis=0)


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


def resolve_device(device: str = "auto") -> str:
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RepairError(f"device {device!r} asked for, but no CUDA device is available here")
    return device


def train(
    source,
    *,
    steps: Optional[int] = None,
    minutes: Optional[float] = None,
    from_ckpt: Optional[Path | str] = None,
    out: Path | str,
    device: str = "auto",
    token: Optional[CancelToken] = None,
    progress: ProgressFn = no_progress,
    report: Optional[Callable[[TrainReport], None]] = None,
    resume: bool = False,
    tile: int = 64,
    batch: int = 8,
    lr_g: float = 5e-4,
    lr_d: float = 1e-3,
    weights: Optional[dict] = None,
    seed: int = 0,
    save_every: int = 200,
    report_every: int = 10,
    preview_every: int = 100,
    config: Optional[dict] = None,
    card_extra: Optional[dict] = None,
    label: Optional[str] = None,
    prefetch: Optional[bool] = None,
) -> TrainResult:
    """Train; ``source`` is a Project, a TrainData, or a sequence of image arrays.
    ``prefetch``: draw batches on a helper thread (default: on a GPU only)."""
    import torch

    from .checkpoint import load_checkpoint, save_checkpoint
    from .losses import (d_loss_nonsat, feature_matching, fft_amplitude, g_loss_nonsat, gradient_l1,
                         masked_l1, r1_penalty)
    from .networks import DEFAULT_CONFIG, Discriminator, build_generator, count_params

    w = {"hole": 6.0, "valid": 1.0, "adv": 0.05, "fm": 1.0, "fft": 0.5, "grad": 1.0, "r1": 0.01}
    w.update(weights or {})
    token = token or CancelToken()
    out = Path(out)
    if steps is None and minutes is None:
        steps = 2000
    dev = resolve_device(device)
    torch.manual_seed(seed)

    if isinstance(source, TrainData):
        data = source
    elif hasattr(source, "image_ids"):
        progress(Progress("load", 0, None, "reading training images"))
        data = data_from_project(source, label=label, token=token)
    else:
        data = data_from_arrays(source)
    if not data.planes:
        raise RepairError("no readable training images")
    sampler = TileSampler(data, tile, seed=seed)

    start = None
    if resume and out.is_file():
        start = load_checkpoint(out, with_train_state=True)
    elif from_ckpt is not None:
        start = load_checkpoint(from_ckpt, with_train_state=True)
    cfg = dict(start.config) if start else dict(DEFAULT_CONFIG, **(config or {}))
    G = build_generator(cfg).to(dev)
    G_ema = build_generator(cfg).to(dev)
    D = Discriminator().to(dev)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.99))
    step0 = 0
    if start is not None:
        G_ema.load_state_dict(start.generator_state)
        ts = start.train_state
        gs = {k[2:]: v for k, v in ts.items() if k.startswith("g.")}
        G.load_state_dict(gs if gs else start.generator_state)
        ds = {k[2:]: v for k, v in ts.items() if k.startswith("d.")}
        if ds:
            try:
                D.load_state_dict(ds)
            except Exception:
                log.info("discriminator state did not fit; starting it fresh")
        _restore_opt(opt_g, {k: v.to(dev) for k, v in ts.items() if k.startswith("opt_g.")}, "opt_g")
        _restore_opt(opt_d, {k: v.to(dev) for k, v in ts.items() if k.startswith("opt_d.")}, "opt_d")
        if resume and out.is_file():
            step0 = start.step
    else:
        G_ema.load_state_dict(G.state_dict())
    for p in G_ema.parameters():
        p.requires_grad_(False)

    use_amp = dev.startswith("cuda")
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

    # fixed validation tiles
    vrng = np.random.default_rng(1234)
    vsampler = TileSampler(data, tile, seed=1234, augment=False)
    v_img, v_mask = vsampler.batch(6, vrng)
    v_norm, _, _ = normalize_known(v_img, v_mask)
    v_img_t = torch.from_numpy(v_norm[:, None].astype(np.float32)).to(dev)
    v_mask_t = torch.from_numpy(v_mask[:, None]).to(dev)

    def validate():
        with torch.no_grad():
            pred = G_ema(v_img_t, v_mask_t).clamp(-1, 1)
            comp = pred * v_mask_t + v_img_t * (1 - v_mask_t)
        c, gt, m = comp.cpu().numpy()[:, 0], v_img_t.cpu().numpy()[:, 0], v_mask_t.cpu().numpy()[:, 0]
        return _psnr(c, gt, m), _preview(gt, c, gt, m)

    def train_state():
        ts = {f"g.{k}": v for k, v in G.state_dict().items()}
        ts.update({f"d.{k}": v for k, v in D.state_dict().items()})
        ts.update(_flatten_opt(opt_g, "opt_g"))
        ts.update(_flatten_opt(opt_d, "opt_d"))
        return ts

    losses_avg: dict = {}
    history: list = []
    t0 = time.monotonic()
    deadline = t0 + minutes * 60 if minutes is not None else None
    total = (step0 + steps) if steps is not None else None
    step = step0
    rng = np.random.default_rng(seed + step0)

    def save(final: bool):
        psnr, prev = validate()
        card = {
            "data": data.summary,
            "metrics": {"val_masked_psnr_db": round(psnr, 2),
                        **{f"loss_{k}": round(v, 4) for k, v in losses_avg.items()}},
            "generator_params": count_params(G_ema),
            "device": dev, "tile": tile, "batch": batch, "loss_weights": w,
            "elapsed_s": round(time.monotonic() - t0, 1),
            "from_checkpoint": (start.sha256 if start is not None else None),
            **(card_extra or {}),
        }
        save_checkpoint(out, cfg, G_ema.state_dict(), step=step, card=card, train_state=train_state())
        try:
            from PIL import Image
            Image.fromarray(prev).save(out.with_suffix(".preview.png"))
        except OSError:
            pass
        return psnr, prev

    def make_batch():
        imgs, masks = sampler.batch(batch, rng)
        return normalize_known(imgs, masks)[0], masks

    # on a GPU, tiles and masks are drawn on a helper thread while the GPU trains
    batches = _Prefetch(make_batch) if (dev != "cpu" if prefetch is None else prefetch) else iter(make_batch, None)
    G.train()
    D.train()
    cancelled = False
    try:
        while True:
            if total is not None and step >= total:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            token.check()
            norm, masks = next(batches)
            x = torch.from_numpy(norm[:, None].astype(np.float32)).to(dev, non_blocking=True)
            m = torch.from_numpy(masks[:, None]).to(dev, non_blocking=True)

            # --- discriminator
            with torch.autocast("cuda", dtype=amp_dtype, enabled=use_amp):
                with torch.no_grad():
                    pred = G(x, m)
                comp = (pred * m + x * (1 - m)).detach()
                real_logits, _ = D(x, m)
                fake_logits, _ = D(comp, m)
                ld = d_loss_nonsat(real_logits.float(), fake_logits.float())
            r1 = torch.zeros((), device=dev)
            if w["r1"] > 0 and step % 4 == 0:
                xr = x.detach().requires_grad_(True)
                rl, _ = D(xr, m)
                r1 = r1_penalty(rl.float(), xr)
                ld = ld + w["r1"] * 0.5 * 4 * r1
            opt_d.zero_grad(set_to_none=True)
            scaler.scale(ld).backward()
            scaler.step(opt_d)

            # --- generator
            with torch.autocast("cuda", dtype=amp_dtype, enabled=use_amp):
                pred = G(x, m)
                comp = pred * m + x * (1 - m)
                fake_logits, fake_feats = D(comp, m)
                with torch.no_grad():
                    _, real_feats = D(x, m)
            pred, comp = pred.float(), comp.float()
            l1, l1_hole, l1_valid = masked_l1(pred, x, m, w["hole"], w["valid"])
            ladv = g_loss_nonsat(fake_logits.float())
            lfm = feature_matching([f.float() for f in fake_feats], [f.float() for f in real_feats])
            lfft = fft_amplitude(comp, x)
            lgrad = gradient_l1(pred, x, m)
            lg = l1 + w["adv"] * ladv + w["fm"] * lfm + w["fft"] * lfft + w["grad"] * lgrad
            if not torch.isfinite(lg):
                raise RepairError(f"training diverged at step {step} (non-finite loss)")
            opt_g.zero_grad(set_to_none=True)
            scaler.scale(lg).backward()
            scaler.step(opt_g)
            scaler.update()

            with torch.no_grad():
                decay = min(0.999, (1 + step) / (10 + step))
                for pe, p in zip(G_ema.parameters(), G.parameters()):
                    pe.lerp_(p, 1 - decay)
                for be, b in zip(G_ema.buffers(), G.buffers()):
                    be.copy_(b)
            step += 1
            names = ("g", "d", "l1_hole", "l1_valid", "adv", "fm", "fft", "grad", "r1")
            vals = torch.stack([v.detach().float().reshape(()) for v in
                                (lg, ld, l1_hole, l1_valid, ladv, lfm, lfft, lgrad, r1)]).tolist()  # one sync
            cur = dict(zip(names, vals))
            for k, v in cur.items():
                losses_avg[k] = v if k not in losses_avg else 0.9 * losses_avg[k] + 0.1 * v
            history.append(cur)

            elapsed = time.monotonic() - t0
            rate = elapsed / max(step - step0, 1)
            etas = []
            if total is not None:
                etas.append((total - step) * rate)
            if deadline is not None:
                etas.append(max(deadline - time.monotonic(), 0.0))
            eta = min(etas) if etas else None
            if step % report_every == 0 or step == total:
                msg = (f"step {step}  g {losses_avg['g']:.3f}  d {losses_avg['d']:.3f}  "
                       f"hole L1 {losses_avg['l1_hole']:.3f}  ETA {eta:.0f}s" if eta is not None else "")
                progress(Progress("train", step, total, msg))
                prev = None
                if report is not None and preview_every and step % preview_every == 0:
                    G_ema.eval()
                    _, prev = validate()
                if report is not None:
                    report(TrainReport(step, total, dict(losses_avg), elapsed, eta, prev))
            if save_every and step % save_every == 0:
                save(final=False)
    except (Cancelled, KeyboardInterrupt):
        cancelled = True
    finally:
        if isinstance(batches, _Prefetch):
            batches.close()
    psnr, prev = save(final=True)
    if report is not None:
        report(TrainReport(step, total, dict(losses_avg), time.monotonic() - t0, 0.0, prev))
    if cancelled:
        raise Cancelled()
    return TrainResult(out, step, {"val_masked_psnr_db": psnr, **losses_avg, "history": history},
                       data.summary, cancelled)
