"""Undo of an accepted repair: unlink it (the row stays, history is append-only), and
delete its files only when asked.

Unlinking sets ``unlinked_at``/``unlinked_by`` on the repair and writes an ``unrepair``
event on the source image; an unlinked repair no longer counts anywhere (has-repair
filter, the image's repair mark, ``Project.repairs``, the info count).  With
``delete_file`` the repaired output and its mask are deleted, but only once the
transaction has committed (a failed unlink never loses a file) and only files that
belong to this repair alone: never an image that is the source of a repair, never a
file another linked repair points at, never anything but a plain file.

Redo of that undo relinks the repair: ``unlinked_at``/``unlinked_by`` are cleared and a
``rerepair`` event is appended (the ``unrepair`` event stays; history is never rewritten).
A repair whose output file is gone cannot be relinked.
"""
from __future__ import annotations

import logging
from pathlib import Path
import json
from typing import Optional

from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session

from . import models as m
from .convert import repair_record
from .records import RepairRecord
from .repo_review import NotFound, add_event

log = logging.getLogger(__name__)

MASK_DIR = ".masks"  # as core.repair.apply writes them
MASK_SUFFIX = ".mask.png"


class RepairStateError(ValueError):
    """The repair is already unlinked (unlink), or linked or without its file (relink)."""


def _resolve(path: str, root: Optional[Path]) -> Optional[Path]:
    p = Path(path)
    if p.is_absolute():
        return p
    return (Path(root) / p) if root is not None else None


def _key(p: Path) -> str:
    try:
        return str(p.resolve())
    except OSError:
        return str(p.absolute())


def repair_files(session: Session, row: m.Repair, root: Optional[Path]) -> list[Path]:
    """The files of ``row`` that are safe to delete: its output and its mask, when they are
    plain files and nothing else in the project (a repair source, another linked repair's
    output or mask) is the same file."""
    protected: set[str] = set()
    sources = session.scalars(
        select(m.Image.relpath).join(m.Repair, m.Repair.source_image_id == m.Image.id).distinct())
    for rel in sources:
        p = _resolve(rel, root)
        if p is not None:
            protected.add(_key(p))
    others = session.execute(
        select(m.Repair.output_path, m.Repair.mask_path).where(m.Repair.id != row.id, m.Repair.unlinked_at.is_(None)))
    for out, mask in others:
        for s in (out, mask):
            p = _resolve(s, root)
            if p is not None:
                protected.add(_key(p))
    files = []
    out = _resolve(row.output_path, root)
    mask = _resolve(row.mask_path, root)
    if mask is not None and not (mask.parent.name == MASK_DIR and mask.name.endswith(MASK_SUFFIX)):
        mask = None  # not a mask file the repair wrote: leave it
    for p in (out, mask):
        if p is None or p.is_symlink() or not p.is_file():
            continue
        if _key(p) in protected:
            continue
        files.append(p)
    return files


def _delete_files(paths: list[Path]) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s after unlinking its repair: %s", p, exc)


def _after_commit(session: Session, paths: list[Path]) -> None:
    def on_commit(_s):
        event.remove(session, "after_soft_rollback", on_rollback)
        _delete_files(paths)

    def on_rollback(_s, _previous):
        event.remove(session, "after_commit", on_commit)
        event.remove(session, "after_soft_rollback", on_rollback)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_soft_rollback", on_rollback)


