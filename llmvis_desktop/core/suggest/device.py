"""Which device and dtype to run on, and whether a model fits there (an estimate)."""
from __future__ import annotations

import os
from typing import Optional

DEVICES = ("auto", "cpu", "cuda", "mps")
_MARGIN = 1.25  # weights x this, plus a fixed allowance for activations and the runtime
_OVERHEAD = 512 * 1024 * 1024


class DeviceError(ValueError):
    pass


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def available() -> list[str]:
    torch = _torch()
    out = ["cpu"]
    if torch is None:
        return out
    if torch.cuda.is_available():
        out.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.insert(len(out) - 1, "mps")
    return out


def resolve(preference: Optional[str] = "auto") -> str:
    """``auto``: CUDA, then MPS, then CPU. A named device that is absent is an error."""
    pref = (preference or "auto").lower()
    if pref.startswith("cuda:"):
        base = "cuda"
    else:
        base = pref
    if base not in DEVICES:
        raise DeviceError(f"device {preference!r}: choose one of {', '.join(DEVICES)}")
    have = available()
    if base == "auto":
        return have[0]
    if base not in have:
        raise DeviceError(f"device {preference!r} is not available here (found: {', '.join(have)})")
    if base == "cuda" and pref != "cuda":  # cuda:N: that GPU must be there
        count = _torch().cuda.device_count()
        index = pref.split(":", 1)[1]
        if not index.isdigit() or int(index) >= count:
            raise DeviceError(f"device {preference!r} is not available here ({count} CUDA device(s): "
                              f"cuda:0 to cuda:{count - 1})")
    return pref


def dtype_for(device: str):
    """fp32 on CPU; bf16 on a GPU that supports it, else fp16 (MPS: fp16)."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def bytes_per_param(device: str) -> int:
    return 4 if device == "cpu" else 2


def free_memory(device: str) -> Optional[int]:
    """Bytes free on the device (RAM for CPU); None when it cannot be told."""
    if device == "cpu":
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    torch = _torch()
    if torch is None:
        return None
    if device.startswith("cuda") and torch.cuda.is_available():
        try:
            free, _total = torch.cuda.mem_get_info(torch.device(device))
            return int(free)
        except Exception:
            return None
    if device == "mps":
        try:
            return int(torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())
        except Exception:
            return None
    return None


def needed_bytes(size_bytes: int, device: str, params: Optional[int] = None) -> int:
    weights = params * bytes_per_param(device) if params else size_bytes
    return int(weights * _MARGIN) + _OVERHEAD


def fits(size_bytes: int, device: str, params: Optional[int] = None) -> Optional[bool]:
    """Whether a model of this size should fit; None when the free memory is unknown."""
    free = free_memory(device)
    if free is None:
        return None
    return needed_bytes(size_bytes, device, params) <= free


def describe_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
