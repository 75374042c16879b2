"""The databases of read-only folders that were moved, renamed or remounted elsewhere.

A read-only folder's project database is kept in the user data folder, keyed by the
folder's path (:func:`.db_location.fallback_db_path`). Renamed, or mounted at another place,
the folder is another key: opening it made a new, empty project, and its reviews stayed
in the old database with nothing mentioning them. :func:`moved_note` finds the databases
there whose recorded folder is gone and whose files match this folder (by a sample of
their paths, or the folder's name) and says how to open one (``--db``). It never adopts
one by itself: a folder that merely looks alike must not get another's annotations.
"""
from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path
from typing import Optional

#: how many of a database's image paths are looked for in the folder
SAMPLE = 50
#: how many databases in the data folder are looked at, at most (each is a small read)
MAX_LOOKED_AT = 200
#: how many are named in a note
NAMED = 3
#: how the note begins (the window shows a note holding it in a box, not only in the status bar)
MOVED_MARK = "the user data folder holds the project database of a folder that is no longer there"


def _read(db: Path) -> Optional[tuple[str, int, int, list[str]]]:
    """(recorded folder, images, reviewed images, sample of image paths) of a project
    database, read-only; None when it cannot be read as one."""
    uri = db.resolve().as_uri()
    for query in ("?mode=ro", "?immutable=1"):
        try:
            conn = sqlite3.connect(uri + query, uri=True, timeout=1.0)
        except sqlite3.Error:
            continue
        try:
            row = conn.execute("SELECT root FROM project WHERE id = 1").fetchone()
            if row is None:
                return None
            n, reviewed = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(review_status = 'reviewed'), 0) FROM images "
                "WHERE status != 'missing'").fetchone()
            sample = [r[0] for r in conn.execute(
                "SELECT relpath FROM images WHERE status != 'missing' ORDER BY id LIMIT ?", (SAMPLE,))]
            return str(row[0]), int(n), int(reviewed), sample
        except sqlite3.Error:
            continue
        finally:
            conn.close()
    return None


def find(root: Path, data_dir: Path, own: Optional[Path] = None) -> list[dict]:
    """The project databases in ``data_dir`` (other than ``own``, this folder's) whose
    recorded folder no longer exists and that match ``root``: some of their image paths
    are files in it, or (no image recorded) the folder's name is the same. Best match
    first: ``{"db", "folder", "images", "reviewed", "matched", "sampled"}``."""
    base = Path(data_dir) / "projects"
    try:
        dbs = sorted(base.glob("*/project.sqlite"))[:MAX_LOOKED_AT]
    except OSError:
        return []
    own = own.resolve() if own is not None else None
    found = []
    for db in dbs:
        if own is not None and db.resolve() == own:
            continue
        got = _read(db)
        if got is None:
            continue
        folder, images, reviewed, sample = got
        try:
            if Path(folder).exists():  # that folder is still there: its own database
                continue
        except OSError:
            pass  # (cannot be looked at: counted as gone)
        matched = sum(1 for rel in sample if _is_file(root / rel))
        if not matched and not (not sample and Path(folder).name == root.name):
            continue
        found.append({"db": db, "folder": folder, "images": images, "reviewed": reviewed,
                      "matched": matched, "sampled": len(sample)})
    found.sort(key=lambda f: (-(f["matched"] / max(f["sampled"], 1)), -f["reviewed"], -f["images"]))
    return found


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def moved_note(root: Path, data_dir: Path, own: Optional[Path] = None) -> Optional[str]:
    """A note naming the databases :func:`find` finds, and how to open one; None when none."""
    found = find(root, data_dir, own)
    if not found:
        return None
    parts = []
    for f in found[:NAMED]:
        match = (f"{f['matched']} of {f['sampled']} of its files are here" if f["sampled"]
                 else "the same folder name, no images")
        parts.append(f"{f['db']} (made for {f['folder']}, which is gone; {f['images']:,} images, "
                     f"{f['reviewed']:,} reviewed; {match})")
    more = f" and {len(found) - NAMED} more" if len(found) > NAMED else ""
    first = found[0]["db"]
    return (f"{MOVED_MARK} and whose files match {root}: {'; '.join(parts)}{more}. If {root} is that folder moved, renamed "
            f"or mounted elsewhere, its reviews are there, not in this folder's database: open it with "
            f"llmvis-desktop {shlex.quote(str(root))} --db sqlite:///{first} (every llmvis command takes the "
            f"same --db); nothing was taken over from it")
