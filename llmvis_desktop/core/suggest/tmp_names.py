"""A temporary file name of a writer's own, beside the file it is about to replace.

The learned suggester's caches and saved network (features, strip tiles, the fitted
network and its fit's checkpoint) of a team's PostgreSQL project live in the user's cache
folder, keyed by the image folder: two windows on one machine, or a window and ``llmvis
suggest --learned --db URL``, save the same files. One fixed temporary name let the
second writer truncate the first's half-written file, and the first's rename then failed
or moved a file still being written. Each save writes its own file, then renames it over
the old one (the last rename wins, whole)."""
from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path


def own_tmp(path: Path, suffix: str = ".tmp") -> Path:
    """``path``'s sibling named for this process and thread (``suffix`` last: ``np.savez``
    adds ``.npz`` to a name without it)."""
    tag = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    return path.with_name(f"{path.name}.{tag}{suffix}")


def drop(tmp: Path) -> None:
    """Remove a temporary file a failed save left (none there: nothing to do)."""
    try:
        tmp.unlink()
    except OSError:
        pass
