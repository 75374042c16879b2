"""The taxonomy positions of the labels a review action read, kept for its transaction.

An action's record lists the image's labels in taxonomy order (as the grid reads them:
position, then name). Asking the database for that order was one more statement per
action on an image with two labels or more (a round trip on a team's PostgreSQL); the
action reads every label it ends with anyway (the image's labels, the labels it adds,
held by ``repo_review.hold_labels``), so those reads bring each label's position along
and the order is known with no statement of its own. Kept only in the transactions of
review actions (``repo_review.cache_labels``), which change no label's position."""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

from sqlalchemy.orm import Session

_KEY = "llmvis_label_positions"  # session.info: (transaction, {label name: position})


def keep(session: Session) -> None:
    """Note the positions read until this transaction ends."""
    session.info[_KEY] = (session.get_transaction(), {})


def _kept(session: Session) -> Optional[dict]:
    held = session.info.get(_KEY)
    return held[1] if held is not None and held[0] is session.get_transaction() else None


def note(session: Session, pairs: Iterable[tuple[str, Optional[int]]]) -> None:
    """(name, position) of labels read in this transaction (nothing when not kept)."""
    kept = _kept(session)
    if kept is not None:
        kept.update((name, position or 0) for name, position in pairs if name is not None)


def ordered(session: Session, names: Sequence[str]) -> Optional[tuple[str, ...]]:
    """``names`` (distinct) by position, then name, when every one's position was read in
    this transaction; None when one was not (the caller asks the database)."""
    kept = _kept(session)
    if kept is None or any(n not in kept for n in names):
        return None
    return tuple(sorted(names, key=lambda n: (kept[n], n)))
