"""Exclusive labels: a label ("ok", "normal") that shares no image with another one.

The rule, applied wherever an image's labels are set (:func:`.repo_review.set_labels`:
a label key, a chip, an edit of the label list, a label card accepted):

* putting an exclusive label on an image takes every other label off it;
* putting any other label on an image takes the exclusive one(s) off.

"Putting on" is what the change adds: the labels wanted that the image did not have.
A change that adds an exclusive label together with another label (or two exclusive
labels) says two contrary things at once: it is refused (:class:`ExclusiveConflict`,
nothing written) rather than guessed. Undo puts back exactly what was there (it does
not apply the rule). An import keeps a file's rows as they are and reports each image
whose row carries an exclusive label with another (:func:`clashes`).
"""
from __future__ import annotations

from typing import Collection, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import models as m

_NAMES = "llmvis_exclusive_names"  # session.info key: (transaction, names) read once per transaction
#: session.info key: (transaction, the exclusive ones of the labels hold_labels read)
HELD_EXCLUSIVE = "llmvis_held_exclusive"


class ExclusiveConflict(ValueError):
    """A change that would put an exclusive label and another label on one image at once."""


def exclusive_names(session: Session) -> frozenset[str]:
    """The names of the exclusive labels, read once per transaction."""
    tx = session.get_transaction()
    held = session.info.get(_NAMES)
    if held is not None and held[0] is tx:
        return held[1]
    names = frozenset(session.scalars(select(m.Label.name).where(m.Label.exclusive.is_(True))))
    session.info[_NAMES] = (tx, names)
    return names


def forget(session: Session) -> None:
    """Read the exclusive labels again (a label was marked or unmarked in this transaction)."""
    session.info.pop(_NAMES, None)
    session.info.pop(HELD_EXCLUSIVE, None)


def resolve(before: Iterable[str], wanted: Iterable[str], exclusive: Collection[str]) -> list[str]:
    """The labels an image gets when a change asks for ``wanted`` on an image that has
    ``before``, under the rule above (sorted). Raises :class:`ExclusiveConflict` when the
    change adds an exclusive label and another label together."""
    before, wanted = set(before), set(wanted)
    added = wanted - before
    added_excl = sorted(added & set(exclusive))
    if added_excl:
        others = sorted(added - set(added_excl))
        if others or len(added_excl) > 1:
            both = ", ".join(f"\u201c{n}\u201d" for n in sorted(added))
            raise ExclusiveConflict(
                f"{both} cannot go on one image together: \u201c{added_excl[0]}\u201d is an exclusive "
                "label (it takes every other label off). Nothing was changed.")
        return added_excl
    if added:  # another label put on: the exclusive ones come off
        return sorted(wanted - set(exclusive))
    return sorted(wanted)


def clashes(names: Iterable[str], exclusive: Collection[str]) -> Optional[list[str]]:
    """The labels of ``names`` that break the rule (an exclusive label with any other), or
    None when they keep it."""
    names = sorted(set(names))
    if len(names) > 1 and any(n in exclusive for n in names):
        return names
    return None


def taken_off_line(name: str, before: Iterable[str], after: Iterable[str]) -> str:
    """"normal put on; nodule taken off": what a change putting ``name`` on took off with
    it (empty when it took nothing else off)."""
    gone = sorted(set(before) - set(after) - {name})
    if not gone or name not in set(after):
        return ""
    return f"{name} put on; {', '.join(gone)} taken off"
