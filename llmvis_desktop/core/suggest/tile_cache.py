"""The feature rows of a strip's tiles, kept: a strip is not scored again from scratch.

The learned suggester scores a line-scan strip in tiles (:mod:`.learned_tiles`): 128
handcrafted feature vectors for a 2048x20000 strip, 11-27 s on a CPU. An ordinary image's
vector is kept in the :class:`~.features.FeatureCache`, so a retrain (a new model
revision: every image scored again) reads none of them; a strip's tiles were computed
again every time. :class:`TileCache` keeps them per (image id, mtime, file size, tile
side, tile bound), with the strip's size, in memory and in an .npz file beside the
feature cache (``<extractor>-tiles.npz``).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Optional

import numpy as np

from .tmp_names import drop, own_tmp

log = logging.getLogger(__name__)


class TileCache:
    def __init__(self, path: Optional[Path], name: str) -> None:
        self.path, self.name = path, name
        # (id, mtime, size, side, max_tiles) -> ((strip width, height), rows)
        self._mem: dict[tuple, tuple] = {}
        self._dirty = False
        self._lock = threading.Lock()
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    if str(z["name"]) == name:
                        ends = np.cumsum(z["counts"])
                        for key, end, n in zip(z["keys"], ends, z["counts"]):
                            k = tuple(int(v) for v in key)
                            self._mem[k[:5]] = ((k[5], k[6]), z["rows"][end - n:end])
            except Exception as exc:  # a broken cache is only a cache
                log.warning("ignoring tile feature cache %s: %s", path, exc)

    def __len__(self) -> int:
        return len(self._mem)

    @staticmethod
    def key(rec, side: int, max_tiles: int) -> tuple:
        return (int(rec.id), int(rec.mtime_ns or 0), int(rec.size or 0), int(side), int(max_tiles))

    def get(self, key: tuple) -> Optional[tuple]:
        """((strip width, height), the tiles' feature rows), or None."""
        return self._mem.get(key)

    def put(self, key: tuple, size: tuple, rows) -> None:
        with self._lock:
            self._mem[key] = ((int(size[0]), int(size[1])), np.asarray(rows, np.float32))
            self._dirty = True

    def prune(self, live) -> int:
        """Drop the strips whose (image id, mtime, size) is not in ``live`` (deleted or
        changed files), as :meth:`~.features.FeatureCache.prune` does."""
        live = live if isinstance(live, (set, frozenset)) else set(live)
        with self._lock:
            dead = [k for k in self._mem if k[:3] not in live]
            for k in dead:
                del self._mem[k]
            self._dirty = self._dirty or bool(dead)
        return len(dead)

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        with self._lock:
            items = list(self._mem.items())
            self._dirty = False
        keys = np.array([(*k, *size) for k, (size, _rows) in items], np.int64).reshape(-1, 7)
        counts = np.array([len(rows) for _k, (_s, rows) in items], np.int64)
        rows = np.concatenate([r for _k, (_s, r) in items]) if items else np.zeros((0, 0), np.float32)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = own_tmp(self.path, ".tmp.npz")  # (another process may be saving the same file)
            try:
                np.savez(tmp, keys=keys, counts=counts, rows=rows, name=np.array(self.name))
                os.replace(tmp, self.path)
            except BaseException:
                drop(tmp)
                raise
        except OSError as exc:
            log.warning("cannot write tile feature cache %s: %s", self.path, exc)
