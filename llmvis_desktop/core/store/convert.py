"""ORM row -> frozen record conversions, and the JSON used in history rows."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional

from . import models as m
from .records import EventRecord, ImageRecord, LabelDef, RepairRecord, SuggestionRecord


def as_utc(dt: Optional[datetime]) -> Optional[datetime]:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def dumps(value) -> Optional[str]:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def loads(text: Optional[str]):
    return None if text is None else json.loads(text)


def label_def(row: m.Label) -> LabelDef:
    return LabelDef(row.id, row.name, row.color, row.shortcut, row.description, row.position,
                    bool(row.exclusive))


#: the columns :func:`image_record` takes, in this order (ImageRecord's fields 0-12 first)
IMAGE_RECORD_COLUMNS = (
    m.Image.id, m.Image.relpath, m.Image.size, m.Image.mtime_ns, m.Image.width, m.Image.height,
    m.Image.format, m.Image.bit_depth, m.Image.frames, m.Image.status, m.Image.review_status,
    m.Image.error, m.Image.caption, m.Image.max_score, m.Image.updated_at, m.Image.updated_by,
)


def image_record(row, labels: tuple[str, ...] = (), has_repair: bool = False,
                 repair_output: bool = False, repair_source: Optional[str] = None) -> ImageRecord:
    """An ImageRecord from a row of :data:`IMAGE_RECORD_COLUMNS` (a plain column row, not
    an ORM entity: unpacking it is several times cheaper, and the grid reads thousands)."""
    *head, score, updated_at, updated_by = row
    return ImageRecord(*head, labels, score, has_repair, as_utc(updated_at), updated_by, repair_output,
                       repair_source)


def suggestion_record(row: m.Suggestion) -> SuggestionRecord:
    return SuggestionRecord(
        id=row.id,
        image_id=row.image_id,
        kind=row.kind,
        value=row.value,
        score=row.score,
        model_id=row.model_id,
        model_revision=row.model_revision,
        prompt=row.prompt,
        params=json.loads(row.params_json or "{}"),
        created_at=as_utc(row.created_at),
        outcome=row.outcome,
        final_value=row.final_value,
        decided_at=as_utc(row.decided_at),
        decided_by=row.decided_by,
    )


def event_record(row: m.Event) -> EventRecord:
    return EventRecord(
        id=row.id,
        image_id=row.image_id,
        actor=row.actor,
        at=as_utc(row.at),
        action=row.action,
        before=loads(row.before),
        after=loads(row.after),
        suggestion_id=row.suggestion_id,
    )


def repair_record(row: m.Repair) -> RepairRecord:
    return RepairRecord(
        id=row.id,
        source_image_id=row.source_image_id,
        output_image_id=row.output_image_id,
        mask_path=row.mask_path,
        output_path=row.output_path,
        source_sha256=row.source_sha256,
        engine=row.engine,
        checkpoint_hash=row.checkpoint_hash,
        params=json.loads(row.params_json or "{}"),
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
    )