def unlink_repair(
    session: Session,
    repair_id: int,
    actor: str,
    delete_file: bool = False,
    *,
    root: Optional[Path] = None,
) -> RepairRecord:
    """Unlink repair ``repair_id`` (the undo of accepting it); with ``delete_file`` its output
    and mask are deleted after the commit.  ``root`` resolves project-relative paths (needed
    to delete files stored relative to the project).  Returns the repair as it was."""
    row = session.get(m.Repair, repair_id)
    if row is None:
        raise NotFound(f"no repair with id {repair_id}")
    if row.unlinked_at is not None:
        raise RepairStateError(f"repair {repair_id} is already unlinked")
    files = repair_files(session, row, root) if delete_file else []
    out = _resolve(row.output_path, root)
    out_deleted = out is not None and _key(out) in {_key(p) for p in files}
    row.unlinked_at = m.utcnow()
    row.unlinked_by = actor
    if out_deleted and row.output_image_id is not None:  # its file goes: the grid shows it missing at once
        out_img = session.get(m.Image, row.output_image_id)
        if out_img is not None:
            out_img.status = m.STATUS_MISSING
    after = {"repair_id": row.id, "file_deleted": out_deleted, "deleted": [str(p) for p in files]}
    if delete_file and not out_deleted:  # what really happened, not what was asked
        after["kept"] = ("the repaired file is used by another repair (or is an original), so it was kept"
                         if out is not None and out.is_file() else "the repaired file was already gone")
    add_event(session, row.source_image_id, actor, "unrepair", {"repair_id": row.id, "output": row.output_path},
              after)
    session.flush()
    if files:
        _after_commit(session, files)
    return repair_record(row)


def relink_repair(
    session: Session,
    repair_id: int,
    actor: str,
    *,
    root: Optional[Path] = None,
) -> RepairRecord:
    """Relink repair ``repair_id`` (the redo of an undone accept): it counts again and a
    ``rerepair`` event is appended on the source image.  Refused (:class:`RepairStateError`)
    when the repair is linked already or its output file no longer exists (``root`` resolves
    project-relative paths; without it a relative path is not checked)."""
    row = session.get(m.Repair, repair_id)
    if row is None:
        raise NotFound(f"no repair with id {repair_id}")
    if row.unlinked_at is None:
        raise RepairStateError(f"repair {repair_id} is not unlinked")
    out = _resolve(row.output_path, root)
    if out is not None and not out.is_file():
        raise RepairStateError(f"repair {repair_id} cannot be relinked: its file {row.output_path} is gone")
    before = {"repair_id": row.id, "unlinked_at": row.unlinked_at.isoformat(), "unlinked_by": row.unlinked_by}
    row.unlinked_at = None
    row.unlinked_by = None
    add_event(session, row.source_image_id, actor, "rerepair", before,
              {"repair_id": row.id, "output": row.output_path})
    session.flush()
    return repair_record(row)


def is_unlinked(session: Session, repair_id: int) -> bool:
    row = session.get(m.Repair, repair_id)
    if row is None:
        raise NotFound(f"no repair with id {repair_id}")
    return row.unlinked_at is not None


def add_repair(
    session: Session,
    source_image_id: int,
    *,
    mask_path: str,
    output_path: str,
    engine: str,
    actor: str,
    output_image_id: Optional[int] = None,
    source_sha256: Optional[str] = None,
    checkpoint_hash: Optional[str] = None,
    params: Optional[dict] = None,
) -> RepairRecord:
    row = m.Repair(
        source_image_id=source_image_id,
        output_image_id=output_image_id,
        mask_path=mask_path,
        output_path=output_path,
        source_sha256=source_sha256,
        engine=engine,
        checkpoint_hash=checkpoint_hash,
        params_json=json.dumps(params or {}, sort_keys=True),
        created_at=m.utcnow(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    add_event(session, source_image_id, actor, "repair", None, {"repair_id": row.id, "output": output_path})
    return repair_record(row)


def linked_with_output(names) -> Select:
    """The ids of the linked repairs whose output is recorded under one of ``names``."""
    return (select(m.Repair.id).where(m.Repair.output_path.in_(sorted(names)), m.Repair.unlinked_at.is_(None))
            .order_by(m.Repair.id))


def repairs_for(session: Session, image_id: int) -> list[RepairRecord]:
    """The linked (not undone) repairs of ``image_id``."""
    rows = session.scalars(select(m.Repair).where(m.Repair.source_image_id == image_id,
                                                  m.Repair.unlinked_at.is_(None)).order_by(m.Repair.id))
    return [repair_record(r) for r in rows]


def repair_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(m.Repair).where(m.Repair.unlinked_at.is_(None)))
