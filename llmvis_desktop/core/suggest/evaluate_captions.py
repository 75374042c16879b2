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

from sqlalchemy import and_, func, select

from ..store import models as m
from ..store.repo_suggest import _for_current_content
from .evaluate_repairs import kept
from .evaluate_stream import DECIDED


#: :func:`final_caption` of a caption suggestion rejected with no caption written after it:
#: nothing to compare it with (it counted as distance 1): left out of the mean, counted apart
NOT_WRITTEN = object()


def final_caption(r):
    """The caption a decided caption suggestion ``r`` is compared with, or None when it is
    left out. A suggestion for the file's old content: the value its decision left (a
    rejected one is left out). Otherwise a rejected image kept nothing of it; else the
    image's caption now; reviewed with no caption: nothing kept; else the value an accepted
    or edited one left (taken off again, the image not reviewed yet)."""
    if not r.current:
        if r.outcome not in ("accepted", "edited") or not (r.final_value and r.final_value.strip()):
            return None
        return r.final_value
    written = bool(r.caption_now and r.caption_now.strip())
    if r.outcome == "rejected" and not written:
        return NOT_WRITTEN
    if r.review_status == m.STATUS_REJECTED:
        return ""
    if written:
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
        if final is NOT_WRITTEN:
            yield r.id, None
        elif final is not None:
            yield r.id, distance(r.value, final)


def caption_figures(s, distance, skip=None, check=None) -> dict:
    """``{"decided", "mean_edit_distance", "rejected_unwritten", "by_model": {model id:
    {"decided", "mean_edit_distance", "rejected_unwritten"}}}``; ``rejected_unwritten``:
    captions rejected with no caption written after them, left out of the mean (a model
    with only those has ``decided`` 0 and mean None); ``distance``: the normalised edit
    distance, cached; ``skip``: images left out, :func:`.evaluate_repairs.outputs`;
    ``check``: called before each model's captions and every 1,000 of them (a cancel
    token's ``check``: it raises to stop)."""
    sg = m.Suggestion
    models = list(s.scalars(select(sg.model_id).where(_decided(skip)).group_by(sg.model_id).order_by(func.min(sg.id))))
    per: dict[str, list] = {}  # {model id: [its first card's id, how many, sum]}
    unwritten: dict[str, int] = {}  # {model id: its captions rejected with none written after}
    total, n = 0, 0
    for model_id in models:
        c = None
        for k, (card_id, d) in enumerate(_distances(s, model_id, distance, skip)):
            if check is not None and k % 1000 == 0:
                check()
            if d is None:
                unwritten[model_id] = unwritten.get(model_id, 0) + 1
                continue
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
                total += d if d is not None else 0
    by_model = {k: {"decided": c[1], "mean_edit_distance": c[2] / c[1]} for k, c in per.items()}
    for k, u in unwritten.items():
        by_model.setdefault(k, {"decided": 0, "mean_edit_distance": None})
    for k in by_model:
        by_model[k]["rejected_unwritten"] = unwritten.get(k, 0)
    return {"decided": n, "mean_edit_distance": total / n if n else None,
            "rejected_unwritten": sum(unwritten.values()), "by_model": dict(sorted(by_model.items()))}
