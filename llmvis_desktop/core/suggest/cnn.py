"""A small convolutional network trained from scratch on the project's reviewed images.

No pretrained weights and no download: the network (a few 3x3 conv blocks with
BatchNorm and stride-2 downsampling, then global average *and* global max pooling, so
a small defect anywhere in the image can decide, then one linear layer) is fitted on
the reviewed images alone, on the CPU, with heavy augmentation that matches real
variation (the 8 rotations/flips, shifts, contrast and noise jitter) and
class-balanced batches. Outputs are per-label sigmoids (multi-label, BCE loss); the
top label is the argmax. Prediction averages the 8 rotations/flips.

Input: the image's luminance (RGB and 16-bit are converted as
:func:`~.features.to_gray_float` does), resized to ``size`` x ``size``, as two channels
each standardised per image: log intensity (a global gain does not matter, a stain's
darkening is a smooth dip) and linear intensity (where a darkening also lowers the
texture's contrast; measured on train tiles only, it lifted 20-per-class accuracy from
about 88 to 92 %).

torch is imported inside functions only: importing this module does not import torch.
Fitted weights are saved with safetensors (never pickle), with the configuration and
labels in its metadata.
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from PIL import Image

from .features import gaussian, to_gray_float
from .tmp_names import drop, own_tmp

NAME = "cnn-v1"
PROGRESS_EVERY_S = 0.5  # fit progress: every 20 steps, or this often when steps are slow


def cnn_input(img: np.ndarray, size: int = 96, blur: float = 0.0, linear: bool = False) -> np.ndarray:
    """Any image array -> (channels, size, size) float32: log luminance standardised per
    image, plus (``linear``) the luminance itself standardised, plus (``blur`` > 0) the
    log channel Gaussian-smoothed (tried, no better; kept as an option)."""
    g, _ = to_gray_float(img, size=size)
    if g.shape != (size, size):
        g = np.asarray(Image.fromarray(g.astype(np.float32), mode="F").resize((size, size), Image.BILINEAR))
    x = np.log(g.astype(np.float32) + 0.02)
    x = (x - x.mean()) / (x.std() + 1e-4)
    chans = [x]
    if linear:  # the intensity itself, standardised: a darkening also lowers its contrast here
        chans.append((g - g.mean()) / (g.std() + 1e-4))
    if blur > 0:
        b = gaussian(x, blur)
        chans.append(b / (b.std() + 1e-4))
    return np.stack(chans).astype(np.float32)


@contextmanager
def _torch_threads(n: int):
    """At most ``n`` torch threads for the block, never more than the process allows
    (the GUI process leaves a core to its GUI thread: ``qt.app.leave_a_core_to_the_ui``)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(max(1, min(int(n), old)))
    try:
        yield torch
    finally:
        torch.set_num_threads(old)


@dataclass
class CNNConfig:
    size: int = 96
    blur: float = 0.0  # > 0: a smoothed input channel (see cnn_input)
    linear: bool = True  # an input channel of linear (not log) intensity
    widths: tuple = (16, 32, 64)
    stem_kernel: int = 5
    stem_stride: int = 2
    steps_per_image: float = 12.0  # optimisation steps = clip(steps_per_image * n, min_steps, max_steps)
    min_steps: int = 600
    max_steps: int = 1500
    batch: int = 32
    lr: float = 3e-3
    weight_decay: float = 5e-4
    shift: int = 8
    noise: float = 0.1
    dropout: float = 0.2
    members: int = 1
    tta: bool = True
    seed: int = 0
    threads: int = 2


def n_channels(cfg: CNNConfig) -> int:
    return 1 + (cfg.blur > 0) + bool(cfg.linear)


def _build(cfg: CNNConfig, n_out: int):
    import torch
    from torch import nn

    def block(cin, cout, stride, k=3):
        return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    w = list(cfg.widths)
    layers = block(n_channels(cfg), w[0], cfg.stem_stride, cfg.stem_kernel)
    cin = w[0]
    for cout in w[1:]:
        layers += block(cin, cout, 2)
        cin = cout
    layers += block(cin, cin, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*layers)
            self.drop = nn.Dropout(cfg.dropout)
            self.head = nn.Linear(2 * cin, n_out)

        def pooled(self, x):
            h = self.body(x)
            return torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1)

        def forward(self, x):
            return self.head(self.drop(self.pooled(x)))

    return Net()


def _dihedral(x, k: int):
    import torch

    if k >= 4:
        x = torch.flip(x, (-1,))
    return torch.rot90(x, k % 4, (-2, -1))


