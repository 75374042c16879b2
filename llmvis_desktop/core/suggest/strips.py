"""Line-scan strips for the models: a very long, thin image folded into a square-ish one.

A line-scan camera's image (a web of steel, textile or paper: 20x20000, 2048x60000,
60000x300) reached a model as a sliver: the reader's shrink to a 1024-px longest side
made a 20x20000 strip 1x1024, which the model's processor then stretched to its square
input (BLIP) or blew up around one column (CLIP's short side to 224, then a centre
crop), so the suggestion described noise. Here such a strip (long side :data:`FOLD_ASPECT`
or more times its short one) is cut along its length into k pieces (k about the square
root of that ratio) laid side by side (a tall strip) or stacked (a wide one): one image,
about as wide as high, holding the whole strip at one scale in both directions. The
model sees every part of the web, undistorted, in one call; each suggestion's
parameters say how (``model_input``: :func:`describe`).
"""
from __future__ import annotations

import math
from typing import Optional

from ..imaging.strip_view import lay_out, pieces_for as _pieces

#: the ratio of long to short side from which an image is folded (a 3:1 panorama is not)
FOLD_ASPECT = 4.0
#: the image's key (PIL ``info``) and the suggestion parameter that say what the model saw
VIEW_KEY = "model_input"


def pieces_for(width: int, height: int) -> int:
    """How many pieces an image of this size is cut into: 1 (not folded) below
    :data:`FOLD_ASPECT`, else the square root of its aspect ratio, rounded (at least 2)."""
    return _pieces(width, height, FOLD_ASPECT)


def fold_plan(width: int, height: int, target_side: int) -> Optional[tuple]:
    """How :func:`fold` folds an image of this size: (pieces, view, the size it is shrunk
    to first or None), or None for an image left as it is."""
    w, h = width, height
    k = pieces_for(w, h)
    if k == 1:
        return None
    tall = h >= w
    long = h if tall else w
    piece = -(-long // k)
    view = {"pieces": k, "source_px": [w, h], "piece_px": [w, piece] if tall else [piece, h],
            "arranged": "side by side" if tall else "stacked"}
    shrink = math.sqrt(w * h) / (1.25 * target_side)
    size = (max(1, round(w / shrink)), max(1, round(h / shrink))) if shrink > 1 else None
    return k, view, size


def fold(im, target_side: int):
    """``im`` (PIL, RGB) folded when it is a strip: (image, view) where view is None for an
    image left as it is, else the ``model_input`` parameters (``pieces``, ``source_px``,
    ``piece_px`` in the image's own pixels, ``arranged``). A strip much larger than a
    ``target_side`` square is shrunk first, keeping its aspect, so the fold copies no
    more pixels than the model will use."""
    from PIL import Image

    plan = fold_plan(im.width, im.height, target_side)
    if plan is None:
        return im, None
    k, view, size = plan
    if size is not None:
        im = im.resize(size, Image.BICUBIC, reducing_gap=2.0)
    return lay_out(im, k), view


def describe(view: Optional[dict]) -> str:
    """A line for a card's tooltip: what the model was shown, or "" when nothing to say."""
    if not isinstance(view, dict):
        return ""
    try:
        size = "x".join(str(int(v)) for v in view["input_px"])
        if not view.get("pieces"):
            return f"\nthe model was shown the image at {size}"
        sw, sh = (int(v) for v in view["source_px"])
        pw, ph = (int(v) for v in view["piece_px"])
        return (f"\nthe model was shown this {sw}x{sh} strip cut into {int(view['pieces'])} pieces of "
                f"{pw}x{ph}, {view['arranged']} ({size})")
    except (KeyError, TypeError, ValueError):
        return ""


def seen(im) -> dict:
    """The ``model_input`` parameter: what the model was shown (its size; a strip's fold)."""
    view = getattr(im, "info", {}).get(VIEW_KEY)
    return {VIEW_KEY: view} if view else {}
