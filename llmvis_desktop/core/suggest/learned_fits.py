"""Which learned fit is newer, for a team sharing one project (two windows, or a window
and ``llmvis suggest --learned``, each fitting on its own).

A fit is marked with the project's history as it read the reviewed images: the id of the
newest history event then (:func:`history_mark`). History is append-only and its ids
grow in the database's own order, so the mark orders two fits made on two machines
whatever their clocks say: the fit with the higher mark saw every review the other saw,
and more. The mark goes into each card's params (``fit_mark``) and each run record
(``labels_json["fit"]``).

A fit's cards take the place of the pending cards of fits with a lower mark (or none:
cards stored before marks were kept), never of a newer fit's: a slow fit on fewer
reviews that stored last had withdrawn the cards of a fit on more (:func:`newer_fit_images`
finds the images to leave alone). The same mark counts the reviews a teammate made since
the fit (:func:`reviews_since`): the retrain every 10 reviews counted only the window's own.
"""
from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..store import models as m

#: the params key of a learned card that holds its fit's mark
FIT_KEY = "fit_mark"


def history_mark(session: Session) -> int:
    """The id of the newest history event (0 in a project with no history yet)."""
    return int(session.scalar(select(func.max(m.Event.id))) or 0)


def _mark_of(text, key: str) -> int:
    """The fit mark saved in a JSON text under ``key`` (0: none saved, an older card)."""
    try:
        value = json.loads(text or "null")
    except ValueError:
        return 0
    if isinstance(value, dict) and isinstance(value.get(key), int):
        return value[key]
    return 0


def newer_fit_images(session: Session, image_ids: Iterable[int], prefix: str, mark: int) -> set[int]:
    """The images among ``image_ids`` whose file's current content holds a pending card or
    a run record of a fit marked after ``mark`` (model id starting with ``prefix``): a fit
    of ``mark`` leaves them alone. Two queries (bounded IN lists of 500)."""
    ids, newer = sorted(set(image_ids)), set()
    sg, r = m.Suggestion, m.SuggestRun
    for k in range(0, len(ids), 500):
        part = ids[k:k + 500]
        cards = session.execute(
            select(sg.image_id, sg.params_json).join(m.Image, m.Image.id == sg.image_id)
            .where(sg.image_id.in_(part), sg.outcome == "pending", sg.model_id.startswith(prefix),
                   or_(m.Image.content_changed_at.is_(None), sg.created_at >= m.Image.content_changed_at)))
        newer.update(i for i, text in cards if _mark_of(text, FIT_KEY) > mark)
        runs = session.execute(
            select(r.image_id, r.labels_json).join(m.Image, m.Image.id == r.image_id)
            .where(r.image_id.in_(part), r.model_id.startswith(prefix),
                   or_(m.Image.content_changed_at.is_(None), r.ran_at >= m.Image.content_changed_at)))
        newer.update(i for i, text in runs if _mark_of(text, "fit") > mark)
    return newer


def reviews_since(session: Session, mark: int) -> int:
    """How many times an image was marked reviewed (by anyone: a teammate too, an undo's
    redo, an import) after the history event ``mark``: one COUNT over the events."""
    e = m.Event
    return int(session.scalar(
        select(func.count()).select_from(e).where(
            e.id > mark, e.after == json.dumps(m.STATUS_REVIEWED),
            or_(e.action == "status", e.action.like("%:status")))) or 0)
