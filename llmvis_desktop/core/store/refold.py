"""The text search's folded copies re-folded when Python's Unicode tables change.

``images.caption_folded`` / ``relpath_folded`` (migration 0012) hold :func:`.fold.fold`
(NFC, then casefold) of each caption and path as this Python's ``unicodedata`` makes it.
A newer Python (newer ``unicodedata.unidata_version``) may fold some characters
differently (characters the older tables did not know): rows written before the upgrade
kept the old copies, and SQLite's search, which compares the copies, missed them.

The version the copies were folded with is recorded in the project settings
(``project.settings_json``, key :data:`KEY`; no schema change). At open
(:func:`check`, under the open lock, before any search):

* equal to this Python's: nothing is done beyond reading the settings (no per-row work);
* not recorded (a database made or migrated before the record), or older than this
  Python's: every row is re-folded (only rows whose copies differ are written; an ASCII
  caption and path fold the same under every Unicode version and are not called for),
  and this version is recorded, in one write transaction;
* newer than this Python's (a team database also opened by a newer Python): nothing is
  re-folded and the record is kept: copies are only ever folded forward, never back and
  forth between two machines. The rows this older Python writes are folded with its
  older tables, so it marks the settings (:data:`OLDER_KEY`, written once); the next
  open by a Python of the recorded version or newer re-folds and clears the mark. Rows
  the older Python writes after that open keep its folding until the next such open.
"""
from __future__ import annotations

import json
import logging
import unicodedata
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import fold as _fold
from . import models as m

log = logging.getLogger(__name__)

#: project setting: the ``unicodedata.unidata_version`` the folded copies were made with
KEY = "fold_unicode_version"
#: project setting: an older Python has written rows since the last re-fold (its version)
OLDER_KEY = "fold_unicode_older_writer"
SQLITE_FUNCTION = "llmvis_refold"
TEMP_TABLE = "llmvis_refold"
BATCH = 5000


def unicode_version() -> str:
    """This Python's Unicode tables (what :func:`.fold.fold` folds with)."""
    return unicodedata.unidata_version


def _parse(version) -> Optional[tuple[int, ...]]:
    try:
        return tuple(int(part) for part in str(version).split("."))
    except ValueError:
        return None


def decide(settings: dict, current: str) -> Optional[str]:
    """What an open by a Python with Unicode ``current`` does: "refold", "mark" (an
    older Python than recorded, not yet marked) or None (nothing)."""
    recorded, now = _parse(settings.get(KEY)) if settings.get(KEY) else None, _parse(current)
    if now is None:
        return None
    if recorded is None or now > recorded:
        return "refold"
    if now == recorded:
        return "refold" if settings.get(OLDER_KEY) else None
    return None if settings.get(OLDER_KEY) else "mark"


def _load(text) -> dict:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check(store, settings_json: Optional[str] = None) -> Optional[int]:
    """Re-fold the copies if this Python's Unicode version asks for it (see the module);
    returns how many rows were rewritten, or None when nothing was to be done. One read
    when the version is the recorded one (none when the caller read ``settings_json``)."""
    current = unicode_version()
    if settings_json is None:
        with store.read() as s:
            settings_json = s.scalar(sa.select(m.ProjectRow.settings_json).where(m.ProjectRow.id == 1))
    settings = _load(settings_json)
    if decide(settings, current) is None or store.read_only():  # (read-only: the next writable open)
        return None
    with store.write() as s:
        row = s.get(m.ProjectRow, 1, with_for_update=True)  # read again, locked
        if row is None:
            return None
        settings = _load(row.settings_json)
        action = decide(settings, current)
        if action is None:
            return None
        if action == "mark":
            settings[OLDER_KEY] = current
            row.settings_json = json.dumps(settings, sort_keys=True)
            return None
        n = refold_rows(s)
        settings[KEY] = current
        settings.pop(OLDER_KEY, None)
        row.settings_json = json.dumps(settings, sort_keys=True)
    if n:
        log.info("re-folded the text search's copies of %d images for Unicode %s", n, current)
    return n


def at_open(store, where: str, settings_json: Optional[str] = None) -> None:
    """:func:`check` as a project opens (``settings_json``: the project row's, as the open
    read it): a failure (another writer's lock held too long) is logged, not a reason not
    to open; the next open tries again."""
    try:
        check(store, settings_json)
    except Exception as exc:  # the search may miss a few rows: the project still opens
        log.warning("%s: could not re-fold the text search's copies for Unicode %s: %s", where,
                    unicode_version(), str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)


def refold_rows(session: Session) -> int:
    """Set every row's folded copies to :func:`.fold.fold` of its caption and path where
    they differ; how many rows were written. SQLite: one UPDATE through a Python
    function; PostgreSQL: the new copies COPYed to a temporary table, one UPDATE joined
    on the id (as migration 0012 fills them)."""
    conn = session.connection()
    fold = _fold.fold
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
        f = SQLITE_FUNCTION
        return conn.exec_driver_sql(
            f"UPDATE images SET caption_folded = {f}(caption), relpath_folded = {f}(relpath) "
            "WHERE (relpath_folded IS NULL OR length(CAST(caption AS BLOB)) <> length(caption) "
            "OR length(CAST(relpath AS BLOB)) <> length(relpath)) "
            f"AND (caption_folded IS NOT {f}(caption) OR relpath_folded IS NOT {f}(relpath))").rowcount
    i = m.Image.__table__.c
    rows = conn.execute(sa.select(i.id, i.caption, i.relpath, i.caption_folded, i.relpath_folded).where(
        i.relpath_folded.is_(None) | (sa.func.octet_length(i.caption) != sa.func.length(i.caption))
        | (sa.func.octet_length(i.relpath) != sa.func.length(i.relpath)))).all()
    new = [(r[0], fold(r[1]), fold(r[2])) for r in rows]
    new = [n for n, r in zip(new, rows) if (n[1], n[2]) != (r[3], r[4])]
    if not new:
        return 0
    cursor = conn.connection.driver_connection.cursor()
    try:
        if hasattr(cursor, "copy"):  # psycopg 3
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMP_TABLE} (id integer PRIMARY KEY, c text, r text) "
                           "ON COMMIT DROP")
            with cursor.copy(f"COPY {TEMP_TABLE} (id, c, r) FROM STDIN") as copy:
                for row in new:
                    copy.write_row(row)
            cursor.execute(f"UPDATE images SET caption_folded = t.c, relpath_folded = t.r "
                           f"FROM {TEMP_TABLE} t WHERE images.id = t.id")
            cursor.execute(f"DROP TABLE {TEMP_TABLE}")
            return len(new)
    finally:
        cursor.close()
    table = m.Image.__table__
    for start in range(0, len(new), BATCH):  # another driver: executemany by id
        conn.execute(table.update().where(table.c.id == sa.bindparam("b_id"))
                     .values(caption_folded=sa.bindparam("b_c"), relpath_folded=sa.bindparam("b_r")),
                     [{"b_id": a, "b_c": c, "b_r": r} for a, c, r in new[start:start + BATCH]])
    return len(new)
