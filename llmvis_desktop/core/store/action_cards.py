"""An image's suggestion rows, read once in a review action's transaction (each read is a
round trip to a team's PostgreSQL, 50 ms and more across a network: the reviewer's wait).

A review action (``review_actions.run``) locks the image, then read its cards up to three
times: the snapshot before (their outcomes, for undo), the change (Enter's pending cards,
an undo's cards), the snapshot after; and it counted the pending ones again to recompute
the image's queue score and new/suggested status. Once the image is locked, no one else
changes its cards until the commit: the rows read then (:func:`card_rows`) are kept for
the transaction (:func:`keep_cards`), changed in place by the ORM as the action decides
them, and asked again from memory. A write to the suggestions this module cannot follow
(a bulk UPDATE or INSERT, a card added: a withdrawal, a renewal, a note kept) forgets them,
and they are read from the database again as before."""
from __future__ import annotations

from typing import Collection, Optional

from sqlalchemy import Text, and_, case, cast, event, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Insert, TextClause, Update

from . import models as m
from .convert import suggestion_record
from .records import SuggestionRecord
from .taxonomy_lock import TAXONOMY_LOCK, TAXONOMY_STATE

_CARDS = "llmvis_image_cards"  # session.info key: (transaction, {image id: [rows]}) while kept
_FLAGS = "llmvis_card_flags"  # session.info key: (transaction, {image id: {(id, value): no such label}})
_REPAIRED = "llmvis_kept_repaired"  # session.info key: (transaction, {image id: has a repair})
_NAMES = "llmvis_card_names"  # session.info key: (transaction, {image id: (ids asked, {id: name})})
_FRESH = "llmvis_fresh_suggestions"  # session.info key: (transaction, {id: row} read since their image was locked)

#: outcomes a reviewer gave a card (a withdrawn card is no longer the model's guess)
DECIDED = ("accepted", "edited", "rejected")


def keep_cards(session: Session) -> None:
    """Until this transaction ends, keep the cards :func:`card_rows` reads of an image it
    locked (with, for each label card, whether its label is gone: :func:`kept_orphans`), and
    whether the image has a repair (:func:`note_repaired`, for its record)."""
    tx = session.get_transaction()
    for key in (_CARDS, _FLAGS, _REPAIRED, _NAMES):
        session.info[key] = (tx, {})


def _kept(session: Session, key: str = _CARDS) -> Optional[dict]:
    held = session.info.get(key)
    return held[1] if held is not None and held[0] is session.get_transaction() else None


def note_repaired(session: Session, image_id: int, repaired: tuple[bool, bool, Optional[str]]) -> None:
    """(whether the locked image has a repair, whether it is a repair's output, the relpath
    of its source), read in this action (``repo_review``'s labels read)."""
    held = _kept(session, _REPAIRED)
    if held is not None:
        held[image_id] = repaired


def kept_repaired(session: Session, image_id: int) -> Optional[tuple[bool, bool, Optional[str]]]:
    """:func:`note_repaired`'s answer, or None: unknown, or the images written since other
    than through their rows (their record is read from the database)."""
    held = _kept(session, _REPAIRED)
    return None if held is None else held.get(image_id)


def card_names_memo(session: Session) -> Optional[tuple[set, dict]]:
    """(ids asked, {id: name now}) of ``repo_labels.card_label_names`` in this action, kept
    while no label can be renamed or removed (the taxonomy's lock held: the events it reads
    come of those alone); None: ask the database."""
    held = _kept(session, _NAMES)
    if held is None or not _taxonomy_still(session):
        return None
    return held.setdefault("memo", (set(), {}))


def kept_orphans(session: Session, image_id: int, known: Optional[set] = None) -> Optional[list]:
    """The kept pending label cards of the image whose label is not in the taxonomy, read
    with them while the taxonomy's lock was held (none can come or go meanwhile), or, given
    ``known`` (the label names, read with the lock held), not among them (a card's value
    changed since, by an undo following a rename); None: ask the database (not kept, read
    without the lock, or a card's value changed since and no ``known``)."""
    rows, flags = kept_cards(session, image_id), (_kept(session, _FLAGS) or {}).get(image_id)
    if rows is None or flags is None:  # (cards read before the lock: a rename may have changed them since)
        return None
    cards = [r for r in rows if r.kind == "label" and r.outcome == "pending"]
    if known is not None:
        return [r for r in cards if r.value not in known]
    if any((r.id, r.value) not in flags for r in cards):
        return None
    return [r for r in cards if flags[(r.id, r.value)]]


def keeping_cards(session: Session) -> bool:
    """Whether this transaction keeps its images' cards (:func:`keep_cards`)."""
    return _kept(session) is not None


def kept_cards(session: Session, image_id: int) -> Optional[list]:
    """The image's suggestion rows as they are now (kept: read since it was locked, changed
    only through them since), or None (read them from the database)."""
    held = _kept(session)
    return None if held is None else held.get(image_id)


def forget_cards(session: Session) -> None:
    for key in (_CARDS, _FLAGS):
        held = _kept(session, key)
        if held:
            held.clear()


