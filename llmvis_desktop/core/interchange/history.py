"""The audit trail as JSON Lines (``--format history``): export only.

Every other format carries the annotations as they are now (and, optionally, the
pending suggestions); this one carries how they came to be: who changed what, when,
and what the model proposed. One JSON object per line, in this order:

1. one ``{"kind": "export", ...}`` line: the format name and version, when the file was
   written (UTC), how many events and suggestions follow;
2. one ``{"kind": "event", ...}`` line per history event, in event id order (the
   database's order, the one the annotation is rebuilt in; each event's ``at`` is its
   writer's clock, and two machines' clocks disagree): ``id``, ``image`` (the exported
   name), ``image_id``, ``action``, ``field`` (caption, labels, status or null),
   ``before``, ``after``, ``actor``, ``at`` (UTC, ISO 8601), ``suggestion_id`` and, for an
   event about a suggestion, ``suggestion``: its kind, value, model id, revision,
   prompt, score, outcome, final value, decided by and at;
3. one ``{"kind": "suggestion", ...}`` line per suggestion, in id order, with its full
   provenance (``suggestion_kind``: caption, label or answer; value, model id, revision,
   prompt, score, parameters, created at) and its outcome (pending, accepted, edited,
   rejected, withdrawn; final value, decided by, decided at).

``reviewed_only`` keeps to images whose status is reviewed; ``decided_only`` to images a
person decided, reviewed or rejected (the rejections are decisions too); the other
export options do not apply. DICOM-derived images are named neutrally as in every format, and their
paths inside events (a move's old and new path, a repair's output) and suggestion
parameters are replaced by neutral names too (unless ``anonymize`` is off).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Iterator, Optional

from sqlalchemy import func, select

from ..store import models as m
from ..store.convert import loads
from ..store.repo_history import event_field
from .common import (
    CHUNK,
    is_dicom,
    is_dicom_name,
    iso,
    neutral_name,
    visible_controls,
)
from .export_context import ExportContext, export_name
from .export_rows import repair_links
from .files import write_atomic

FORMAT = "llmvis-history"
VERSION = 1
#: event actions whose before/after hold file paths (renamed for DICOM-derived images)
PATH_ACTIONS = frozenset({"move", "repair", "rerepair", "unrepair"})


def export(ctx: ExportContext) -> None:
    names, neutral = _names(ctx)
    with ctx.project.store.read() as s:
        n_events, n_sugg = (s.scalar(_count(table, _statuses(ctx))) or 0 for table in (m.Event, m.Suggestion))
    total = n_events + n_sugg

    def write(fh) -> None:
        head = {"kind": "export", "format": FORMAT, "version": VERSION,
                "exported_at": datetime.now(timezone.utc).isoformat(), "events": n_events, "suggestions": n_sugg,
                "reviewed_only": ctx.options.reviewed_only, "decided_only": ctx.options.decided_only}
        fh.write(_line(head))
        done = 0
        ctx.report.events = 0
        # the events (in id order), then the suggestions, each counted in the report
        for count, lines in (("events", _event_lines(ctx, names, neutral)),
                             ("suggestions", _suggestion_lines(ctx, names, neutral))):
            for line in lines:
                fh.write(line)
                done += 1
                setattr(ctx.report, count, getattr(ctx.report, count) + 1)
                if done % CHUNK == 0:
                    ctx.tick(done, total)
        ctx.tick(done, total, "done")

    write_atomic(ctx.out, write, replace=ctx.force)
    ctx.report.images = len(names)
    ctx.report.files_written += 1


def _line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _statuses(ctx: ExportContext) -> Optional[tuple[str, ...]]:
    """The review statuses of the images exported (None: every image)."""
    if ctx.options.reviewed_only:
        return (m.STATUS_REVIEWED,)
    if ctx.options.decided_only:
        return (m.STATUS_REVIEWED, m.STATUS_REJECTED)
    return None


def _count(table, statuses: Optional[tuple[str, ...]]):
    stmt = select(func.count()).select_from(table)
    if statuses:
        stmt = stmt.join(m.Image, m.Image.id == table.image_id).where(m.Image.review_status.in_(statuses))
    return stmt


def _names(ctx: ExportContext) -> tuple[dict[int, str], dict[str, str]]:
    """(image id -> exported name for every image exported, relpath -> neutral name of the
    DICOM-derived ones, to rename paths found inside events and parameters)."""
    names: dict[int, str] = {}
    neutral: dict[str, str] = {}
    with ctx.project.store.read() as s:
        dicom_sources, dicom_like, _derived, _linked = repair_links(ctx, s)
        stmt = select(m.Image.id, m.Image.relpath, m.Image.format)
        statuses = _statuses(ctx)
        if statuses:
            stmt = stmt.where(m.Image.review_status.in_(statuses))
        rows = s.execute(stmt.order_by(m.Image.id)).all()
    for image_id, rel, fmt in rows:
        dicom_file = is_dicom(ctx.project.root, rel, fmt)
        name = export_name(ctx, rel, dicom_file or image_id in dicom_like, dicom_file)
        names[image_id] = name
        if name != rel:
            neutral[rel] = name
    return names, neutral


def _scrub(value, neutral: dict[str, str], ctx: ExportContext, paths: bool = False):
    """``value`` with every project path of a DICOM-derived image (a relative path, or an
    absolute one ending in it) replaced by its neutral name; ``paths``: any text is a path
    (a move's old name, no longer any image's): renamed when it names a DICOM file."""
    if not ctx.options.anonymize:
        return value
    if isinstance(value, str):
        if value in neutral:
            return neutral[value]
        for rel, name in neutral.items():
            if value.endswith("/" + rel):
                return name
        if paths and is_dicom_name(value):  # a move's old name
            return neutral_name(ctx.secret, value, PurePosixPath(value).suffix.lower() or ".dcm")
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, neutral, ctx, paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, neutral, ctx, paths) for v in value]
    return value


def _suggestion_fields(row: m.Suggestion) -> dict:
    return {"kind": row.kind, "value": visible_controls(row.value), "model_id": row.model_id,
            "model_revision": row.model_revision, "prompt": visible_controls(row.prompt), "score": row.score,
            "outcome": row.outcome, "final_value": visible_controls(row.final_value),
            "decided_by": row.decided_by, "decided_at": iso(row.decided_at)}


def _pages(ctx: ExportContext, table) -> Iterator[list]:
    """The rows of ``table`` in id order, a keyset page of :data:`CHUNK` at a time."""
    last = 0
    while True:
        ctx.token.check()
        with ctx.project.store.read() as s:
            page = list(s.scalars(select(table).where(table.id > last).order_by(table.id).limit(CHUNK)))
            if not page:
                return
            s.expunge_all()
        last = page[-1].id
        yield page
        if len(page) < CHUNK:
            return


def _event_lines(ctx: ExportContext, names: dict, neutral: dict) -> Iterator[str]:
    dicom_ids = {i for i, n in names.items() if n in neutral.values()}
    for page in _pages(ctx, m.Event):
        wanted = [e for e in page if e.image_id in names]
        sids = {e.suggestion_id for e in wanted if e.suggestion_id is not None}
        sugg: dict[int, dict] = {}
        if sids:
            with ctx.project.store.read() as s:
                for row in s.scalars(select(m.Suggestion).where(m.Suggestion.id.in_(sids))):
                    sugg[row.id] = _suggestion_fields(row)
        for e in wanted:
            before, after = loads(e.before), loads(e.after)
            base = e.action.rpartition(":")[2]
            if e.image_id in dicom_ids or base in PATH_ACTIONS:
                paths = base in PATH_ACTIONS and e.image_id in dicom_ids
                before, after = _scrub(before, neutral, ctx, paths), _scrub(after, neutral, ctx, paths)
            line = {"kind": "event", "id": e.id, "image": names[e.image_id], "image_id": e.image_id,
                    "action": e.action, "field": event_field(e.action), "before": _visible(before),
                    "after": _visible(after), "actor": e.actor, "at": iso(e.at), "suggestion_id": e.suggestion_id}
            if e.suggestion_id is not None:
                line["suggestion"] = sugg.get(e.suggestion_id)
            yield _line(line)


def _visible(value):
    if isinstance(value, str):
        return visible_controls(value)
    if isinstance(value, list):
        return [_visible(v) for v in value]
    if isinstance(value, dict):
        return {k: _visible(v) for k, v in value.items()}
    return value


def _suggestion_lines(ctx: ExportContext, names: dict, neutral: dict) -> Iterator[str]:
    for page in _pages(ctx, m.Suggestion):
        for row in page:
            if row.image_id not in names:
                continue
            params: Optional[dict] = json.loads(row.params_json or "{}")
            fields = _suggestion_fields(row)
            fields["suggestion_kind"] = fields.pop("kind")  # "kind" says what the line is
            line = {"kind": "suggestion", "id": row.id, "image": names[row.image_id], "image_id": row.image_id,
                    **fields, "params": _scrub(params, neutral, ctx), "created_at": iso(row.created_at)}
            yield _line(line)
