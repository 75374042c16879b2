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
* equal, but folded by older rules of :func:`.fold.fold` itself (:data:`RULES_KEY` lower
  than :data:`RULES`, or not recorded): re-folded as for a newer Unicode, the rules
  recorded (the invisible characters a search ignores since rules 2). A Python older than
  the recorded Unicode leaves that to the next open by a newer or equal one (never folded
  back);
* newer than this Python's (a team database also opened by a newer Python): nothing is
  re-folded and the record is kept: copies are only ever folded forward, never back and
  forth between two machines. The rows this older Python writes are folded with its
  older tables, so it marks the settings (:data:`OLDER_KEY`, written once); the next
  open by a Python of the recorded version or newer re-folds and clears the mark. Rows
  the older Python writes after that open keep its folding until the next such open.

The re-fold locks in the order every other writer does: the taxonomy lock (as a rename
does), then the image rows, the project row last. It locked the project row first, and a
teammate's rename or header pass (images, then the project row) crossed it on PostgreSQL:
deadlock detected, one of the two thrown away. At open it waits :data:`OPEN_WAIT_MS` at
most for a teammate's lock; refused, the project opens with a note saying so
(:func:`at_open`), and the next open tries again.
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
from . import settings_row
from .db_errors import RETRYABLE, WAITED, db_error_kind
from .engine import Busy, short_waits
from .taxonomy_lock import lock_taxonomy

log = logging.getLogger(__name__)

#: project setting: the ``unicodedata.unidata_version`` the folded copies were made with
KEY = "fold_unicode_version"
#: project setting: an older Python has written rows since the last re-fold (its version)
OLDER_KEY = "fold_unicode_older_writer"
#: project setting: the version of :func:`.fold.fold`'s own rules the copies were made with
RULES_KEY = "fold_rules"
#: 2: the invisible characters (a soft hyphen, zero-width ones, a BOM) dropped
#: (:data:`.fold.INVISIBLE`); copies made before (no record: 1) are re-folded once, as for
#: a newer Unicode
RULES = 2
SQLITE_FUNCTION = "llmvis_refold"
TEMP_TABLE = "llmvis_refold"
BATCH = 5000
#: how long the re-fold at open waits for a teammate's lock (the taxonomy: a rename, an
#: import; the rows it rewrites) before it is left to the next open (PostgreSQL's taxonomy
#: lock is tried for 500 ms of it, as a change in the window tries it)
OPEN_WAIT_MS = 2000


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
        return "refold" if settings.get(OLDER_KEY) or _rules(settings) < RULES else None
    return None if settings.get(OLDER_KEY) else "mark"


def _rules(settings: dict) -> int:
    """The fold rules the copies were made with (:data:`RULES_KEY`; not recorded: 1)."""
    value = settings.get(RULES_KEY)
    return value if isinstance(value, int) else 1


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
        # the taxonomy first, the project row last (see the module): every re-fold and mark
        # takes the taxonomy lock, so the settings read again here cannot change under it
        lock_taxonomy(s, "refold")
        action = decide(settings_row.read(s), current)
        if action is None:
            return None
        n = refold_rows(s) if action == "refold" else None
        row, settings = settings_row.locked(s)
        if row is None or decide(settings, current) != action:  # (another program's open meanwhile)
            return n
        if action == "mark":
            settings[OLDER_KEY] = current
        else:
            settings[KEY] = current
            settings[RULES_KEY] = max(RULES, _rules(settings))
            settings.pop(OLDER_KEY, None)
        settings_row.save(row, settings)
    if n:
        log.info("re-folded the text search's copies of %d images for Unicode %s", n, current)
    return n


def at_open(store, where: str, settings_json: Optional[str] = None) -> Optional[str]:
    """:func:`check` as a project opens (``settings_json``: the project row's, as the open
    read it), waiting :data:`OPEN_WAIT_MS` at most for a teammate's lock. A failure (a
    lock held longer) is not a reason not to open: the note to show (the search may miss
    a few names until the next open, which tries again), else None."""
    try:
        with short_waits(OPEN_WAIT_MS):
            check(store, settings_json)
        return None
    except Exception as exc:  # the search may miss a few rows: the project still opens
        why = _why(exc)
        log.info("%s: could not re-fold the text search's copies for Unicode %s: %s", where, unicode_version(), why)
        if settings_json is not None and decide(_load(settings_json), unicode_version()) == "mark":
            return None  # (an older Python's mark, not this one's search: the next open marks)
        version = unicode_version()
        return (f"the text search was not brought up to this Python's Unicode {version} ({why}); the next "
                f"open does it, and until then a search may miss names and captions holding characters "
                f"new in that Unicode")


def _why(exc: BaseException) -> str:
    """Why the re-fold was refused, in a few words."""
    if getattr(exc, "busy", None):  # the taxonomy lock: who holds it, doing what
        return exc.busy
    if isinstance(exc, Busy) or db_error_kind(exc) in WAITED | RETRYABLE:
        return "a teammate's change, a job or another program was writing to the project database"
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


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
