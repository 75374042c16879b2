"""The outputs of linked repairs in :func:`.evaluate.evaluate`: left out by default.

A repair's output is a repaired copy of its source, indexed in the project but reviewed
at its source, not in the review queue (suggest jobs leave it out unless asked). Its
suggestions scored as well would count the same picture twice and mix suggestions on a
retouched copy into the figures of the work. :func:`evaluate` leaves out every
suggestion, review and run on them unless ``include_repairs``, and says how many
suggestions on how many images it left out (``repair_outputs_left_out``).
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select, true

from ..store import models as m


def outputs():
    """SQL: the ids of the images that are a linked repair's output (read once per
    statement as ``NOT IN``: no lookup per row)."""
    return select(m.Repair.output_image_id).where(m.Repair.output_image_id.is_not(None),
                                                  m.Repair.unlinked_at.is_(None))


def kept(column, skip: Optional[object]):
    """SQL: ``column`` (an image id) is not one of ``skip`` (:func:`outputs`, or None:
    every image is kept)."""
    return true() if skip is None else column.not_in(skip)


def left_out(s) -> dict[str, int]:
    """{"images", "suggestions"}: the repair outputs with a suggestion not withdrawn, and
    those suggestions (withdrawn ones were never suggested, as the report counts them)."""
    sg = m.Suggestion
    n, images = s.execute(select(func.count(), func.count(sg.image_id.distinct()))
                          .where(sg.image_id.in_(outputs()), sg.outcome != "withdrawn")).one()
    return {"images": int(images or 0), "suggestions": int(n or 0)}


def repair_outputs_line(report: dict, how_to_include: str = "") -> str:
    """"3 suggestions on 1 repair output left out (repaired copies are reviewed at their
    source)", or "" when none were left out. ``how_to_include``: how to count them too
    ("--include-repairs")."""
    out = report.get("repair_outputs_left_out") or {}
    n, images = out.get("suggestions", 0), out.get("images", 0)
    if not n:
        return ""
    text = (f"{n:,} suggestion{'s' if n != 1 else ''} on {images:,} repair output{'s' if images != 1 else ''} "
            "left out (repaired copies are reviewed at their source)")
    return text + (f"; {how_to_include} counts them" if how_to_include else "")
