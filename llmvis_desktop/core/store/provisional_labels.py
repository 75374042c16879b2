"""Labels an import made before its rows committed: provisional until that commit.

An import makes the labels it needs in a short transaction of its own (so reviewers'
label keys are not held up for its length), then applies its rows in one long one. If it
fails in-process it takes them back; a process killed in between (kill -9, a crash, a
power cut) could not, and its labels stayed in the taxonomy on no image, holding number
keys. So the transaction that makes them also records them here, in the project settings
(key :data:`KEY`: one record per import, with its host, pid and start time, and each
label as made: id, creation time, name, colour, key, description); the transaction that
commits the import clears its record. :func:`take_back_abandoned`, run by the next import
and when a project is opened, takes back the labels of a record whose process is gone
(:func:`..owner.gone`: on this host, exited; on another host, only once the record is a
day old, as its processes cannot be seen from here) that are still as made: on no image,
named by no suggestion, not renamed, recoloured, re-keyed or described since. Those a
reviewer used are kept; the record goes either way. No schema change: the settings are
the project row's JSON."""
from __future__ import annotations

import logging
import time
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import models as m, settings_row
from . import repo_labels as rl

log = logging.getLogger(__name__)

#: the project setting holding the records: {import key: record}
KEY = "import_labels_in_progress"


def claim_key(claim: dict) -> str:
    """The record's key of an import (``claim``: host, pid, started)."""
    return f"{claim['host']}/{claim['pid']}/{float(claim['started']):.6f}"


_settings = settings_row.locked  # (session, lock) -> (the project row, its settings)
_save = settings_row.save


def _snapshots(session: Session, label_ids: list[int]) -> list[dict]:
    """The labels ``label_ids`` as made (those still there, in that order), read with a
    statement per thousand (it was one per label: an import of a file naming thousands of
    classes)."""
    by_id = {}
    for start in range(0, len(label_ids), 1000):
        by_id.update((lbl.id, lbl) for lbl in session.scalars(
            select(m.Label).where(m.Label.id.in_(label_ids[start:start + 1000]))))
    return [{"id": lbl.id, "created": rl._stamp(lbl.created_at), "name": lbl.name, "color": lbl.color,
             "shortcut": lbl.shortcut, "description": lbl.description}
            for lbl in (by_id.get(i) for i in label_ids) if lbl is not None]


def record(session: Session, claim: dict, made: list[tuple[int, str]]) -> None:
    """In the transaction that made the labels ``made`` ([(id, name)]): add them to the
    record of the import ``claim`` (host, pid, started, file), so that they are taken
    back if it never commits. The project row is locked to the end of that transaction."""
    if not made:
        return
    session.flush()
    row, data = _settings(session, lock=True)
    if row is None:
        return
    records = data.get(KEY) if isinstance(data.get(KEY), dict) else {}
    rec = records.setdefault(claim_key(claim), {
        "host": claim["host"], "pid": int(claim["pid"]), "started": float(claim["started"]),
        "file": str(claim.get("file", "")), "labels": []})
    rec["labels"].extend(_snapshots(session, [i for i, _ in made]))
    data[KEY] = records
    _save(row, data)


def clear(session: Session, claim: dict) -> None:
    """In the transaction that commits the import ``claim``: its labels are the project's
    now (a no-op, locking nothing, when it made none)."""
    row, data = _settings(session, lock=False)
    if row is None or claim_key(claim) not in (data.get(KEY) or {}):
        return
    row, data = _settings(session, lock=True)  # read again, locked: another import's record may be new
    records = data.get(KEY) or {}
    records.pop(claim_key(claim), None)
    if records:
        data[KEY] = records
    else:
        data.pop(KEY, None)
    _save(row, data)


def _untouched(session: Session, snap: dict) -> bool:
    """Whether the label is still exactly as the import made it, and used nowhere."""
    lbl = session.get(m.Label, int(snap["id"]))
    if lbl is None or rl._stamp(lbl.created_at) != snap.get("created"):
        return False  # gone already, or another label that got its id
    if (lbl.name, lbl.color, lbl.shortcut, lbl.description) != (
            snap.get("name"), snap.get("color"), snap.get("shortcut"), snap.get("description")):
        return False  # renamed, recoloured, re-keyed or described since: a reviewer's now
    if session.scalar(select(m.ImageLabel.image_id).where(m.ImageLabel.label_id == lbl.id).limit(1)) is not None:
        return False
    return session.scalar(select(m.Suggestion.id).where(m.Suggestion.kind == "label",
                                                        m.Suggestion.value == lbl.name).limit(1)) is None


def take_back(session: Session, pick) -> list[str]:
    """Under the taxonomy's lock, then the project row's (the order an import takes them
    in): remove the records ``pick(settings)`` names (their keys) and those of their labels
    still untouched; the names removed."""
    rl.lock_taxonomy(session, "import")
    row, data = _settings(session, lock=True)
    records = data.get(KEY) if row is not None and isinstance(data.get(KEY), dict) else {}
    keys = pick(data) if records else []
    removed: list[str] = []
    for key in keys:
        rec = records.pop(key, None)
        for snap in (rec or {}).get("labels", []):
            if isinstance(snap, dict) and _untouched(session, snap):
                session.execute(delete(m.Label).where(m.Label.id == int(snap["id"])))
                removed.append(str(snap["name"]))
    if keys:
        if records:
            data[KEY] = records
        else:
            data.pop(KEY, None)
        _save(row, data)
    if removed:  # a zero-shot labeler that ran meanwhile scored them too
        from .taxonomy_changed import mark_names_changed

        mark_names_changed(session)
    return removed


def take_back_own(session: Session, claim: dict) -> list[str]:
    """The labels of the import ``claim`` itself, which failed (in-process)."""
    return take_back(session, lambda data: [claim_key(claim)])


def _abandoned(data: dict, now: float) -> list[str]:
    from ..owner import gone

    records = data.get(KEY)
    if not isinstance(records, dict):
        return []
    out = []
    for key, rec in records.items():
        try:
            if gone(str(rec["host"]), int(rec["pid"]), float(rec["started"]), now=now):
                out.append(key)
        except (KeyError, TypeError, ValueError):
            out.append(key)  # a record that cannot be read is nobody's
    return out


def take_back_abandoned(store, settings_json: Optional[str] = None) -> list[str]:
    """Take back the labels of imports whose process is gone (see the module's note); the
    names removed. A read only, when there is nothing to take back (every open runs it);
    none, given the settings as the open read them (``settings_json``)."""
    if settings_json is not None:
        data = settings_row.parse(settings_json)
    else:
        with store.read() as s:
            _, data = _settings(s, lock=False)
    if not _abandoned(data, time.time()):
        return []
    with store.write() as s:
        removed = take_back(s, lambda data: _abandoned(data, time.time()))
    if removed:
        log.info("took back the labels %s made by an import that was stopped before it finished",
                 ", ".join(removed))
    return removed
