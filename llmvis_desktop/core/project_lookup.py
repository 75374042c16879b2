"""Which project a file or folder lies in, found on disk without opening anything.

``enclosing_project(path, data_dir=None) -> Optional[Path]`` (also importable from
:mod:`.project`): the nearest folder at or above ``path`` holding a project database, in
the folder's ``.llmvis`` or, for a read-only folder, in the user data folder, as
:meth:`.project.Project.open` looks for it. ``llmvis repair apply`` without
``--project`` uses it to find the image's project.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from . import config as cfg_mod
from .store.engine import fallback_db_path


def enclosing_project(path: Path | str, data_dir: Optional[Path] = None) -> Optional[Path]:
    """The project folder ``path`` (a file or folder) lies in: the nearest folder at or above
    it whose database exists, ``.llmvis/project.sqlite`` inside it or, for a read-only
    folder, its copy in the user data folder (where :meth:`Project.open` looks). None when
    no folder above it is a project. Creates nothing."""
    data = data_dir or cfg_mod.data_dir()
    try:
        given = Path(os.path.abspath(Path(path).expanduser()))
        starts = [given, given.resolve()]
    except (OSError, RuntimeError):
        return None
    # the path as given first: a file reached through a link inside a project (a linked
    # folder, a linked file) is that project's, as its index lists it; then links resolved
    for start in dict.fromkeys(starts):
        folder = start if start.is_dir() else start.parent
        for cand in (folder, *folder.parents):
            try:
                if (cand / ".llmvis" / "project.sqlite").is_file() or fallback_db_path(cand, data).is_file():
                    return cand.resolve()
            except (OSError, RuntimeError):
                continue
    return None
