"""Inpainting generator (gated-convolution U-Net with a dilated bottleneck) and a
spectral-norm PatchGAN discriminator.

The generator works on one channel: input ``[masked image, mask]`` in [-1, 1] / {0, 1},
output the filled channel.  RGB images are repaired as three one-channel planes in a
batch, so the same weights serve grayscale, RGB, 8- and 16-bit data.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCH = "gated-unet-v1"
DEFAULT_CONFIG = {"arch": ARCH, "width": 16, "dilations": [2, 4, 8, 1], "in_ch": 2, "out_ch": 1}
#: Spatial sizes given to the generator must be multiples of this.
MULTIPLE = 4


class GatedConv(nn.Module):
    """conv -> (features, gate); out = act(features) * sigmoid(gate)."""

    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        pad = dilation * (k - 1) // 2
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride, pad, dilation=dilation)
        self.cout = cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, g = self.conv(x).split(self.cout, dim=1)
        return F.elu(f) * torch.sigmoid(g)


class Generator(nn.Module):
    def __init__(self, width: int = 16, dilations=(2, 4, 8, 1), in_ch: int = 2, out_ch: int = 1, **_ignored) -> None:
        super().__init__()
        c = int(width)
        self.e1 = GatedConv(in_ch, c, 5)
        self.e2 = GatedConv(c, 2 * c, 3, stride=2)
        self.e2b = GatedConv(2 * c, 2 * c, 3)
        self.e3 = GatedConv(2 * c, 4 * c, 3, stride=2)
        self.mid = nn.ModuleList([GatedConv(4 * c, 4 * c, 3, dilation=int(d)) for d in dilations])
        self.d3 = GatedConv(4 * c + 2 * c, 2 * c, 3)
        self.d2 = GatedConv(2 * c + c, c, 3)
        self.out = nn.Conv2d(c, out_ch, 3, 1, 1)

    def forward(self, img: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``img`` (N,1,H,W) in [-1,1], ``mask`` (N,1,H,W) 1 = hole.  Returns the raw
        prediction (N,1,H,W); compose with the known pixels yourself."""
        x = torch.cat([img * (1 - mask), mask], dim=1)
        s1 = self.e1(x)
        s2 = self.e2b(self.e2(s1))
        h = self.e3(s2)
        for blk in self.mid:
            h = h + blk(h)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.d3(torch.cat([h, s2], 1))
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.d2(torch.cat([h, s1], 1))
        return self.out(h)


class Discriminator(nn.Module):
    """PatchGAN on [image, mask] with spectral norm; returns (logits, features)."""

    def __init__(self, width: int = 32, in_ch: int = 2) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        c = width
        self.blocks = nn.ModuleList([
            sn(nn.Conv2d(in_ch, c, 4, 2, 1)),
            sn(nn.Conv2d(c, 2 * c, 4, 2, 1)),
            sn(nn.Conv2d(2 * c, 4 * c, 4, 2, 1)),
            sn(nn.Conv2d(4 * c, 4 * c, 3, 1, 1)),
        ])
        self.head = sn(nn.Conv2d(4 * c, 1, 3, 1, 1))

    def forward(self, img: torch.Tensor, mask: torch.Tensor):
        h = torch.cat([img, mask], 1)
        feats = []
        for b in self.blocks:
            h = F.leaky_relu(b(h), 0.2)
            feats.append(h)
        return self.head(h), feats


def build_generator(config: dict | None = None) -> Generator:
    cfg = dict(DEFAULT_CONFIG, **(config or {}))
    if cfg.get("arch") != ARCH:
        raise ValueError(f"architecture {cfg.get('arch')!r} is not {ARCH!r}")
    return Generator(**{k: v for k, v in cfg.items() if k != "arch"})


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
