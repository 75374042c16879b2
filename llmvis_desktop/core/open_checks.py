"""What :meth:`.project.Project.open` checks before it looks inside a folder or opens a
database file, each said in words (None: fine)."""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Optional


def unlistable(root: Path) -> Optional[str]:
    """Why ``root`` cannot be listed (no read or search permission), or None. Said as what
    it is: such a folder was called read-only, its user data folder blamed, and --db
    suggested (which then failed on the listing)."""
    try:
        with os.scandir(root):
            pass
        os.stat(root / ".llmvis")  # (listable but not searchable: the same)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{root}: folder cannot be listed ({exc.strerror or exc}); nothing was written"
    return None


def empty_database(db_file: Optional[Path]) -> Optional[str]:
    """Why a project database file of 0 bytes is not opened, or None: a damaged or
    truncated copy (a crash, a sync tool, a full disk), not a new project; it was silently
    given an empty schema, its annotations shown as none. A file that is not a database at
    all is refused too (SQLite: "file is not a database"); deleting it is how to start
    afresh."""
    try:
        empty = db_file is not None and db_file.is_file() and db_file.stat().st_size == 0
    except OSError:
        return None
    if not empty:
        return None
    return (f"{db_file}: the project database is empty (0 bytes), a damaged or truncated copy? It was left "
            f"untouched. If it should hold the annotations, restore it from a backup; to start a new project "
            f"in its place, delete it (rm {shlex.quote(str(db_file))}) and open the folder again")
