"""The project's label taxonomy."""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import models as m
from .convert import label_def
from .records import LabelDef
from .repo_review import current_labels, locked_image, set_labels

PALETTE = (
    "#4caf50", "#e53935", "#fb8c00", "#8e24aa", "#1e88e5",
    "#fdd835", "#00acc1", "#6d4c41", "#d81b60", "#7cb342",
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class LabelError(ValueError):
    pass


def list_labels(session: Session) -> list[LabelDef]:
    rows = session.scalars(select(m.Label).order_by(m.Label.position, m.Label.name))
    return [label_def(r) for r in rows]


#: the keys that toggle labels in the review window (letters and 0 are review commands)
SHORTCUT_KEYS = "123456789"


def _check(name: str, color: Optional[str], shortcut: Optional[str]) -> None:
    if not name or not name.strip() or name != name.strip():
        raise LabelError(f"label name {name!r} is empty or has surrounding spaces")
    if len(name) > 200:
        raise LabelError(f"label name is longer than 200 characters: {name[:40]}...")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise LabelError(f"label name {name!r} holds a control character (a line break, a tab...)")
    if color is not None and not _COLOR.match(color):
        raise LabelError(f"colour {color!r} is not of the form #rrggbb")
    if shortcut is not None and (len(shortcut) != 1 or shortcut not in SHORTCUT_KEYS):
        raise LabelError(f"shortcut {shortcut!r} must be one of the keys 1 to 9 (those toggle labels "
                         f"while reviewing; the other keys are review commands)")


def _no_lookalike(name: str, others) -> None:
    """Refuse a name that differs from an existing one only in its Unicode form (an
    accent composed or not): two labels that look the same."""
    key = unicodedata.normalize("NFC", name)
    for other in others:
        if other != name and unicodedata.normalize("NFC", other) == key:
            raise LabelError(f"label {name!r} looks the same as the existing label {other!r} "
                             f"(the same letters in another Unicode form)")


def _free_color(used: set[str], n: int) -> str:
    """The first palette colour no label has (a removed label's comes free again)."""
    return next((c for c in PALETTE if c not in used), PALETTE[n % len(PALETTE)])


def add_label(
    session: Session,
    name: str,
    color: Optional[str] = None,
    shortcut: Optional[str] = None,
    description: str = "",
) -> LabelDef:
    _check(name, color, shortcut)
    lock_taxonomy(session)
    if session.scalar(select(m.Label.id).where(m.Label.name == name)) is not None:
        raise LabelError(f"label {name!r} already exists")
    existing = list_labels(session)
    _no_lookalike(name, [lbl.name for lbl in existing])
    used_keys = {lbl.shortcut for lbl in existing if lbl.shortcut}
    if shortcut is not None and shortcut in used_keys:
        raise LabelError(f"shortcut {shortcut!r} is already used by another label")
    if shortcut is None:
        shortcut = next((str(k) for k in range(1, 10) if str(k) not in used_keys), None)
    position = (max((lbl.position for lbl in existing), default=-1)) + 1
    row = m.Label(
        name=name,
        color=color or _free_color({lbl.color for lbl in existing}, len(existing)),
        shortcut=shortcut,
        description=description,
        position=position,
        created_at=m.utcnow(),
    )
    session.add(row)
    session.flush()
    return label_def(row)


#: PostgreSQL advisory lock key of the taxonomy (an arbitrary constant of this app)
TAXONOMY_LOCK = 0x6C6D7673_7478  # "lmvs" "tx"


def lock_taxonomy(session: Session) -> None:
    """Changes of the taxonomy take turns, until the commit: two labels added at once by
    two reviewers got the same free key and colour. A lock of its own (PostgreSQL's
    advisory lock; SQLite's writers take turns anyway): on the project row it held up
    every reviewer's settings for the length of an import that made a label."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": TAXONOMY_LOCK})


def update_label(
    session: Session,
    name: str,
    *,
    new_name: Optional[str] = None,
    color: Optional[str] = None,
    shortcut: Optional[str] = "",
    description: Optional[str] = None,
) -> LabelDef:
    """Rename / recolour / re-key a label. ``shortcut=""`` leaves it, ``None`` clears it.

    A rename keeps every image's label (images link to the label's id) and renames the
    label's suggestions; history rows keep the name that was current when they were
    written.
    """
    if (new_name and new_name != name) or shortcut != "":  # names and keys are unique: take turns
        lock_taxonomy(session)  # (a recolour need not wait for an import that makes labels)
    row = session.scalar(select(m.Label).where(m.Label.name == name))
    if row is None:
        raise LabelError(f"label {name!r} does not exist")
    _check(new_name or name, color, shortcut or None)
    if new_name and new_name != name:
        if session.scalar(select(m.Label.id).where(m.Label.name == new_name)) is not None:
            raise LabelError(f"label {new_name!r} already exists")
        _no_lookalike(new_name, [n for n in session.scalars(select(m.Label.name)) if n != name])
        row.name = new_name
        # the label's suggestions follow: a pending one accepted later gives the label its
        # new name (not the old one back), and the evaluation compares like with like
        sg = m.Suggestion
        session.execute(update(sg).where(sg.kind == "label", sg.value == name).values(value=new_name))
        session.execute(update(sg).where(sg.kind == "label", sg.final_value == name).values(final_value=new_name))
    if color:
        row.color = color
    if shortcut != "":
        if shortcut is not None:
            clash = session.scalar(
                select(m.Label.name).where(m.Label.shortcut == shortcut, m.Label.id != row.id)
            )
            if clash:
                raise LabelError(f"shortcut {shortcut!r} is already used by label {clash!r}")
        row.shortcut = shortcut
    if description is not None:
        row.description = description
    session.flush()
    return label_def(row)


def usage(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(m.Label.name, func.count(m.ImageLabel.image_id))
        .outerjoin(m.ImageLabel, m.ImageLabel.label_id == m.Label.id)
        .group_by(m.Label.id, m.Label.name)
        .order_by(m.Label.position, m.Label.name)
    )
    return {name: n for name, n in rows}


def remove_label(session: Session, name: str, actor: str, *, force: bool = False) -> int:
    """Remove a label; images that carry it lose it, each with a history event.

    Refused (LabelError) when images carry it, unless ``force``. Returns how many
    images lost it.
    """
    lock_taxonomy(session)
    row = session.scalar(select(m.Label).where(m.Label.name == name))
    if row is None:
        raise LabelError(f"label {name!r} does not exist")
    removed: set[int] = set()
    # Images first (in id order), the label last, as every change applying a label locks
    # them: the label locked first deadlocked with one. A change applying it to one more
    # image meanwhile makes the delete fail: that image is taken too, and it tries again.
    for attempt in range(5):
        image_ids = sorted(set(session.scalars(select(m.ImageLabel.image_id)
                                               .where(m.ImageLabel.label_id == row.id))) - removed)
        if image_ids and not force:
            raise LabelError(
                f"label {name!r} is on {len(image_ids) + len(removed)} image(s); remove it anyway with "
                "--force (each image keeps the change in its history)"
            )
        for image_id in image_ids:
            locked_image(session, image_id)
            remaining = [n for n in current_labels(session, image_id) if n != name]
            set_labels(session, image_id, remaining, actor, action="labels")
            removed.add(image_id)
        try:
            with session.begin_nested():
                session.execute(delete(m.Label).where(m.Label.id == row.id))
            return len(removed)
        except IntegrityError:
            continue
    raise LabelError(f"label {name!r} is being put on images by someone else right now; try again")