def _augment(xb, cfg: CNNConfig, g):
    """Random dihedral transform (one per group of 8), shift (reflect padding), contrast,
    offset and noise per sample. Cheap: it runs once per optimisation step."""
    import torch
    import torch.nn.functional as F

    n, _, s, _ = xb.shape
    parts = []
    for start in range(0, n, 8):
        k = int(torch.randint(0, 8, (1,), generator=g))
        parts.append(_dihedral(xb[start:start + 8], k))
    out = torch.cat(parts)
    p = cfg.shift
    if p > 0:
        pad = F.pad(out, (p, p, p, p), mode="reflect")
        d = torch.randint(0, 2 * p + 1, (n, 2), generator=g).tolist()
        out = torch.stack([pad[i, :, dy:dy + s, dx:dx + s] for i, (dy, dx) in enumerate(d)])
    gain = torch.exp(torch.randn(n, 1, 1, 1, generator=g) * 0.15)
    out = out * gain + torch.randn(n, 1, 1, 1, generator=g) * 0.1
    if cfg.noise > 0:  # uniform noise of standard deviation up to cfg.noise
        amp = cfg.noise * 3.4641 * torch.rand(n, 1, 1, 1, generator=g)
        out = out + (torch.rand(out.shape, generator=g) - 0.5) * amp
    return out


