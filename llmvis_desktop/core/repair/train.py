"""Train (or fine-tune) the inpainting GAN on a project's own images.

``train(source, steps=..., minutes=..., from_ckpt=..., out=..., device=..., token=...,
progress=..., report=...)`` samples tiles from the images (regions already masked as
defects in earlier repairs are excluded), draws training masks from :mod:`masks`,
and optimises L1 (hole + known), non-saturating adversarial with lazy R1,
discriminator feature matching and an FFT-amplitude term, keeping an EMA of the
generator.  It saves a resumable checkpoint every ``save_every`` steps, at the end
and on cancel; ``resume=True`` continues from ``out`` when it exists.

The training data (reading images into planes, tile and mask sampling, per-tile
normalisation, the batch prefetch thread) lives in :mod:`.train_data`; its names are
re-exported here.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..errors import first_line
from ..tasks import CancelToken, Cancelled, Progress, ProgressFn, no_progress
from . import RepairError
from .train_data import MIN_SPAN, planes_of, to_unit  # noqa: F401  (re-exported for existing importers)
from .train_data import (TileSampler, TrainData, _Prefetch, data_from_arrays, data_from_project, fitting_tile,
                         normalize_known)

log = logging.getLogger(__name__)


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



def _out_of_memory(exc: BaseException, batch: int, dev: str, step: int, tile: int) -> tuple:
    """A training step ran out of memory (``exc``): the device's cache is freed; (the batch
    halved, what to say) to go on, or (0, why) with one tile a step already (a run on a GPU
    another program shares, or with too large a --batch / --tile, failed with the bare "CUDA
    out of memory" and lost what it had trained since its last save)."""
    from ..suggest.engines import free_cache

    where = "the CPU" if dev == "cpu" else f"the GPU ({dev})"
    free_cache(dev)
    if batch <= 1:
        return 0, (f"{where} ran out of memory at step {step} with one {tile}-pixel tile a step "
                   f"({first_line(exc, 120)}): train with smaller tiles (--tile), or free the "
                   f"{'memory' if dev == 'cpu' else 'GPU'} other programs use")
    half = batch // 2
    log.warning("repair training: out of memory on %s at batch %d; batch %d from step %d", dev, batch, half, step)
    return half, f"out of memory on {where} with {batch} tiles a step; going on with {half} (--batch {half})"


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
    tile: Optional[int] = 64,
    batch: int = 8,
    lr_g: float = 5e-4,
    lr_d: float = 1e-3,
    weights: Optional[dict] = None,
    seed: int = 0,
    save_every: int = 200,
    save_every_s: Optional[float] = None,
    report_every: int = 10,
    preview_every: int = 100,
    config: Optional[dict] = None,
    card_extra: Optional[dict] = None,
    label: Optional[str] = None,
    prefetch: Optional[bool] = None,
) -> TrainResult:
    """Train; ``source`` is a Project, a TrainData, or a sequence of image arrays.
    ``prefetch``: draw batches on a helper thread (default: on a GPU only).
    ``save_every_s``: also save progress once that many seconds passed since the last save
    (the window's runs: 200 steps are minutes on a CPU, all lost to a crash).
    ``tile``: the training tiles' side; None: 64, or less where no image holds 64
    (:func:`~.train_data.fitting_tile`: a project of small defect crops)."""
    import torch

    from .checkpoint import ensure_writable, load_checkpoint, save_checkpoint
    from .losses import (d_loss_nonsat, feature_matching, fft_amplitude, g_loss_nonsat, gradient_l1,
                         masked_l1, r1_penalty)
    from .networks import DEFAULT_CONFIG, Discriminator, build_generator, count_params

    w = {"hole": 6.0, "valid": 1.0, "adv": 0.05, "fm": 1.0, "fft": 0.5, "grad": 1.0, "r1": 0.01}
    w.update(weights or {})
    token = token or CancelToken()
    out = Path(out)
    ensure_writable(out)  # before minutes of training, not after
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
    if tile is None:  # the default, or smaller where the images are (the window's training)
        tile = fitting_tile(data)
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
    saved_at = [t0]  # when progress was last saved (``save_every_s``)
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
    failed = None  # out of memory with one tile a step
    try:
        while True:
            if total is not None and step >= total:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            token.check()
            norm, masks = next(batches)
            norm, masks = norm[:batch], masks[:batch]  # (drawn before the batch was halved)
            try:
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
            except Exception as exc:
                from ..suggest.engines import is_oom

                if not is_oom(exc):
                    raise
                batch, said = _out_of_memory(exc, batch, dev, step, tile)
                if not batch:  # what was trained is saved below, then this is said
                    failed = RepairError(said)
                    break
                progress(Progress("train", step, total, said))
                continue

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
            if (save_every and step % save_every == 0) or (
                    save_every_s is not None and time.monotonic() - saved_at[0] >= save_every_s):
                save(final=False)
                saved_at[0] = time.monotonic()
    except (Cancelled, KeyboardInterrupt):
        cancelled = True
    finally:
        if isinstance(batches, _Prefetch):
            batches.close()
    if failed is not None:
        if step > step0:
            try:
                save(final=True)
            except Exception:  # (out of memory again): what the last save kept stays
                log.warning("repair training: the run's last steps could not be saved", exc_info=True)
        raise failed
    psnr, prev = save(final=True)
    if report is not None:
        report(TrainReport(step, total, dict(losses_avg), time.monotonic() - t0, 0.0, prev))
    if cancelled:
        raise Cancelled()
    return TrainResult(out, step, {"val_masked_psnr_db": psnr, **losses_avg, "history": history},
                       data.summary, cancelled)
