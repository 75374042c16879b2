"""Model weight files' SHA-256, cached on disk between runs: the content part of a
model's revision (:func:`.discovery._digest`), so a 15 GB model is hashed once.

Entries are keyed by the file's real path (the HF cache's blob, shared by its snapshots)
and checked against its (size, mtime_ns, inode); at most :data:`_DIGEST_CACHE_MAX` are
kept, the oldest dropped first. Offline and torch-free.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Callable, Optional

from .tmp_names import drop, own_tmp

DIGEST_CACHE_NAME = "model_digests.json"
_DIGEST_CACHE_MAX = 4096  # entries kept; the oldest go first


def digest_cache_path() -> Path:
    from ..config import cache_dir

    return cache_dir() / DIGEST_CACHE_NAME


class DigestCache:
    """Weight files' SHA-256, kept on disk between runs (a 15 GB model is read once, not
    on every ``models list``). A damaged or unwritable cache only costs time.
    ``hasher(path) -> hex digest`` hashes a file not in the cache (or changed since)."""

    def __init__(self, hasher: Callable[[str], str]) -> None:
        self.hasher = hasher
        self.path = digest_cache_path()
        self.entries: dict = {}
        self.changed = False

    def __enter__(self) -> "DigestCache":
        try:
            data = json.loads(self.path.read_text())
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            pass
        return self

    def hash(self, p: Path) -> Optional[str]:
        try:
            real = os.path.realpath(p)  # the HF cache's blob, shared by its snapshots
            st = os.stat(real)
            if not stat.S_ISREG(st.st_mode):
                return None
            key = [st.st_size, st.st_mtime_ns, st.st_ino]
            have = self.entries.get(real)
            if isinstance(have, list) and have[:3] == key and len(have) == 4:
                return str(have[3])
            value = self.hasher(real)
        except OSError:
            return None
        self.entries.pop(real, None)
        self.entries[real] = [*key, value]
        self.changed = True
        return value

    def __exit__(self, *exc) -> None:
        if not self.changed:
            return
        entries = dict(list(self.entries.items())[-_DIGEST_CACHE_MAX:])
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = own_tmp(self.path, hidden=True)  # (what a killed save left is removed first)
            tmp.write_text(json.dumps(entries))
            os.replace(tmp, self.path)
        except OSError:
            if tmp is not None:
                drop(tmp)
