"""A repair's link in the history of both its images, read-only, derived from the stored
repair rows and the original's own events (nothing is written; the history stays as it was
appended).

The original's ``repair`` and ``rerepair`` events are read back with what made the repair
(engine, model, mask source) added to their ``after``. The repair output, whose History
was empty (its link to the original was only in the grid's tooltip), is given one event
per event of the original about that repair: :data:`REPAIR_OF` (it was made as a repair of
the original: when, by whom, with what), :data:`REPAIR_OF_UNDONE` and
:data:`REPAIR_OF_REDONE`. A derived event takes the id of the original's event it mirrors,
so it sorts among the output's own events in the database's order.
"""
from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import models as m
from .convert import event_record, repair_record
from .records import EventRecord, RepairRecord

REPAIR_OF = "repair_of"
REPAIR_OF_UNDONE = "repair_of_undone"
REPAIR_OF_REDONE = "repair_of_redone"
#: the original's event about a repair -> the output's derived event
_MIRRORED = {"repair": REPAIR_OF, "unrepair": REPAIR_OF_UNDONE, "rerepair": REPAIR_OF_REDONE}


def repair_made(rec: RepairRecord) -> dict:
    """What made a repair, as a derived event carries it: engine, model (the checkpoint's
    name, "starter", or none for the classical engines), device, mask source."""
    p = rec.params or {}
    return {"repair_id": rec.id, "engine": rec.engine, "model": p.get("checkpoint"),
            "device": p.get("device"), "mask_source": p.get("mask_source")}


def _repair_id(ev: EventRecord) -> Optional[int]:
    for side in (ev.after, ev.before):
        if isinstance(side, dict) and isinstance(side.get("repair_id"), int):
            return side["repair_id"]
    return None


def with_repair_links(session: Session, image_id: int, events: Sequence[EventRecord]) -> list[EventRecord]:
    """``events`` (the image's history) with its repairs' links added (see the module
    docstring); in id order."""
    own_ids = {rid for ev in events if ev.action in ("repair", "rerepair") and (rid := _repair_id(ev)) is not None}
    made_by = session.scalars(select(m.Repair).where(m.Repair.output_image_id == image_id)).all()
    own = {r.id: repair_record(r) for r in session.scalars(
        select(m.Repair).where(m.Repair.id.in_(sorted(own_ids))))} if own_ids else {}
    out = []
    for ev in events:
        rec = own.get(_repair_id(ev)) if ev.action in ("repair", "rerepair") else None
        if rec is not None and isinstance(ev.after, dict):
            ev = dataclasses.replace(ev, after={**ev.after, **repair_made(rec)})
        out.append(ev)
    for row in made_by:
        if row.source_image_id == image_id:
            continue
        rec = repair_record(row)
        source = session.get(m.Image, row.source_image_id)
        name = source.relpath if source is not None else f"image {row.source_image_id}"
        trail = session.scalars(select(m.Event).where(m.Event.image_id == row.source_image_id,
                                                      m.Event.action.in_(sorted(_MIRRORED)))
                                .order_by(m.Event.id)).all()
        for src_ev in map(event_record, trail):
            if _repair_id(src_ev) != rec.id:
                continue
            after = {"source": name, **repair_made(rec)}
            if src_ev.action == "unrepair" and isinstance(src_ev.after, dict):
                after.update({k: v for k, v in src_ev.after.items() if k in ("file_deleted", "kept")})
            out.append(EventRecord(id=src_ev.id, image_id=image_id, actor=src_ev.actor, at=src_ev.at,
                                   action=_MIRRORED[src_ev.action], before=None, after=after, suggestion_id=None))
    return sorted(out, key=lambda ev: ev.id)
