"""Bulk store paths leave no per-image garbage for Python's cyclic collector: what a full
collection frees after them stays small whatever their size (after a 50k-image import
the collection of its leftovers froze the window for 1-3 s; see
test_interchange_bulk.test_an_import_leaves_its_rows_to_no_collector)."""
from __future__ import annotations

import collections
import gc

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project


def _garbage(fn) -> collections.Counter:
    """What a full collection frees after ``fn()`` (run with the collector off)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection frees is kept in gc.garbage, to count
    try:
        fn()
        gc.collect()
        return collections.Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_a_rescan_after_a_folder_is_renamed_leaves_its_paths_to_no_collector(tmp_path):
    """The scan marks the old paths missing and relinks them, 500 rows a statement; each
    statement held its (id, path) pairs in its IN list, and SQLAlchemy's statements sit in
    reference cycles: after a rename of 5,000 files a full collection freed 4,800 objects,
    one per file."""
    n = 1100
    root = tmp_path / "proj"
    (root / "a").mkdir(parents=True)
    for i in range(n):
        Image.fromarray(np.full((2, 2), i % 256, np.uint8)).save(root / "a" / f"i{i:04d}.png")
    with Project.open(root) as p:
        p.scan()
        (root / "a").rename(root / "b")
        result = []
        kinds = _garbage(lambda: result.append(p.scan()))
        assert result[0].moved == n, result
        assert kinds["tuple"] < 50, kinds.most_common(5)
        assert sum(kinds.values()) < n // 4, kinds.most_common(5)
