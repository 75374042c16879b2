"""The project's settings: one JSON object in the project row (``settings_json``), read and
written whole. Every writer locks the row as it reads it, so a write of what was read
before another transaction's commit cannot put back what that one changed (an import's
record of its provisional labels, a reviewer's model choice, a label renamed). Damaged
text reads as no settings, with the row still written over whole by the next change."""
from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import models as m


def parse(text: Optional[str]) -> dict:
    """The settings in ``text``; ``{}`` for none, damaged text, or JSON that is no object."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def read(session: Session) -> dict:
    """The settings as committed (no lock)."""
    return parse(session.scalar(select(m.ProjectRow.settings_json).where(m.ProjectRow.id == 1)))


def locked(session: Session, lock: bool = True) -> tuple[Optional[m.ProjectRow], dict]:
    """(the project row, its settings), the row locked to the transaction's end (``lock``);
    (None, {}) in a database with no project row."""
    row = session.get(m.ProjectRow, 1, with_for_update=lock) if lock else session.get(m.ProjectRow, 1)
    return (None, {}) if row is None else (row, parse(row.settings_json))


def save(row: m.ProjectRow, data: dict) -> None:
    """Write ``data`` as the row's settings (in the caller's transaction)."""
    row.settings_json = json.dumps(data, sort_keys=True)


def set_value(session: Session, key: str, value) -> None:
    """Set one setting, the row locked as it is read; nothing written when it holds
    ``value`` already."""
    row, data = locked(session)
    if row is not None and (key not in data or data[key] != value):
        data[key] = value
        save(row, data)
