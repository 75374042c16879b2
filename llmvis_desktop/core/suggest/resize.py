"""The resize a model's processor does first, done by the job's readers in its place.

A processor for a model with a fixed input (BLIP, CLIP, SigLIP, GIT, LLaVA, Florence-2)
starts by resizing each image: to one size, or its short side to one length. The
job's readers (:mod:`.reading`) can do exactly that resize, with the same Pillow call,
in the reader processes: the processor then finds the image at its size and leaves it
as it is, so the model's input is the same bit for bit, and the model thread is spared
the resize of the full image (0.55 ms per 320x240 image for a 32-px model).

Only trusted once checked: per loaded model, the processor's output for two probe images
must be the same both ways (:func:`reader_resize`); a processor that pads or crops
first, resizes another way (a torchvision backend) or sizes images itself is left to
do its own resize.
"""
from __future__ import annotations

import logging
from typing import Optional

from .registry import Loaded, image_processor

log = logging.getLogger(__name__)


def exact_size(resize: tuple, size: tuple[int, int]) -> Optional[tuple[int, int]]:
    """The (width, height) a processor resizes an image of ``size`` to, by ``resize``:
    ``("size", width, height, resample)`` (every image to one size) or ``("shortest",
    side, 0, resample)`` (the short side to ``side``, the long one in proportion, rounded
    down as transformers does). None where that would enlarge the image: the processor
    then does it."""
    kind, a, b, _ = resize
    w, h = size
    if kind == "size":
        out = (a, b)
    else:
        out = (a, int(a * h / w)) if w <= h else (int(a * w / h), a)
    return out if out[0] <= w and out[1] <= h else None


def _resize_spec(loaded: Loaded) -> Optional[tuple]:
    """What the processor's resize says it does, as :func:`exact_size` takes it."""
    ip = image_processor(loaded)
    size, resample = getattr(ip, "size", None), getattr(ip, "resample", None)
    if not loaded.family.fixed_input or not getattr(ip, "do_resize", False) or size is None or resample is None:
        return None

    def field(key):
        return size.get(key) if isinstance(size, dict) else getattr(size, key, None)

    if any(field(k) for k in ("longest_edge", "max_height", "max_width", "min_pixels", "max_pixels")):
        return None
    if field("height") and field("width"):
        return ("size", int(field("width")), int(field("height")), int(resample))
    if field("shortest_edge"):
        return ("shortest", int(field("shortest_edge")), 0, int(resample))
    return None


def _resizes_alike(loaded: Loaded, spec: tuple) -> bool:
    """Whether the processor's output for an image resized by ``spec`` beforehand is the
    same, bit for bit, as for the image itself: checked on a landscape and a portrait
    noise image (a processor that pads or crops first, or resizes another way, fails)."""
    import numpy as np
    import torch
    from PIL import Image

    ip = image_processor(loaded)
    side = max(spec[1], spec[2])
    rng = np.random.default_rng(7)
    for w, h in ((2 * side + 37, side + 29), (side + 29, 2 * side + 37)):
        im = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        size = exact_size(spec, im.size)
        if size is None:
            return False
        want = ip(images=[im], return_tensors="pt")["pixel_values"]
        got = ip(images=[im.resize(size, spec[3])], return_tensors="pt")["pixel_values"]
        if want.shape != got.shape or not torch.equal(want, got):
            return False
    return True


def reader_resize(loaded: Loaded) -> Optional[tuple]:
    """The resize the model's processor does first, for the job's readers to do in its
    place (:func:`.reading.model_image`), or None (the processor sizes images itself,
    pads or crops before resizing, or resizes another way). Trusted only once the
    processor gave the same output both ways on probe images; kept per loaded model."""
    if "reader_resize" not in loaded.cache:
        spec = _resize_spec(loaded)
        try:
            if spec is not None and not _resizes_alike(loaded, spec):
                spec = None
        except Exception:  # a processor that cannot take the probe: it resizes itself
            log.debug("the resize check failed for %s", loaded.path, exc_info=True)
            spec = None
        loaded.cache["reader_resize"] = spec
    return loaded.cache["reader_resize"]
