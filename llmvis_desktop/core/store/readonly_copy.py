"""The copy of a read-only folder's database, and how it stands against the folder's own.

A folder that cannot be written works on a copy of its database in the user data dir
(:func:`.db_location.default_db_location`). History is append-only, so the newest event id
of each file tells whether it changed: the copy's bookkeeping (``copied-from.json``
beside it) keeps both files' newest event ids at the time of the copy.

- read-only again, the folder's database changed since and the copy did not: the copy
  is made afresh (it showed the old annotations);
- the copy changed while the folder's database did too: the copy is used and the note
  says the two went their own ways;
- the folder writable again while the copy holds work of its own: the folder's
  database is used and the note says where that work is and how to bring it over
  (it was silently left behind): losslessly, the copy's file in place of the folder's
  when that has not changed since; else a CSV export and import, which loses the
  copy's history (the note says so, and how to keep it in a history export).
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Optional

MARKER = "copied-from.json"


def newest_event(db: Path) -> Optional[int]:
    """The newest history event id of a project database (0: none), read-only; None when
    it cannot be read. In a folder that cannot be written, a WAL database cannot make its
    shared-memory file: it is read as immutable then (its main file, without the log)."""
    uri = Path(db).resolve().as_uri()
    for query in ("?mode=ro", "?immutable=1"):
        try:
            conn = sqlite3.connect(uri + query, uri=True, timeout=2.0)
        except sqlite3.Error:
            continue
        try:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
        except sqlite3.Error:
            continue
        finally:
            conn.close()
    return None


def remember(own: Path, copy: Path) -> None:
    """Note both files' newest events right after ``own`` was copied to ``copy``."""
    data = {"source": str(own), "source_event": newest_event(own), "copy_event": newest_event(copy)}
    try:
        (copy.parent / MARKER).write_text(json.dumps(data), encoding="utf-8")
    except OSError:
        pass  # without it, the copy is simply reused as before


def _marker(copy: Path) -> Optional[dict]:
    try:
        return json.loads((copy.parent / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changed(copy: Path) -> tuple[Optional[bool], Optional[bool]]:
    """(the folder's database changed since the copy, the copy changed since): None
    where it cannot be told (no bookkeeping, a file not readable)."""
    mark = _marker(copy)
    if mark is None:
        return None, None
    own_now, copy_now = newest_event(Path(mark["source"])), newest_event(copy)
    own_then, copy_then = mark.get("source_event"), mark.get("copy_event")
    own_changed = None if own_now is None or own_then is None else own_now > own_then
    copy_changed = None if copy_now is None or copy_then is None else copy_now > copy_then
    return own_changed, copy_changed


def left_behind_note(root: Path, own: Path, copy: Path) -> Optional[str]:
    """For a folder writable again: a note when its read-only copy holds work the
    folder's database does not, and how to bring it over: the copy's file in place of
    the folder's when the folder's has not changed since (lossless: the history comes
    along); otherwise there is no merge, and the note says what a CSV export and import
    keeps and what it loses (the copy's history, kept apart in a history export)."""
    if not copy.exists():
        return None
    if _marker(copy) is None:  # kept there from the start (the folder had no database then)
        copy_changed = bool(newest_event(copy))
        own_now = newest_event(own) if own.exists() else 0
        own_changed = None if own_now is None else own_now > 0
    else:
        own_changed, copy_changed = changed(copy)
    if not copy_changed:
        return None
    stop = f"remove {copy.parent} to stop this note"
    if own_changed is False:
        return (f"changes made while {root} was read-only are in {copy}, not in the folder's database "
                f"{own}, which has not changed since; to bring them over with their whole history, close "
                f"llmvis and copy {copy} (and {copy.name}-wal beside it, if there is one) over {own}; then "
                f"{stop}")
    db = f"--db sqlite:///{copy}"
    return (f"changes made while {root} was read-only are in {copy}, not in the folder's database {own}, "
            f"and both have changed, so neither file can replace the other (there is no merge). "
            f"`llmvis export {root} {db} --format csv --include-suggestions --out work.csv`, then "
            f"`llmvis import {root} --format csv work.csv` brings over each image's caption, labels, status, "
            f"reviewer and time and the pending suggestions, recorded as an import; it loses the copy's history "
            f"(who changed what, when, which suggestions were accepted or rejected): keep that with "
            f"`llmvis export {root} {db} --format history --out history.jsonl` first; then {stop}")
