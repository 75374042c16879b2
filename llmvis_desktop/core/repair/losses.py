"""Losses that need no pretrained network.

L1 on hole and known pixels, non-saturating adversarial, R1 gradient penalty,
discriminator feature matching and an FFT-amplitude (frequency) term.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_l1(pred, target, mask, w_hole: float = 6.0, w_valid: float = 1.0):
    d = (pred - target).abs()
    hole = (d * mask).sum() / mask.sum().clamp_min(1.0)
    valid = (d * (1 - mask)).sum() / (1 - mask).sum().clamp_min(1.0)
    return w_hole * hole + w_valid * valid, hole.detach(), valid.detach()


def d_loss_nonsat(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_nonsat(fake_logits):
    return F.softplus(-fake_logits).mean()


def r1_penalty(real_logits, real_img):
    (g,) = torch.autograd.grad(real_logits.sum(), real_img, create_graph=True)
    return g.pow(2).flatten(1).sum(1).mean()


def feature_matching(fake_feats, real_feats):
    return sum(F.l1_loss(f, r.detach()) for f, r in zip(fake_feats, real_feats)) / max(len(fake_feats), 1)


def fft_amplitude(pred, target):
    """L1 between log FFT amplitudes: penalises the missing high frequencies of blur."""
    fp = torch.fft.rfft2(pred.float(), norm="ortho").abs()
    ft = torch.fft.rfft2(target.float(), norm="ortho").abs()
    return F.l1_loss(torch.log1p(fp), torch.log1p(ft))


def gradient_l1(pred, target, mask):
    def grads(x):
        return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]
    py, px = grads(pred)
    ty, tx = grads(target)
    my = torch.maximum(mask[..., 1:, :], mask[..., :-1, :])
    mx = torch.maximum(mask[..., :, 1:], mask[..., :, :-1])
    return ((py - ty).abs() * my).sum() / my.sum().clamp_min(1) + ((px - tx).abs() * mx).sum() / mx.sum().clamp_min(1)
