"""Defect repair: mask a region, fill it with plausible defect-free surface.

Engines: ``gan`` (a compact gated-convolution U-Net inpainting generator trained on
the team's own images, starting from a starter checkpoint shipped in
``resources/repair``), and the classical ``telea`` / ``ns`` (OpenCV).

This package imports neither torch nor OpenCV at module top; each engine loads its
dependency when first used.
"""
from __future__ import annotations

from pathlib import Path

METHODS = ("gan", "telea", "ns")

#: Texture detail strength used unless one is given (0 = the engine's plain fill, 1 = the
#: surround's high-frequency energy restored; see core.repair.detail and the benchmark's
#: frontier for what it costs in PSNR/SSIM).
DEFAULT_DETAIL = 1.0

#: The starter checkpoint that ships inside the package.
STARTER_CHECKPOINT = Path(__file__).resolve().parents[2] / "resources" / "repair" / "starter.safetensors"


class RepairError(Exception):
    """A repair could not be done; the message says why in one line."""


class SourceChanged(RepairError):
    """The image was written to after its repair was previewed: the preview's pixels are
    of its earlier content, so the repair is not saved (nothing was written)."""


__all__ = ["DEFAULT_DETAIL", "METHODS", "STARTER_CHECKPOINT", "RepairError", "SourceChanged"]
