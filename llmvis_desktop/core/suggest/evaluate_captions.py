"""The ``captions`` figures of :func:`.evaluate.evaluate`: the normalised edit distance of
each decided caption suggestion to the final caption, its mean per model and overall.

They were gathered while the cards streamed by image, as a (card id, distance) pair per
decided caption, sorted by id at the end: a list as long as the decided captions. They are
read here by a query of their own, each model's in id order, and summed as they come,
left to right, in the very order the sums were made before (each model's in id order,
the overall one model after the other by their first such card): the same numbers, a
few floats held.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import and_, func, select

from ..store import models as m
from ..store.repo_suggest import _for_current_content
from .evaluate_repairs import kept
from .evaluate_stream import DECIDED


def final_caption(r) -> Optional[str]:
    """The caption a decided caption suggestion ``r`` is compared with, or None when it is
    left out. A suggestion for the file's old content: the value its decision left (a
    rejected one is left out). Otherwise a rejected image kept nothing of it; else the
    image's caption now; reviewed with no caption: nothing kept; else the value an accepted
    or edited one left (taken off again, the image not reviewed yet)."""
    if not r.current:
        if r.outcome not in ("accepted", "edited") or not (r.final_value and r.final_value.strip()):
            return None
        return r.final_value
    if r.review_status == m.STATUS_REJECTED:
        return ""
    if r.caption_now and r.caption_now.strip():
        return r.caption_now
    if r.review_status == m.STATUS_REVIEWED:
        return ""
    if r.outcome in ("accepted", "edited") and r.final_value and r.final_value.strip():
        return r.final_value
    return None


def _decided(skip=None):
    sg = m.Suggestion
    return and_(sg.kind == "caption", sg.outcome.in_(DECIDED), kept(sg.image_id, skip))


def _distances(s, model_id: str, distance, skip=None):
    """(card id, distance) of one model's decided captions compared, in id order (streamed)."""
    sg = m.Suggestion
    stmt = (select(sg.id, sg.value, sg.outcome, sg.final_value, _for_current_content().label("current"),
                   m.Image.caption.label("caption_now"), m.Image.review_status)
            .join(m.Image, m.Image.id == sg.image_id).where(_decided(skip), sg.model_id == model_id).order_by(sg.id))
    for r in s.execute(stmt.execution_options(yield_per=1000)):
        final = final_caption(r)
        if final is not None:
            yield r.id, distance(r.value, final)


def caption_figures(s, distance, skip=None) -> dict:
    """``{"decided", "mean_edit_distance", "by_model": {model id: {"decided",
    "mean_edit_distance"}}}`` (``distance``: the normalised edit distance, cached; ``skip``:
    images left out, :func:`.evaluate_repairs.outputs`)."""
    sg = m.Suggestion
    models = list(s.scalars(select(sg.model_id).where(_decided(skip)).group_by(sg.model_id).order_by(func.min(sg.id))))
    per: dict[str, list] = {}  # {model id: [its first card's id, how many, sum]}
    total, n = 0, 0
    for model_id in models:
        c = None
        for card_id, d in _distances(s, model_id, distance, skip):
            if c is None:
                c = per[model_id] = [card_id, 0, 0]
            c[1] += 1
            c[2] += d
            total += d
        n += c[1] if c else 0
    order = sorted(per, key=lambda k: per[k][0])
    if order != [k for k in models if k in per]:  # a model's first cards all left out: sum again in order
        total = 0
        for model_id in order:
            for _, d in _distances(s, model_id, distance, skip):
                total += d
    return {"decided": n, "mean_edit_distance": total / n if n else None,
            "by_model": {k: {"decided": c[1], "mean_edit_distance": c[2] / c[1]} for k, c in sorted(per.items())}}
