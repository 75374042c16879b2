"""Classical inpainting baselines: OpenCV Telea and Navier-Stokes (``cv2.inpaint``).

cv2.inpaint takes 8-bit 1- or 3-channel, or 16-bit / float 1-channel images; other
cases (16-bit RGB, int16 DICOM, float RGB) go plane by plane as float32, so every
depth is filled at full precision.  OpenCV is imported only when used.
"""
from __future__ import annotations

import numpy as np

from . import RepairError


def _cv2():
    try:
        import cv2
    except ImportError:
        raise RepairError("the classical engines need OpenCV: pip install opencv-python-headless") from None
    return cv2


def classical_fill(region: np.ndarray, hole: np.ndarray, method: str = "telea", radius: int = 5) -> np.ndarray:
    """Inpaint ``region`` (H, W) or (H, W, C) under ``hole``; returns (C, H, W) float32 planes
    (colour planes only; an alpha channel is not filled)."""
    cv2 = _cv2()
    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}.get(method)
    if flag is None:
        raise RepairError(f"unknown classical method {method!r} (telea or ns)")
    m8 = hole.astype(np.uint8) * 255
    a = np.ascontiguousarray(region)
    if a.ndim == 3:
        from .inference import color_planes

        a = np.ascontiguousarray(a[..., :color_planes(a)])  # gray + alpha: the gray plane only
    if a.dtype == np.uint8 and (a.ndim == 2 or a.shape[2] in (1, 3)):
        res = cv2.inpaint(a, m8, float(radius), flag)
        res = res.reshape(a.shape)
        return (res[None] if res.ndim == 2 else np.moveaxis(res, -1, 0)).astype(np.float32)
    planes = [a] if a.ndim == 2 else [np.ascontiguousarray(a[..., c]) for c in range(a.shape[2])]
    out = []
    for p in planes:
        if p.dtype == np.uint16:
            r = cv2.inpaint(p, m8, float(radius), flag).astype(np.float32)
        else:
            r = cv2.inpaint(p.astype(np.float32), m8, float(radius), flag)
        out.append(r)
    return np.stack(out).astype(np.float32)
