"""SHA-256 of a file's whole content, read in blocks (model weights, checkpoints, the
source image of a repair)."""
from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike, block: int = 4 << 20) -> str:
    h = hashlib.sha256()
    buf = bytearray(block)
    view = memoryview(buf)
    with open(path, "rb") as fh:
        while True:
            n = fh.readinto(buf)
            if not n:
                return h.hexdigest()
            h.update(view[:n])