def fresh(session: Session) -> dict:
    """{id: row} of the suggestions read afresh since their image was locked in this transaction."""
    tx = session.get_transaction()
    held = session.info.get(_FRESH)
    if held is None or held[0] is not tx:
        held = session.info[_FRESH] = (tx, {})
    return held[1]


def card_rows(session: Session, image_id: int, pending_only: bool = False, locked: bool = False) -> list:
    """The image's suggestion rows (ordered by kind, best score first, id); ``locked``: the
    image is locked in this transaction: read afresh (kept, :func:`fresh`, and for the
    transaction when :func:`keep_cards` asked), or taken from what was kept, with no query."""
    rows = kept_cards(session, image_id) if locked else None
    if rows is not None:
        return [r for r in rows if r.outcome == "pending"] if pending_only else list(rows)
    stmt = select(m.Suggestion).where(m.Suggestion.image_id == image_id)
    if pending_only:
        stmt = stmt.where(m.Suggestion.outcome == "pending")
    if locked:  # read afresh, the image ours: decide needs not read them again
        stmt = stmt.execution_options(populate_existing=True)
    held = _kept(session) if locked and not pending_only else None
    flags = _kept(session, _FLAGS) if held is not None and _taxonomy_still(session) else None
    if flags is not None:  # whether each label card's label is gone, in the same statement
        gone = and_(m.Suggestion.kind == "label", ~select(m.Label.id).where(m.Label.name == m.Suggestion.value)
                    .exists())
        stmt = stmt.add_columns(case((gone, True), else_=False).label("gone_"))
    result = session.execute(stmt.order_by(m.Suggestion.kind, m.Suggestion.score.desc(), m.Suggestion.id)).all()
    rows = [r[0] for r in result]
    if locked:
        fresh(session).update((r.id, r) for r in rows)  # (kept: the identity map is weak)
    if held is not None:
        held[image_id] = list(rows)
    if flags is not None:
        flags[image_id] = {(r.id, r.value): bool(gone) for r, gone in result}
    elif held is not None:
        (_kept(session, _FLAGS) or {}).pop(image_id, None)
    return rows


def _taxonomy_still(session: Session) -> bool:
    """Whether no label can be added, renamed or removed until this transaction ends (the
    taxonomy's lock held; SQLite: its writers take turns)."""
    return session.get_bind().dialect.name != "postgresql" or session.info.get(TAXONOMY_STATE) in ("held", "exclusive")


def suggestions_for(session: Session, image_id: int, pending_only: bool = False) -> list[SuggestionRecord]:
    from .repo_review import is_locked

    return [suggestion_record(r) for r in card_rows(session, image_id, pending_only, is_locked(session, image_id))]


def queue_state(rows) -> tuple[Optional[float], int]:
    """(queue score, pending count) of an image's cards, as ``repo_suggest.queue_score`` and
    ``pending_count`` aggregate them in the database."""
    def best(cards):
        scores = [r.score for r in cards if r.score is not None]
        return max(scores) if scores else None

    pending = [r for r in rows if r.outcome == "pending"]
    labels = [r for r in rows if r.kind == "label"]
    for score in (best([r for r in labels if r.outcome == "pending"]),
                  best([r for r in labels if r.outcome in DECIDED]), best(pending)):
        if score is not None:
            return score, len(pending)
    return None, len(pending)


def label_cards(s: Session, image_id: int, shown: Optional[Collection[int]]) -> bool:
    """Whether the image has label cards an Enter decides: of ``shown``, or else pending
    (read before the image is locked: whether the action takes the taxonomy lock, ``review_actions.accept``)."""
    sg = m.Suggestion
    where = [sg.image_id == image_id, sg.kind == "label"]
    where.append(sg.id.in_(list(shown)) if shown is not None else sg.outcome == "pending")
    found = select(sg.id).where(*where).limit(1)
    if s.get_bind().dialect.name != "postgresql":
        return s.scalar(found) is not None
    # one round trip: the taxonomy's shared lock taken in the same statement when there is one (CASE: only then)
    lock = cast(func.pg_advisory_xact_lock_shared(TAXONOMY_LOCK), Text).is_not(None)
    if s.scalar(select(case((found.exists(), lock), else_=false()))):
        s.info[TAXONOMY_STATE] = "held"
        return True
    return False


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    """A statement written to the suggestions outside the kept rows: they are read again."""
    held = _kept(state.session)
    if held is None:
        return
    stmt = state.statement
    if isinstance(stmt, (Insert, Update, Delete)):
        tables = {getattr(stmt.table, "name", None)}
    elif isinstance(stmt, TextClause):
        tables = {t for t in _WATCHED if t in stmt.text.lower()}
    else:
        return
    if m.Suggestion.__tablename__ in tables:
        forget_cards(state.session)
    if tables & {m.Image.__tablename__, m.Repair.__tablename__}:  # the record: read from the database
        (_kept(state.session, _REPAIRED) or {}).clear()


_WATCHED = (m.Suggestion.__tablename__, m.Image.__tablename__, m.Repair.__tablename__)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """A card added or deleted through the ORM: the kept rows are no longer all of them."""
    held = _kept(session)
    if held and any(isinstance(o, m.Suggestion) for o in (*session.new, *session.deleted)):
        forget_cards(session)
