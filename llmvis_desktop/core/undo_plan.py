"""What an undo or redo writes back (:func:`.review_actions.apply_state`), planned in
its transaction against the image and the label list as they are now.

``merge``: the fields the undone action changed, not those someone else changed since
(nor a label or caption a card decided since stands for: ``cards_since``);
``reopens_decided``: the status someone marked the image since, when the step would
reopen or redecide it over that (the step is then refused whole, nothing written);
``current_names`` / ``removed_names``: the snapshot's labels under their names now (a
rename since) and those removed since; ``without_orphans``: label cards of a removed
label withdrawn instead of made live again; ``undo_reads_labels``: whether the undo
takes the taxonomy lock first. Each says what it leaves alone in ``skipped``.

Pure core: no Qt.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .store import models as m
from .store.repo_labels import card_label_names


def undo_reads_labels(s: Session, state: dict, expect: Optional[dict]) -> bool:
    """Whether an undo/redo puts labels or label cards back (it takes the taxonomy lock
    first): the whole snapshot written (no ``expect``), labels changed, or a label card's
    outcome. An undo of a caption or a status does not wait for a taxonomy change."""
    if expect is None or set(state.get("labels") or ()) != set(expect.get("labels") or ()):
        return True
    was = expect.get("suggestions") or {}
    cards = [sid for sid, value in (state.get("suggestions") or {}).items() if tuple(value) != tuple(was.get(sid, ()))]
    return bool(cards) and s.scalar(select(m.Suggestion.id).where(
        m.Suggestion.id.in_(cards), m.Suggestion.kind == "label").limit(1)) is not None


def without_orphans(s: Session, outcomes: dict, known: set, skipped: list, gone: frozenset = frozenset(),
                     left: Optional[dict] = None) -> dict:
    """``outcomes`` (suggestion id: (outcome, final value)) with the label cards whose label
    is no longer in the taxonomy (removed since) withdrawn instead of made pending again (a
    card of no label, which Enter refuses and withdraws), and left as they are instead of
    accepted again (that recorded a label the image never got); said in ``skipped``.

    A card edited to another label (``left``, what the action left: "dent" edited to
    "scratch") whose label that edit gave is in ``gone`` (removed since) is treated alike:
    undo withdraws it instead of making it live again, redo leaves it as it is instead of
    recording it edited to a label the image no longer has."""
    keep = {}
    rows = {sid: s.get(m.Suggestion, sid) for sid in outcomes}
    asked = [sid for sid, (outcome, _) in outcomes.items()
             if rows[sid] is not None and rows[sid].kind == "label" and outcome in ("pending", "accepted")]
    renamed = card_label_names(s, asked) if asked else {}  # (one query for all the cards)
    for sid, (outcome, final) in outcomes.items():
        row = rows[sid]
        if row is not None and row.kind == "label" and outcome in ("pending", "accepted"):
            name = renamed.get(sid, row.value)
            if name is None or name not in known:
                skipped.append(f"suggestion {row.value!r} (its label was removed since: withdrawn)")
                if outcome == "pending":
                    keep[sid] = ("withdrawn", None)
                continue
        if row is not None and row.kind == "label" and gone:
            was, to = tuple((left or {}).get(sid) or (None, None))
            edit_to = final if outcome == "edited" else (to if was == "edited" and outcome == "pending" else None)
            if edit_to is not None and edit_to in gone:
                skipped.append(f"suggestion {row.value!r} edited to {edit_to!r} (that label was removed since: "
                               f"withdrawn)")
                if outcome == "pending":
                    keep[sid] = ("withdrawn", None)
                continue
        keep[sid] = (outcome, final)
    return keep


def removed_names(s: Session, *snaps: Optional[dict], now: Optional[dict] = None) -> frozenset:
    """The names, as the snapshots knew them, of their labels no longer in the taxonomy
    (by id: a label renamed since is not gone; one removed and made again is). ``now``: the
    taxonomy read already ({id: name}), or None."""
    ids = {name: i for snap in snaps if snap for name, i in (snap.get("label_ids") or {}).items()}
    if not ids:
        return frozenset()
    there = set(now) if now is not None else set(s.scalars(select(m.Label.id).where(
        m.Label.id.in_(list(set(ids.values()))))))
    return frozenset(name for name, i in ids.items() if i not in there)


def current_names(s: Session, snap: Optional[dict], skipped: list, taxonomy: Optional[dict] = None
                   ) -> Optional[dict]:
    """``snap`` with its labels under their names now (a label renamed since the snapshot
    made undo fail, "not in the taxonomy", and blocked every undo before it); a label
    removed since is left out, and said in ``skipped``."""
    if not snap or not snap.get("label_ids"):
        return snap
    ids = snap["label_ids"]
    now = {i: n for i, n in taxonomy.items() if i in set(ids.values())} if taxonomy is not None else dict(
        s.execute(select(m.Label.id, m.Label.name).where(m.Label.id.in_(list(ids.values())))).all())
    names = []
    for name in snap.get("labels", ()):
        if name in ids and ids[name] not in now:
            skipped.append(f"label {name!r} (removed since)")
            continue
        names.append(now.get(ids.get(name), name))
    return dict(snap, labels=sorted(names), label_ids={now[i]: i for i in ids.values() if i in now})


_OPEN = (m.STATUS_NEW, m.STATUS_SUGGESTED)  # one status, told apart by pending cards
_DECIDED = ("accepted", "edited", "rejected")


def cards_since(cards, expect: dict) -> tuple[dict, dict]:
    """What the cards decided since the action (by anyone: their outcome now is not the
    one the action left, ``expect``) stand for, by kind: ``(held, barred)``. ``held``: the
    values accepted (or edited to) since, which the step does not take off the image;
    ``barred``: the values rejected (or edited away from) since, which it does not put on.
    (An undo of Alice's edit "dent" -> "scratch" took "scratch" off the image although Bob
    had accepted a "scratch" card since; a redo of her Enter put "dent" back on although
    Bob had rejected the "dent" card since.)"""
    was = expect.get("suggestions") or {}
    held: dict = {}
    barred: dict = {}
    for card in cards:
        if card.outcome not in _DECIDED or tuple(was.get(card.id, ())) == (card.outcome, card.final_value):
            continue
        if card.outcome in ("accepted", "edited"):
            held.setdefault(card.kind, set()).add(card.final_value or card.value)
        if card.outcome == "rejected" or (card.outcome == "edited" and card.final_value != card.value):
            barred.setdefault(card.kind, set()).add(card.value)
    return held, barred


def reopens_decided(current: dict, state: dict, expect: dict, plan: dict) -> Optional[str]:
    """The review status the image was marked since the action (``expect`` is what it left)
    when the step would go over it: set the status (the action changed it) or reopen a
    card (Alice's undo of an accept after Bob rejected the image left her cards
    pending on a rejected image, her label taken off it). None: the step may go on (the
    status is the one the action left; the image was opened again since, new or
    suggested, which a step reopening cards agrees with; or the step only changes a
    caption or labels, or withdraws a note it kept)."""
    now, left = current.get("review_status"), expect.get("review_status")
    if now == left or now in _OPEN:
        return None
    reopened = any(tuple(value)[0] == "pending" for value in (plan.get("suggestions") or {}).values())
    if state.get("review_status", left) != left or reopened:
        return now
    return None


def status_set(s: Session, image_id: int) -> tuple[Optional[str], Optional[datetime]]:
    """(who, when) last marked the image's review status (its history; (None, None):
    nobody yet). The time is the event's, stored in UTC (:mod:`.when` shows it)."""
    ev = m.Event
    row = s.execute(select(ev.actor, ev.at).where(ev.image_id == image_id, or_(
        ev.action == "status", ev.action.like("%:status"))).order_by(ev.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def merge(current: dict, state: dict, expect: dict, skipped: list,
          since: tuple[dict, dict] = ({}, {})) -> dict:
    """What undo/redo writes: the fields the action changed (``expect`` -> ``state``),
    against the image as it is now (``current``); ``since``: :func:`cards_since`."""
    plan: dict = {}
    held, barred = since
    if "labels" in state:
        want, left = set(state["labels"]), set(expect.get("labels", ()))
        if want != left:  # the action's labels added are removed, those removed added
            now = set(current["labels"])
            off = ((left - want) & now) - held.get("label", set())
            on = (want - left) - now - barred.get("label", set())
            # one already taken back by someone else (an --overwrite import) is said, as a caption is
            skipped.extend(f"label {name!r}" for name in sorted(((left - want) - off) | ((want - left) - on)))
            if off or on:
                plan["labels"] = sorted((now - off) | on)
    for key, name in (("caption", "caption"), ("review_status", "status")):
        if key in state and state[key] != expect.get(key):
            if current[key] == expect.get(key) and not (key == "caption" and (
                    expect.get(key) in held.get("caption", ()) or state[key] in barred.get("caption", ()))):
                plan[key] = state[key]
            else:
                skipped.append(name)
    left_outcomes, now = expect.get("suggestions") or {}, current.get("suggestions") or {}
    outcomes = {}
    for sid, value in (state.get("suggestions") or {}).items():
        if tuple(value) != tuple(left_outcomes.get(sid, ())):
            if tuple(now.get(sid, ())) == tuple(left_outcomes.get(sid, ())):
                outcomes[sid] = value
            else:
                skipped.append("a suggestion's decision")
    if outcomes:
        plan["suggestions"] = outcomes
    return plan
