"""Annotation changes. Each function writes the change and its history event in the
caller's transaction, so both commit together or not at all. Reading the history back
(events, :func:`replay`) is :mod:`.repo_history`; its names are importable here too."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Optional, Sequence

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from .exclusive import HELD_EXCLUSIVE, resolve as resolve_exclusive
from . import label_positions, models as m, repo_images
from .action_cards import card_rows, kept_cards, kept_repaired, keeping_cards, note_repaired
from .convert import IMAGE_RECORD_COLUMNS, dumps, image_record
from .engine import BATCHED_EVENTS, insert_events
from .records import ImageRecord
from .repo_history import (  # noqa: F401  (imported from here by the project, undo and tests)
    CAPTION_ACTIONS,
    DECIDING_ACTIONS,
    LABEL_ACTIONS,
    STATUS_ACTIONS,
    event_field,
    events_since,
    history,
    last_event_id,
    replay,
)


class NotFound(LookupError):
    pass


class LabelNotInList(NotFound):
    """A label a review action adds is no longer in the label list: someone removed (or
    renamed) it since the reviewer's screen showed it. A refusal, not a failure."""


def locked_image(session: Session, image_id: int) -> m.Image:
    """The image's row, locked until the caller's transaction ends (``FOR UPDATE``), and
    read afresh: every change to an annotation starts here, so two reviewers changing
    the same image on a team's PostgreSQL take turns, and each reads what the other
    wrote. Without the lock both read the same labels and the second write dropped the
    first one's label, with a history that no longer replayed (tests/core/test_team_db.py).
    SQLite has no row locks: its write transactions already take turns (BEGIN IMMEDIATE).

    An action asks several times (its snapshot, the change, the snapshot after): only the
    first time in a transaction reads the row; later ones take it from the session."""
    tx = session.get_transaction()
    held = session.info.get("llmvis_locked")
    if held is None or held[0] is not tx:
        held = session.info["llmvis_locked"] = (tx, {})  # the rows, kept (the identity map is weak)
    if image_id in held[1]:
        return held[1][image_id]  # locked and read already in this transaction: no query
    row = session.execute(
        select(m.Image).where(m.Image.id == image_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"image id {image_id} is not in this project")
    held[1][image_id] = row
    return row


def lock_images(session: Session, image_ids: Sequence[int]) -> dict[int, m.Image]:
    """:func:`locked_image` for many images in one query (an import's chunk): locked in id
    order, as every writer locks them, and kept for the later calls of this transaction.
    An id not in the project is :class:`NotFound`."""
    tx = session.get_transaction()
    held = session.info.get("llmvis_locked")
    if held is None or held[0] is not tx:
        held = session.info["llmvis_locked"] = (tx, {})
    todo = sorted({i for i in image_ids if i not in held[1]})
    if todo:
        rows = session.scalars(
            select(m.Image).where(m.Image.id.in_(todo)).order_by(m.Image.id).with_for_update()
            .execution_options(populate_existing=True))
        held[1].update((row.id, row) for row in rows)
    missing = [i for i in image_ids if i not in held[1]]
    if missing:
        raise NotFound(f"image id {missing[0]} is not in this project")
    return {i: held[1][i] for i in image_ids}


def is_locked(session: Session, image_id: int) -> bool:
    """Whether :func:`locked_image` locked (and read) the image in this transaction."""
    held = session.info.get("llmvis_locked")
    return held is not None and held[0] is session.get_transaction() and image_id in held[1]


_LABELS = "llmvis_labels"  # session.info key: cache_labels's labels read, for one transaction


def cache_labels(session: Session) -> None:
    """Until this transaction ends, keep the labels :func:`current_labels` (and
    :func:`snapshot`) read of an image locked in it (no one else changes them meanwhile):
    an action reads them several times (its snapshot, the change, each card decided), one
    round trip each on a team's PostgreSQL. :func:`write_labels` forgets them."""
    session.info[_LABELS] = (session.get_transaction(), {})
    label_positions.keep(session)  # and the positions those reads bring (the record's order)


def _label_cache(session: Session) -> Optional[dict]:
    held = session.info.get(_LABELS)
    return held[1] if held is not None and held[0] is session.get_transaction() else None


def _labels_with_ids(session: Session, image_id: int) -> tuple[list[str], dict[str, int]]:
    """The image's label names (sorted by the database) and {name: id}, in one query."""
    cache = _label_cache(session)
    if cache is not None and image_id in cache:
        names, ids = cache[image_id]
        return list(names), dict(ids)
    if cache is not None and keeping_cards(session) and is_locked(session, image_id):
        rows = _labels_and_repaired(session, image_id)
    else:
        got = session.execute(
            select(m.Label.name, m.Label.id, m.Label.position)
            .join(m.ImageLabel, m.ImageLabel.label_id == m.Label.id)
            .where(m.ImageLabel.image_id == image_id)
            .order_by(m.Label.name)
        ).all()
        label_positions.note(session, ((name, pos) for name, _, pos in got))
        rows = [(name, i) for name, i, _ in got]
    names, ids = [name for name, _ in rows], {name: i for name, i in rows}
    if cache is not None and is_locked(session, image_id):
        cache[image_id] = (list(names), dict(ids))
    return names, ids


def _labels_and_repaired(session: Session, image_id: int) -> list[tuple[str, int]]:
    """(name, id) of the locked image's labels, and whether it has a repair and their
    positions (noted for its record, :func:`kept_record`), in one statement: a row of NULLs
    when it has no label."""
    one = select(literal(1).label("one")).subquery()
    pairs = m.ImageLabel.__table__.join(m.Label.__table__, m.Label.id == m.ImageLabel.label_id)
    repaired = select(m.Repair.id).where(m.Repair.source_image_id == image_id,
                                         m.Repair.unlinked_at.is_(None)).exists()
    made = repo_images.made_from(image_id)  # (the source's relpath: NULL when not a repair output)
    got = session.execute(select(m.Label.name, m.Label.id, m.Label.position, repaired.label("repaired_"),
                                 made.label("made_"))
                          .select_from(one).outerjoin(pairs, m.ImageLabel.image_id == image_id)
                          .order_by(m.Label.name)).all()
    note_repaired(session, image_id, (bool(got[0].repaired_), got[0].made_ is not None, got[0].made_))
    label_positions.note(session, ((name, pos) for name, _, pos, _, _ in got))
    return [(name, i) for name, i, _, _, _ in got if name is not None]


def kept_record(session: Session, image_id: int, labels: Sequence[str]) -> Optional[ImageRecord]:
    """The record of an image locked in this action, from its row as flushed (every change
    the action made went through it) and its repair noted when its labels were read; None
    when either is not known (``repo_images.record_of`` reads it: one round trip)."""
    repaired = kept_repaired(session, image_id)  # (has a repair, is a repair's output, its source)
    if repaired is None or not is_locked(session, image_id):
        return None
    row = locked_image(session, image_id)
    return image_record(tuple(getattr(row, c.key) for c in IMAGE_RECORD_COLUMNS),
                        repo_images.in_taxonomy_order(session, labels), *repaired)


def forget_rows(session: Session) -> None:
    """Drop the rows :func:`locked_image` keeps for this transaction (they stay locked):
    after ``expunge_all`` they are detached, and a big import kept every one of them."""
    held = session.info.get("llmvis_locked")
    if held is not None:
        held[1].clear()


def add_event(
    session: Session,
    image_id: int,
    actor: str,
    action: str,
    before=None,
    after=None,
    suggestion_id: Optional[int] = None,
) -> None:
    values = dict(image_id=image_id, actor=actor, at=m.utcnow(), action=action, before=dumps(before),
                  after=dumps(after), suggestion_id=suggestion_id)
    held = session.info.get(_EVENTS)
    if held is not None:  # inside batched_events: written with the others, in this order
        held.append(values)
    else:
        session.add(m.Event(**values))


_EVENTS = BATCHED_EVENTS  # session.info key: the events batched_events holds back


@contextmanager
def batched_events(session: Session):
    """The events :func:`add_event` writes inside the block are inserted at its end with
    one statement, in the order they were added (each image's as the repo functions write
    them); on SQLite the ORM inserted each with a statement of its own (an import of 50k
    images: 150k statements). Nothing is written when the block raises."""
    if session.info.get(_EVENTS) is not None:
        yield
        return
    held = session.info[_EVENTS] = []
    try:
        yield
    finally:
        session.info.pop(_EVENTS, None)
    insert_events(session, held)


def _touch(row: m.Image, actor: str) -> None:
    row.updated_at = m.utcnow()
    row.updated_by = actor


def set_caption(
    session: Session,
    image_id: int,
    caption: Optional[str],
    actor: str,
    *,
    suggestion_id: Optional[int] = None,
    action: str = "caption",
) -> bool:
    """Returns False (and writes nothing) when the caption is unchanged."""
    row = locked_image(session, image_id)
    caption = caption if caption else None
    if row.caption == caption:
        return False
    add_event(session, image_id, actor, action, row.caption, caption, suggestion_id)
    row.caption = caption
    _touch(row, actor)
    return True


def current_labels(session: Session, image_id: int) -> list[str]:
    return _labels_with_ids(session, image_id)[0]


def labels_of(session: Session, image_ids: Sequence[int]) -> dict[int, list[str]]:
    """:func:`current_labels` of many images in one query: {image id: sorted names}."""
    out: dict[int, list[str]] = {i: [] for i in image_ids}
    for image_id, name in session.execute(
        select(m.ImageLabel.image_id, m.Label.name).join(m.Label, m.ImageLabel.label_id == m.Label.id)
        .where(m.ImageLabel.image_id.in_(list(image_ids)))
    ):
        out[image_id].append(name)
    for names in out.values():
        names.sort()
    return out


_HELD_LABELS = "llmvis_held_labels"  # session.info key: (transaction, {name: id} held by hold_labels)


def hold_labels(session: Session, names: Iterable[str], strict: bool = True) -> dict[str, int]:
    """{name: id} of the labels ``names``, held (key share, as the foreign key would) until
    the commit: a label removed meanwhile waits for this change, or this one finds it gone
    (:class:`NotFound`; ``strict`` False: left out of the answer); a recolour or rename does
    not wait. A label held already in this transaction is not asked for again."""
    wanted = sorted(set(names))
    if not wanted:  # no label: nothing to hold (a round trip saved per removal)
        return {}
    tx = session.get_transaction()
    held = session.info.get(_HELD_LABELS)
    if held is None or held[0] is not tx:
        held = session.info[_HELD_LABELS] = (tx, {})
    todo = [n for n in wanted if n not in held[1]]
    if todo:
        stmt = (select(m.Label.name, m.Label.id, m.Label.position, m.Label.exclusive).where(m.Label.name.in_(todo))
                .order_by(m.Label.id).with_for_update(read=True, key_share=True))
        if any(isinstance(o, m.Label) for o in (*session.new, *session.dirty, *session.deleted)):
            got = session.execute(stmt).all()
        else:  # nothing of the labels' to flush first: the action's changes flushed once, at its end
            with session.no_autoflush:
                got = session.execute(stmt).all()
        held[1].update((name, i) for name, i, _, _ in got)
        label_positions.note(session, ((name, pos) for name, _, pos, _ in got))  # (the record's order)
        flags = session.info.get(HELD_EXCLUSIVE)
        if flags is None or flags[0] is not tx:
            flags = session.info[HELD_EXCLUSIVE] = (tx, set())
        flags[1].update(name for name, _, _, excl in got if excl)
    ids = {n: held[1][n] for n in wanted if n in held[1]}
    unknown = [n for n in wanted if n not in ids]
    if unknown and strict:
        raise NotFound(f"label(s) not in the taxonomy: {', '.join(unknown)}")
    return ids


def held_exclusive(session: Session, names: Iterable[str]) -> frozenset[str]:
    """The exclusive labels (``store/exclusive.py``) among ``names``, read with their rows
    as :func:`hold_labels` holds them: no round trip of its own (a label key read the
    exclusive labels apart: one more on a team's server). Unknown names are left out."""
    names = set(names)
    hold_labels(session, names, strict=False)
    flags = session.info.get(HELD_EXCLUSIVE)
    if flags is None or flags[0] is not session.get_transaction():
        return frozenset()
    return frozenset(names & flags[1])


def write_labels(session: Session, labels: dict[int, list[int]]) -> None:
    """Replace the label rows of the images ``labels`` names ({image id: label ids}), with
    no event (the caller writes it, as :func:`labels_event` does). No ORM objects of image
    labels are loaded: without synchronize_session=False each delete scanned the session's
    whole identity map (an import of 40k images: O(n^2))."""
    ids = sorted(labels)
    cache = _label_cache(session)
    for i in ids if cache is not None else ():
        cache.pop(i, None)  # read again when asked
    with session.no_autoflush:  # (they touch no ORM row: the images' and cards' changes are flushed later, together)
        for i in range(0, len(ids), 500):
            session.execute(delete(m.ImageLabel).where(m.ImageLabel.image_id.in_(ids[i:i + 500])),
                            execution_options={"synchronize_session": False})
        pairs = [{"image_id": i, "label_id": lid} for i in ids for lid in labels[i]]
        if pairs:
            session.execute(insert(m.ImageLabel), pairs)


def _write_changed_labels(session: Session, image_id: int, had: set[int], wanted: dict[str, int]) -> None:
    """The label rows of one locked image, ``had`` (ids, read since it was locked) made
    ``wanted`` ({name: id}): only the rows removed are deleted and those added inserted
    (a label key: one statement, not a delete of them all and an insert of them all); the
    labels :func:`current_labels` keeps for the transaction are what was written."""
    gone, added = had - set(wanted.values()), sorted(set(wanted.values()) - had)
    with session.no_autoflush:
        if gone:
            session.execute(delete(m.ImageLabel).where(m.ImageLabel.image_id == image_id,
                                                       m.ImageLabel.label_id.in_(sorted(gone))),
                            execution_options={"synchronize_session": False})
        if added:
            session.execute(insert(m.ImageLabel), [{"image_id": image_id, "label_id": i} for i in added])
    cache = _label_cache(session)
    if cache is not None:
        cache[image_id] = (sorted(wanted), dict(wanted))


def labels_event(session: Session, row: m.Image, before: list[str], wanted: list[str], actor: str, *,
                 suggestion_id: Optional[int] = None, action: str = "labels") -> None:
    """The history event of a label change (and the row's last change), as
    :func:`set_labels` writes it."""
    add_event(session, row.id, actor, action, before, wanted, suggestion_id)
    _touch(row, actor)


def set_labels(
    session: Session,
    image_id: int,
    names: Iterable[str],
    actor: str,
    *,
    suggestion_id: Optional[int] = None,
    action: str = "labels",
    exclusive: bool = True,
) -> bool:
    """Replace the image's labels by ``names`` (each must be in the taxonomy). ``exclusive``:
    apply the exclusive labels' rule (:func:`.exclusive.resolve`: an exclusive label put on
    takes the others off, another label put on takes it off; both put on at once is
    refused); False writes ``names`` exactly (undo and redo put back what was there)."""
    row = locked_image(session, image_id)
    wanted = sorted(set(names))
    before, before_ids = _labels_with_ids(session, image_id)
    if exclusive and set(wanted) - set(before):  # (a label only taken off keeps the rule)
        wanted = resolve_exclusive(before, wanted, held_exclusive(session, wanted))
    if before == wanted:
        return False
    ids = hold_labels(session, wanted)
    _write_changed_labels(session, image_id, set(before_ids.values()), {n: ids[n] for n in wanted})
    labels_event(session, row, before, wanted, actor, suggestion_id=suggestion_id, action=action)
    return True


def toggle_label(session: Session, image_id: int, name: str, actor: str, on: Optional[bool] = None) -> bool:
    """Toggle one label; returns whether the image has it afterwards. ``on``: the change
    the reviewer meant (add when the chip on their screen was off, remove when it was on):
    a label a teammate added (or removed) meanwhile is then left as it is, with no event.
    A bare toggle read the image as it is now, so a click to add a label shown missing
    removed the teammate's."""
    locked_image(session, image_id)  # locked before its labels are read
    labels = set(current_labels(session, image_id))
    present = name in labels
    if on is not None and present == on:
        return present
    labels.symmetric_difference_update({name})
    if not present and name not in hold_labels(session, labels, strict=False):  # (held for set_labels)
        raise LabelNotInList(f"\u201c{name}\u201d is no longer in the label list (removed or renamed "
                             "meanwhile). Nothing was changed.")
    set_labels(session, image_id, labels, actor)
    return not present


def set_status(
    session: Session, image_id: int, status: str, actor: str, *, action: str = "status",
    before: Optional[str] = None,
) -> bool:
    """Set the review status. ``new`` and ``suggested`` are one status, told apart by the
    image's pending suggestions (new with some is suggested): either is stored as the one
    that holds, as :func:`replay` rebuilds it. ``before``: the status the reviewer saw, for
    the event (an action that first decided the image's cards turned suggested into new
    on the way: the event said the reviewer had changed a "new" image)."""
    if status not in m.REVIEW_STATUSES:
        raise ValueError(f"status must be one of {', '.join(m.REVIEW_STATUSES)}, not {status!r}")
    row = locked_image(session, image_id)
    if status in (m.STATUS_NEW, m.STATUS_SUGGESTED):
        kept = kept_cards(session, image_id)  # (the image's cards as they are now: no query)
        if kept is not None:
            pending = sum(r.outcome == "pending" for r in kept)
        else:
            session.flush()
            pending = session.scalar(select(func.count()).select_from(m.Suggestion).where(
                m.Suggestion.image_id == image_id, m.Suggestion.outcome == "pending"))
        status = m.STATUS_SUGGESTED if pending else m.STATUS_NEW
    if row.review_status == status and row.status == status:
        return False
    add_event(session, image_id, actor, action, before or row.review_status, status)
    row.review_status = status
    if row.status not in (m.STATUS_MISSING, m.STATUS_ERROR):
        # a missing or unreadable file keeps showing that; its review status comes
        # back when the file does
        row.status = status
    _touch(row, actor)
    return True


def snapshot(session: Session, image_id: int, outcomes: bool = False) -> dict:
    """The image's annotation (caption, labels, review status: what :func:`replay`
    rebuilds from the history). ``outcomes``: also what undo needs: its suggestions'
    outcomes ({id: (outcome, final value)}: an undone accept leaves its suggestions
    pending again, and deciding one suggestion is a change of its own), and its labels'
    ids by name (``label_ids``: a label renamed before the undo is the same label)."""
    row = locked_image(session, image_id)
    labels, label_ids = _labels_with_ids(session, image_id)  # (names and ids: one query)
    state = {
        "caption": row.caption,
        "labels": labels,
        "review_status": row.review_status,
    }
    if outcomes:
        if keeping_cards(session):  # (review_actions.run: the rows read once, kept for the action)
            rows = card_rows(session, image_id, locked=True)
            state["suggestions"] = {r.id: (r.outcome, r.final_value) for r in rows}
        else:
            state["suggestions"] = {sid: (outcome, final) for sid, outcome, final in session.execute(
                select(m.Suggestion.id, m.Suggestion.outcome, m.Suggestion.final_value)
                .where(m.Suggestion.image_id == image_id))}
        state["label_ids"] = label_ids
    return state