class CNNModel:
    """Fit/predict on images directly (lists of arrays), like ``LabelModel`` on features."""

    name = NAME

    def __init__(self, config: Optional[CNNConfig] = None, **kw) -> None:
        self.cfg = config or CNNConfig(**kw)
        self.labels: list[str] = []
        self.nets: list = []
        self.fit_seconds = 0.0

    # --- data -------------------------------------------------------------------
    def prepare(self, images: Sequence[np.ndarray]) -> np.ndarray:
        c = n_channels(self.cfg)
        return np.stack([cnn_input(a, self.cfg.size, self.cfg.blur, self.cfg.linear) for a in images]) \
            if len(images) else np.zeros((0, c, self.cfg.size, self.cfg.size), np.float32)

    def _as_inputs(self, images) -> np.ndarray:
        if isinstance(images, np.ndarray) and images.ndim == 4 and images.dtype == np.float32 \
                and images.shape[2:] == (self.cfg.size, self.cfg.size):
            return images  # already prepared
        return self.prepare(images)

    # --- fit --------------------------------------------------------------------
    def fit(self, images, Y: np.ndarray, labels: Sequence[str],
            check: Callable[[], None] = lambda: None,
            on_step: Callable[[int, int], None] = lambda d, t: None,
            checkpoint: Optional[Path] = None, key: str = "") -> "CNNModel":
        """images: list of arrays or ``prepare``d (n, size, size) inputs; Y (n, n_labels) 0/1.

        ``checkpoint``: a file the fit saves itself to every ``cnn_resume.CHECKPOINT_EVERY``
        steps and resumes from when it holds a fit of the same ``key`` (the same images,
        labels and configuration: the caller's to say); deleted once the fit is done."""
        from . import cnn_resume

        t0 = time.perf_counter()
        X = self._as_inputs(images)
        Y = np.asarray(Y, np.float32).reshape(len(X), -1)
        self.labels = list(labels)
        cfg = self.cfg
        steps = int(np.clip(round(cfg.steps_per_image * len(X)), cfg.min_steps, cfg.max_steps))
        total = steps * cfg.members
        with _torch_threads(cfg.threads) as torch:
            xt = torch.from_numpy(X)
            yt = torch.from_numpy(Y)
            # class-balanced sampling by each image's first label
            primary = Y.argmax(1) if Y.shape[1] else np.zeros(len(X), int)
            counts = np.bincount(primary, minlength=max(1, Y.shape[1]))
            wts = torch.from_numpy((1.0 / counts[primary]).astype(np.float64))
            key = f"{key}|{steps}|{list(self.labels)}|{X.shape}"
            state = cnn_resume.load(checkpoint, key)
            self.nets = cnn_resume.restore_nets(state, lambda: _build(cfg, Y.shape[1])) if state else []
            reported = time.monotonic()
            for m in range(len(self.nets), cfg.members):
                torch.manual_seed(cfg.seed * 1000 + m)
                g = torch.Generator().manual_seed(cfg.seed * 1000 + m + 1)
                net = _build(cfg, Y.shape[1])
                opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
                sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.2)
                lossf = torch.nn.BCEWithLogitsLoss()
                net.train()
                first = 0
                if state is not None and state["member"] == m:  # a killed fit's checkpoint
                    first = cnn_resume.restore_member(state, net, opt, sched, g)
                    on_step(m * steps + first, total)
                for step in range(first, steps):
                    check()  # every step (an Event test): a cancel or a closing window waited
                    # up to 20 steps, 11-20 s on a loaded machine
                    if checkpoint is not None and step > first and step % cnn_resume.CHECKPOINT_EVERY == 0:
                        cnn_resume.save(checkpoint, key, m, step, self.nets, net, opt, torch.get_rng_state(),
                                        g.get_state())
                    now = time.monotonic()
                    if step % 20 == 0 or now - reported >= PROGRESS_EVERY_S:
                        on_step(m * steps + step, total)
                        reported = now
                    idx = torch.multinomial(wts, cfg.batch, replacement=True, generator=g)
                    xb = _augment(xt[idx], cfg, g)
                    loss = lossf(net(xb), yt[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    sched.step()
                net.eval()
                self.nets.append(net)
            check()
            on_step(total, total)
        cnn_resume.remove(checkpoint)
        self.fit_seconds = time.perf_counter() - t0
        return self

    # --- predict -----------------------------------------------------------------
    def decision(self, images, batch: int = 64) -> np.ndarray:
        return self.decision_and_embed(images, batch)[0]

    def decision_and_embed(self, images, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """(logits averaged over the rotations/flips and members, :meth:`embed`'s pooled
        features) from one pass: the pooled features are those of the unrotated view, which
        the logits' pass computes anyway (scoring, then embedding, ran the body 9 times per
        image where 8 do). A batch's views go through the body together (one call, not 8)."""
        X = self._as_inputs(images)
        if not self.nets:
            raise RuntimeError("the network is not fitted")
        out = np.zeros((len(X), len(self.labels)), np.float64)
        width = 2 * self.cfg.widths[-1] * len(self.nets)
        emb = np.zeros((len(X), width), np.float64)
        ks = range(8) if self.cfg.tta else (0,)
        with _torch_threads(self.cfg.threads) as torch, torch.inference_mode():
            for s in range(0, len(X), batch):
                xb = torch.from_numpy(X[s:s + batch])
                n = len(xb)
                views = torch.cat([_dihedral(xb, k) for k in ks])
                acc, pooled0 = 0, []
                for net in self.nets:
                    h = net.pooled(views)
                    acc = acc + net.head(h).double().reshape(len(ks), n, -1).sum(0)
                    pooled0.append(h[:n])  # ks starts with 0: the image as it is
                out[s:s + batch] = (acc / (len(self.nets) * len(ks))).numpy()
                emb[s:s + batch] = torch.cat(pooled0, 1).double().numpy()
        return out, emb

    def embed(self, images, batch: int = 64) -> np.ndarray:
        """The pooled features (average and max pooling, all members), for similarity search."""
        X = self._as_inputs(images)
        if not self.nets:
            raise RuntimeError("the network is not fitted")
        outs = []
        with _torch_threads(self.cfg.threads) as torch, torch.inference_mode():
            for s in range(0, len(X), batch):
                xb = torch.from_numpy(X[s:s + batch])
                outs.append(torch.cat([net.pooled(xb) for net in self.nets], 1).double().numpy())
        width = 2 * self.cfg.widths[-1] * len(self.nets)
        return np.concatenate(outs) if outs else np.zeros((0, width))

    def predict_proba(self, images) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(images)))

    # --- persistence (safetensors, never pickle) -----------------------------------
    def save(self, path: str | Path, extra: Optional[dict] = None, arrays: Optional[dict] = None) -> None:
        """Weights (and ``arrays``, numpy, stored as tensors ``x.<name>``) to a safetensors
        file; the configuration, labels and ``extra`` (JSON) go in its metadata."""
        import torch
        from safetensors.torch import save_file

        tensors = {f"x.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in (arrays or {}).items()}
        for m, net in enumerate(self.nets):
            for k, v in net.state_dict().items():
                tensors[f"m{m}.{k}"] = v.detach().cpu().contiguous()
        meta = {"format": NAME, "config": json.dumps(asdict(self.cfg)), "labels": json.dumps(self.labels),
                "extra": json.dumps(extra or {})}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = own_tmp(path)  # (another window or llmvis suggest on this machine may save it too)
        try:
            save_file(tensors, str(tmp), metadata=meta)
            tmp.replace(path)
        except BaseException:
            drop(tmp)
            raise

    @classmethod
    def load(cls, path: str | Path) -> tuple["CNNModel", dict]:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            if meta.get("format") != NAME:
                raise ValueError(f"{path} is not a {NAME} model")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        cfgd = json.loads(meta["config"])
        cfgd["widths"] = tuple(cfgd["widths"])
        self = cls(CNNConfig(**cfgd))
        self.labels = json.loads(meta["labels"])
        extra = json.loads(meta.get("extra", "{}"))
        extra["arrays"] = {k[2:]: tensors.pop(k).numpy() for k in list(tensors) if k.startswith("x.")}
        members = sorted({int(k.split(".", 1)[0][1:]) for k in tensors})
        self.nets = []
        for m in members:
            net = _build(self.cfg, len(self.labels))
            net.load_state_dict({k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(f"m{m}.")})
            net.eval()
            self.nets.append(net)
        return self, extra
