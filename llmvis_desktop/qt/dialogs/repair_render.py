"""The repair dialog's rendering of a repair ("after"), run on the repair's worker.

A repair changes the pixels under its (grown) mask only, so the rendering is that of
the "before" image everywhere else: only the rows and columns where the repaired pixels
differ from the original are rendered; the rest is the "before" image, copied. (Rendered
whole and compared pixel by pixel, a 6000x4000 photo took 3 s on the GUI thread.)
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from ...core.imaging import display as _display_mod
from ...core.imaging.aspect import display_scale
from ..widgets.mask_editor import to_qimage
from ..widgets.zoom import shown_size

THUMB = (160, 120)  # the engines' side-by-side previews


def _changed_box(pixels: np.ndarray, orig: np.ndarray) -> Optional[tuple[slice, slice]]:
    """The rows and columns holding every pixel of ``pixels`` that differs from ``orig``
    (None when none does). Reduced along the contiguous axis first: ``any(axis=2)`` over a
    whole colour image was the slow part."""
    h = pixels.shape[0]
    rows = np.flatnonzero((pixels != orig).reshape(h, -1).any(axis=1))
    if rows.size == 0:
        return None
    r = slice(int(rows[0]), int(rows[-1]) + 1)
    band = (pixels[r] != orig[r]).reshape(r.stop - r.start, pixels.shape[1], -1)
    cols = np.flatnonzero(band.any(axis=(0, 2)))
    return r, slice(int(cols[0]), int(cols[-1]) + 1)


def _render(data, pixels: np.ndarray) -> np.ndarray:
    """``pixels`` rendered as ``read_image`` renders the image (``display_for``): alpha
    composited on white, the image's window, inversion and S-curve."""
    meta = data.meta
    if meta.sigmoid:
        return _display_mod.to_display(pixels, data.window, invert=meta.inverted, sigmoid=True)
    return _display_mod.display_for(pixels, data.window, invert=meta.inverted)[0]


def _whole(data, pixels: np.ndarray) -> np.ndarray:
    """The whole image rendered, its unchanged pixels then taken from the "before" image."""
    orig, before = np.asarray(data.pixels), np.asarray(data.display)
    out = _render(data, pixels)
    if orig.shape == pixels.shape and before.shape == out.shape:
        same = pixels == orig
        if same.ndim == 3:
            same = same.all(axis=2)
        out = out.copy()
        out[same] = before[same]
    return out


def render_after(data, pixels: np.ndarray) -> np.ndarray:
    """A repair's ``pixels`` rendered as the "before" image (``data.display``) was; the
    pixels the repair left as they were are exactly the "before" image's (a DICOM drawn
    through its VOI LUT has no exact window: rendered anew they differed from it, and the
    slider showed a jump in brightness across its line)."""
    orig, before = np.asarray(data.pixels), np.asarray(data.display)
    # a part renders as the whole would unless the window is computed from the pixels
    # (display_for's auto window, for an image of more than 8 bits read without one)
    pointwise = data.window is not None or pixels.dtype == np.uint8
    if not pointwise or orig.shape != pixels.shape or before.shape[:2] != pixels.shape[:2]:
        return _whole(data, pixels)
    box = _changed_box(pixels, orig)
    if box is None:
        return before.copy()
    part = _render(data, pixels[box])
    if part.shape != before[box].shape:  # a rendering of another form: render it whole
        return _whole(data, pixels)
    same = pixels[box] == orig[box]
    if same.ndim == 3:
        same = same.all(axis=2)
    part = part.copy()
    part[same] = before[box][same]
    out = before.copy()
    out[box] = part
    return out


def render_images(data, pixels: np.ndarray) -> tuple[QImage, QImage]:
    """The "after" image of the view and its side-by-side thumbnail, as QImages (made on
    the worker; the GUI thread only shows them). The thumbnail shows non-square pixels at
    their physical shape (the view stretches the full-size one as it draws it)."""
    shown = render_after(data, pixels)
    # the thumbnail from every n-th pixel (at least twice its size), then smoothed: Qt's
    # smooth scaling of the whole 6000x4000 image holds the interpreter lock for 0.3 s,
    # and the window waited for it
    step = max(1, min(shown.shape[0] // (2 * THUMB[1]), shown.shape[1] // (2 * THUMB[0])))
    small = to_qimage(shown[::step, ::step])
    return to_qimage(shown), thumbnail(small, shown.shape[1], shown.shape[0], getattr(data, "meta", None))


def thumbnail(small: QImage, w: int, h: int, meta) -> QImage:
    """``small`` (the image of ``w`` x ``h`` stored pixels, subsampled) fitted in
    :data:`THUMB` at its shown aspect (``display_scale(meta)``)."""
    sw, sh = shown_size(w, h, display_scale(meta))
    f = min(THUMB[0] / sw, THUMB[1] / sh)
    size = (max(1, round(sw * f)), max(1, round(sh * f)))
    return small.scaled(*size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
