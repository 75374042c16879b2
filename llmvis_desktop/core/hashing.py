"""SHA-256 of a file's whole content, read in blocks (model weights, checkpoints, the
source image of a repair)."""
from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike, block: int = 4 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        _hash_rest(fh, h, block, os.fstat(fh.fileno()).st_size)
    return h.hexdigest()


def _hash_rest(fh, h, block: int, size: int, stop=None) -> bool:
    """Feed ``h`` the file from where it stands to its end, in blocks of ``block`` bytes at
    most (a buffer sized to the file: a 4 MiB one made and zeroed per file doubled the
    index's header pass of 20k small files). ``stop``: called before each block after the
    first; False when it returned true (the read ended there)."""
    buf = bytearray(max(1, min(block, size + 1)))
    view = memoryview(buf)
    first = True
    while True:
        if not first and stop is not None and stop():
            return False
        first = False
        n = fh.readinto(buf)
        if not n:
            return True
        h.update(view[:n])


def file_sha256_stat(path: str | os.PathLike, block: int = 4 << 20) -> tuple[str, int, int] | None:
    """(SHA-256, size, mtime_ns) of a file, its size and time read from the open file
    before and after its content; None when they differ (written to while it was read:
    the digest is of no one content). Raises OSError as ``open`` does."""
    with open(path, "rb") as fh:
        return open_file_sha256_stat(fh, block)


def open_file_sha256_stat(fh, block: int = 4 << 20, stop=None) -> tuple[str, int, int] | None:
    """:func:`file_sha256_stat` of a file open for reading in binary, read from where it
    stands to its end (the index reads an image's header from the same open afterwards).
    ``stop``: called before each block after the first; when it returns true the read
    ends there and None is returned (a cancelled index waits for one block, not a file)."""
    h = hashlib.sha256()
    before = os.fstat(fh.fileno())
    if not _hash_rest(fh, h, block, before.st_size, stop):
        return None
    after = os.fstat(fh.fileno())
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None
    return h.hexdigest(), after.st_size, after.st_mtime_ns
