"""Review actions as single transactions that also return what the GUI needs next.

The keyboard flow (accept and next, reject and next, a label key, a caption edit)
used to cost several transactions per key: a snapshot read, one write per
suggestion decided, one for the status, another snapshot read and a record read.
Each function here does the whole action in ONE write transaction (one commit, one
fsync, one lock acquisition against a concurrent indexer) and hands back an
:class:`ActionResult`: the snapshots before and after (for undo), the image's new
record (so the grid updates that one row without reading it again) and the
suggestions decided. Every change still writes its history event, through the same
repository functions the :class:`~llmvis_desktop.core.project.Project` methods use.

Pure core: no Qt. ``target`` is a ``Project`` or a ``Store``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable, Collection, Iterable, Optional, Union

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .store import models as m
from .store import repo_images as ri
from .store import repo_review as rr
from .store import repo_queue as rq, repo_suggest as rs
from .store.action_cards import keep_cards, label_cards
from .store.db_errors import RETRYABLE, WAITED, db_error_kind
from .review_busy import busy as _busy
from .store.repo_labels import TAXONOMY_STATE, TaxonomyBusy, share_taxonomy, taxonomy_ids
from .store.engine import Busy, Store
from .accept_pick import ACCEPT_LABEL_SCORE, _pick_for_accept  # noqa: F401 (ACCEPT_LABEL_SCORE: named here too)
from .store.records import ImageRecord, NewSuggestion, SuggestionRecord
from .when import short_when
from .caption_seen import UNCHECKED, CaptionChanged, check_caption  # noqa: F401 (CaptionChanged: named here too)
from .labels_seen import LabelsChanged, check_labels  # noqa: F401 (LabelsChanged: named here too)
from .store.exclusive import resolve as resolve_exclusive
from .undo_plan import (cards_since, current_names, merge, removed_names, reopens_decided, status_set,
                        undo_reads_labels, without_orphans)

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ActionResult:
    image_id: int
    before: dict  # snapshot: caption, labels, review_status, suggestions' outcomes
    after: dict
    record: ImageRecord  # the image after the action
    decided: tuple[SuggestionRecord, ...] = ()
    skipped: tuple[str, ...] = ()  # (undo/redo) fields left alone: changed by someone else since
    status_before: Optional[str] = None  # record.status before it, in its transaction (counts moved, not re-read)
    #: (who, when) marked the image the status an action found it in and left as it was
    #: (Enter on an image already reviewed: "Already reviewed by bob at 19:41 CET"); None otherwise
    status_kept_by: Optional[tuple[Optional[str], Optional[datetime]]] = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _store(target) -> Store:
    return target if isinstance(target, Store) else target.store


def run(target, image_id: int, change: Callable[[Session], Iterable[SuggestionRecord] | None],
        skipped: Optional[list] = None, taxonomy: Union[bool, Callable[[Session], bool]] = True) -> ActionResult:
    """Snapshot, ``change(session)``, snapshot and record, all in one write transaction.

    ``change`` may return the suggestions it decided. An exception rolls everything
    back (nothing half-done reaches the database) and propagates; one waiting too long for
    another writer's lock (:func:`~.store.engine.short_waits` in the window) as
    :class:`~.store.engine.Busy`, saying who holds the image (or the label list) when known.
    A transaction the database broke off to end a deadlock (or a serialization failure), or
    that waited for a taxonomy lock nobody holds by the time it asks who does, is run once
    more (``change`` must start afresh each time: ``skipped`` is emptied).

    ``taxonomy``: whether the action reads or changes the label list (a label key, Enter on
    label cards, an undo putting labels back), or a function deciding it in the transaction
    before the image is locked. Such an action takes the taxonomy's shared lock first,
    before the image row (PostgreSQL): a rename, a removal or an import making labels takes
    the taxonomy lock first and the images after; in the other order they deadlocked. Any
    other (a caption, a status, Delete) does not wait for a taxonomy change: a look at the
    label list it makes after all only tries for the lock (``repo_labels.TAXONOMY_STATE``);
    finding it taken, a mere tidying (withdrawing a removed label's cards) is left for later,
    and anything else runs the action again, the lock taken first.
    """
    store = _store(target)
    retried, first, freed = False, False, False
    while True:
        if skipped is not None:
            skipped.clear()
        waiting = ["taxonomy"]  # while waiting for the taxonomy lock (a decider may take it: label_cards)
        try:
            with store.write() as s:
                if first or (taxonomy(s) if callable(taxonomy) else taxonomy):
                    share_taxonomy(s)  # the one lock order: the taxonomy, then the image
                else:
                    s.info[TAXONOMY_STATE] = "try"
                waiting.clear()
                # a round trip saved wherever it can be (a team's PostgreSQL over a network:
                # each is the reviewer's wait): the labels read once, the new score and
                # status of the image computed once, the history events in one INSERT
                rr.cache_labels(s)
                keep_cards(s)  # its cards read once, as the labels (store/action_cards.py)
                rq.defer_refreshes(s)
                before, status_before = rr.snapshot(s, image_id, outcomes=True), rr.locked_image(s, image_id).status
                with rr.batched_events(s):
                    decided = tuple(change(s) or ())
                    rq.run_refreshes(s)
                s.flush()
                after = rr.snapshot(s, image_id, outcomes=True)
                record = rr.kept_record(s, image_id, after["labels"]) or ri.record_of(s, image_id, after["labels"])
                if record is None:
                    raise rr.NotFound(f"image id {image_id} is not in this project")
            return ActionResult(image_id, before, after, record, decided, tuple(skipped or ()), status_before)
        except TaxonomyBusy:
            if first:
                raise
            first = True  # it needs the label list after all: again, the lock taken first
        except OperationalError as exc:
            kind = db_error_kind(exc)
            if kind in RETRYABLE and not retried:
                retried = True
                log.warning("review action on image %s broken off by the database (%s); running it again",
                            image_id, kind)
                continue
            if kind in WAITED:
                refusal = _busy(store, image_id, kind, bool(waiting), again=not freed)
                if refusal is not None:
                    raise refusal from exc
                freed = True  # nobody holds the taxonomy lock by now: the action runs once more
                continue
            raise
        except Busy as exc:  # this program's own job (an import, an index) holds the writer's turn
            raise Busy(f"{str(exc)[:1].upper()}{str(exc)[1:]}. Nothing was changed; try again in a moment.") from exc


def _pending(s: Session, image_id: int, shown: Optional[Collection[int]]):
    """The image's pending suggestions (``shown``: of these ids, the cards on screen as
    pending). A shown card withdrawn with a pending card of the same kind and value on the
    image (renewed) stands for that card. A shown card otherwise no longer pending
    (withdrawn by a job, decided by a teammate) refuses the whole action (:class:`~.store.repo_suggest.NotPending`, nothing
    written): accepting the rest and marking the image reviewed decided on cards the
    reviewer never saw (a replaced caption card left it reviewed with no caption)."""
    everything = rs.suggestions_for(s, image_id)
    if shown is None:
        return [sg for sg in everything if sg.outcome == "pending"]
    shown = set(shown)
    for sg in [sg for sg in everything if sg.id in shown and sg.outcome == "withdrawn"]:
        # renewed, not taken back: a card withdrawn while a pending card of the same kind
        # and value stands on the image (a retrain, a job run again, an undo taking over a
        # newer card) showed what that one shows; the reviewer decides that one. (The
        # reviewer's own background retrain refused every few Enters.)
        same = [o for o in everything if o.outcome == "pending" and o.id not in shown
                and (o.kind, o.value) == (sg.kind, sg.value)]
        if same:
            shown.discard(sg.id)
            shown.add(max(o.id for o in same))
    gone = [sg for sg in everything if sg.id in shown and sg.outcome != "pending"]
    if gone:
        err = rs.not_pending_error(gone[0])
        raise type(err)(f"{err}. Nothing was changed: the image keeps its status.")
    return [sg for sg in everything if sg.id in shown]


def accept(target, image_id: int, actor: str, status: str = m.STATUS_REVIEWED,
           shown: Optional[Collection[int]] = None, mine: bool = False,
           seen: Optional[str] = None, seen_labels=UNCHECKED) -> ActionResult:
    """Accept the pending suggestions (the best caption; the label cards scoring >= 0.5,
    or else the best one; the other label cards rejected: :func:`_pick_for_accept`) and
    mark the image ``status`` (reviewed), in one transaction with one history event per
    change; ``decided`` holds the rejected cards too (undo puts them all back pending).
    ``shown``: only suggestions with these ids, the cards the reviewer was shown pending
    (another reviewer's job may have added some meanwhile: they stay pending); one of them
    no longer pending refuses the action (:func:`_pending`). ``mine``: labels set by hand,
    kept as they are (:func:`_pick_for_accept`). ``seen``: the review status the screen
    showed; someone else's since refuses it (:func:`_seen_status`); ``seen_labels``: the
    labels it showed, someone else's others since refuse it (marked reviewed with labels
    the reviewer never saw: :func:`~.labels_seen.check_labels`).

    A caption the image already has (typed by a reviewer, or one decided earlier) is
    kept: the best caption suggestion is then recorded as edited to it, its final value
    the caption kept (Accept replaced a caption the reviewer had just typed)."""

    refused: list[Exception] = []
    kept_by: list = []

    def change(s: Session):
        refused.clear()  # (run may run it twice)
        kept_by.clear()
        if _orphans_shown(s, image_id, actor, shown, refused):
            return []
        kept = s.get(m.Image, image_id).caption
        row = rr.locked_image(s, image_id)
        was = _seen_status(s, row, seen, actor)  # (deciding the cards turns suggested into new)
        if was == status:  # already so: who marked it and when, said (one read, only then)
            kept_by.append(status_set(s, image_id))
        decided = []
        pending = _pending(s, image_id, shown)
        labels_now = rr.current_labels(s, image_id)
        check_labels(s, row, labels_now, seen_labels, actor)  # (a teammate's labels since, unseen)
        excl = ()
        if any(sg.kind == "label" for sg in pending):
            share_taxonomy(s)  # (a label card came meanwhile: run takes the lock first and runs this again)
            # the labels of the cards and the image held (and told exclusive or not) in one read
            excl = rr.held_exclusive(s, {sg.value for sg in pending if sg.kind == "label"} | set(labels_now))
        take, leave = _pick_for_accept(pending, labels_now, mine, excl)
        for sg in take:
            if sg.kind == "caption" and kept and kept != sg.value:
                decided.append(rs.decide(s, sg.id, "edited", actor, kept))
            else:
                decided.append(rs.decide(s, sg.id, "accepted", actor))
        decided.extend(rs.decide(s, sg.id, "rejected", actor) for sg in leave)
        rr.set_status(s, image_id, status, actor, before=was)
        return decided

    result = _refusing(run(target, image_id, change, taxonomy=lambda s: label_cards(s, image_id, shown)), refused)
    return replace(result, status_kept_by=kept_by[0]) if kept_by else result


def _orphans_shown(s: Session, image_id: int, actor: str, shown: Optional[Collection[int]],
                   refused: list) -> bool:
    """Withdraw the image's pending label cards whose label is no longer in the taxonomy
    (removed, or renamed while a job still wrote the old name: accepting one brought the
    label back). True (the refusal put in ``refused``) when one of them is among the cards
    ``shown`` (None: the caller named no cards, and is not refused): the action then
    decides nothing else, as for a card a job replaced, and the withdrawal is kept (the
    next try goes through)."""
    gone = [sid for sid in rs.withdraw_orphans(s, image_id, actor) if shown is not None and sid in set(shown)]
    if gone:
        [value] = s.scalars(select(m.Suggestion.value).where(m.Suggestion.id == gone[0]))
        refused.append(rs.label_gone_error(value))
    return bool(gone)


def _refusing(result: ActionResult, refused: list) -> ActionResult:
    """``result``, or the refusal made inside its transaction (committed: the cards withdrawn;
    with no card left pending a "suggested" image is "new" again, and the refusal says so)."""
    if refused:
        err = refused[0]
        was, now = result.before.get("review_status"), result.after.get("review_status")
        status = ("the image keeps its status" if was == now else
                  f"with no suggestion left pending the image is {now} again (was {was})")
        raise type(err)(f"{err}. Nothing else was changed: {status}.")
    return result


def reject(target, image_id: int, actor: str, status: str = m.STATUS_REJECTED,
           shown: Optional[Collection[int]] = None, seen: Optional[str] = None) -> ActionResult:
    """Reject every pending suggestion (``shown``: of these ids, as :func:`accept`) and mark
    the image ``status`` (rejected); ``seen`` as :func:`accept`."""

    def change(s: Session):
        was = _seen_status(s, rr.locked_image(s, image_id), seen, actor)
        decided = [rs.decide(s, sg.id, "rejected", actor) for sg in _pending(s, image_id, shown)]
        rr.set_status(s, image_id, status, actor, before=was)
        return decided

    return run(target, image_id, change, taxonomy=False)  # (rejecting a card reads no label)


def set_status(target, image_id: int, status: str, actor: str, seen: Optional[str] = None) -> ActionResult:
    def change(s: Session):
        if seen is not None:
            _seen_status(s, rr.locked_image(s, image_id), seen, actor)
        rr.set_status(s, image_id, status, actor)

    return run(target, image_id, change, taxonomy=False)


class StatusChanged(rs.NotPending):
    """Enter, Delete or R on a screen that showed the image as it was before someone else
    marked it: their decision is not overwritten unseen. ``status`` (the image's now),
    ``who`` and ``at`` (when they marked it: local "19:41 CET", the date before it when
    not today's, as the History panel shows that change: :func:`.when.short_when`; ""
    when the history has no such event)."""

    def __init__(self, now: str, seen: Optional[str], who: Optional[str], at: str = "") -> None:
        self.status, self.seen, self.who, self.at = now, seen, who, at
        super().__init__(f"{_marked(who, now, at)} (the screen showed it {seen}) and that is not "
                         f"changed over unseen. Nothing was changed: the image is shown afresh.")


def _marked(who: Optional[str], now: str, at: str) -> str:
    """"bob marked this image rejected at 19:41 CET" (no time when none is known)."""
    return f"{who or 'someone'} marked this image {now}{f' at {at}' if at else ''}"


class DecidedSince(StatusChanged):
    """An undo or redo refused whole: the image was marked another status since the action
    (by a teammate), and the step would go over that decision (reopen cards on an image
    they rejected, take a label off an image they marked reviewed). Nothing was changed."""

    def __init__(self, now: str, left: Optional[str], who: Optional[str], step: str, at: str = "",
                 when: Optional[datetime] = None) -> None:
        # ``at``: the time as said ("19:41 CET"); ``when``: that decision's own (its event's) time,
        # which tells a teammate's new decision from the one refused before in the same minute
        self.status, self.seen, self.who, self.step, self.at, self.when = now, left, who, step, at, when
        rs.NotPending.__init__(
            self, f"{_marked(who, now, at)}, after this action (which left it {left}); "
                  f"{'undoing' if step == 'undo' else 'redoing'} it would go over that decision. "
                  f"Nothing was changed: the image stays {now}.")


_OPEN = (m.STATUS_NEW, m.STATUS_SUGGESTED)  # one status, told apart by pending cards


def _seen_status(s: Session, row: m.Image, seen: Optional[str], actor: str) -> str:
    """The image's review status now (its row locked), after checking it is the one the
    reviewer's screen showed (``seen``; None: not checked): marked otherwise since by
    someone else (a teammate's Delete a moment before this reviewer's Enter) refuses the
    action (:class:`StatusChanged`), nothing written. Their own change is not refused.

    Whose change it was is read from the history (who last marked the status), not from
    the image's ``updated_by``: that is whoever changed anything last, and a label key or
    a caption typed on the stale screen after Bob's Delete made it the reviewer's own, so
    the Enter that followed marked Bob's rejected image reviewed unseen."""
    now = row.review_status
    if seen is None or now == seen or (now in _OPEN and seen in _OPEN):
        return now
    who, at = status_set(s, row.id)
    who = who or row.updated_by
    if (who or actor) == actor:
        return now
    raise StatusChanged(now, seen, who, short_when(at))


def set_caption(target, image_id: int, caption: Optional[str], actor: str, seen: Optional[str] = None,
                seen_caption=UNCHECKED) -> ActionResult:
    """Store the image's caption. ``seen``: the review status the screen showed, as
    :func:`toggle_label` (someone else's since refuses it: :func:`_seen_status`);
    ``seen_caption``: the caption it showed, a teammate's other caption since refuses it
    (:func:`~.caption_seen.check_caption`): saving wrote over Bob's caption, and on Bob's
    rejected image, as if nothing had happened."""
    def change(s: Session):
        row = rr.locked_image(s, image_id)
        if seen is not None:
            _seen_status(s, row, seen, actor)
        check_caption(s, row, seen_caption, caption, actor)
        rr.set_caption(s, image_id, caption, actor)

    return run(target, image_id, change, taxonomy=False)


def set_labels(target, image_id: int, names: Iterable[str], actor: str) -> ActionResult:
    names = list(names)
    return run(target, image_id, lambda s: rr.set_labels(s, image_id, names, actor) and None)


def toggle_label(target, image_id: int, name: str, actor: str, on: Optional[bool] = None,
                 seen: Optional[str] = None, seen_labels=UNCHECKED) -> ActionResult:
    """Toggle label ``name`` (``on``: add it, or remove it, as the reviewer meant from what
    the screen showed; already so is no change, ``changed`` False: see
    :func:`~.store.repo_review.toggle_label`). ``seen``: the review status the screen
    showed; someone else's since refuses it (:func:`_seen_status`): a label key on the
    image a teammate had just rejected labelled it unseen, and the window then showed
    their status as its own result, so the Enter that followed marked it reviewed over
    their rejection with no word. ``seen_labels``: the labels it showed; a key that would
    take off a label someone else put on since, unseen (an exclusive label over theirs),
    is refused (:func:`~.labels_seen.check_labels`)."""
    def change(s: Session):
        row = rr.locked_image(s, image_id)
        if seen is not None:
            _seen_status(s, row, seen, actor)
        if seen_labels is not UNCHECKED:
            _check_toggle(s, row, name, on, seen_labels, actor)
        return rr.toggle_label(s, image_id, name, actor, on) and None

    return run(target, image_id, change)


def _check_toggle(s: Session, row: m.Image, name: str, on: Optional[bool], seen_labels, actor: str) -> None:
    """Refuse a label key whose change would take off a label the screen did not show."""
    before = set(rr.current_labels(s, row.id))
    if before == set(seen_labels or ()) or (on is not None and (name in before) == on):
        return
    wanted = before ^ {name}
    if name not in before:  # put on: the exclusive rule may take others off
        wanted = set(resolve_exclusive(before, wanted, rr.held_exclusive(s, wanted)))
    check_labels(s, row, before, seen_labels, actor, taken_off=before - wanted)


def decide_suggestion(target, image_id: int, suggestion_id: int, outcome: str, actor: str,
                      final_value: Optional[str] = None, seen: Optional[str] = None,
                      seen_caption=UNCHECKED) -> ActionResult:
    """Decide one suggestion of ``image_id`` (accepted, edited or rejected). A label card
    whose label is no longer in the taxonomy is withdrawn instead, and the accept or edit
    refused (:class:`~.store.repo_suggest.LabelGone`). ``seen`` and ``seen_caption``: what
    the screen showed, as :func:`set_caption` (a caption card accepted or edited sets the
    caption: a teammate's caption since is not written over unseen)."""
    refused: list[Exception] = []

    def change(s: Session):
        refused.clear()  # (run may run it twice)
        row = rr.locked_image(s, image_id) if seen is not None or seen_caption is not UNCHECKED else None
        if seen is not None:
            _seen_status(s, row, seen, actor)
        if outcome != "rejected" and seen_caption is not UNCHECKED:
            card = s.get(m.Suggestion, suggestion_id)
            if card is not None and card.kind == "caption" and card.outcome == "pending":
                check_caption(s, row, seen_caption, card.value if outcome == "accepted" else final_value, actor)
        if outcome != "rejected" and _orphans_shown(s, image_id, actor, [suggestion_id], refused):
            return []
        return [rs.decide(s, suggestion_id, outcome, actor, final_value)]

    def label_card(s: Session) -> bool:  # accepting or editing a label card reads the label list
        return outcome != "rejected" and s.scalar(
            select(m.Suggestion.kind).where(m.Suggestion.id == suggestion_id)) == "label"

    return _refusing(run(target, image_id, change, taxonomy=label_card), refused)


def keep_note(target, item: NewSuggestion, actor: str) -> ActionResult:
    """Store an answer (``item``, "Ask the image") as a note: the card stored and accepted
    in one transaction (two left a pending card behind when the second failed). Nothing
    was stored before, so the snapshot before has the card withdrawn: undo withdraws it
    (as if the answer had been closed: it was left a pending answer card, on a reviewed
    image too), redo accepts it again."""
    if item.kind != "answer":
        raise ValueError(f"only an answer is kept as a note, not a {item.kind}")
    stored: list[int] = []

    def change(s: Session):
        stored[:] = rs.add_suggestions(s, [item])
        return [rs.decide(s, sid, "accepted", actor) for sid in stored]

    res = run(target, item.image_id, change, taxonomy=False)  # (an answer reads no label)
    for sid in stored:
        res.before.setdefault("suggestions", {})[sid] = ("withdrawn", None)
    return res


def apply_state(target, image_id: int, state: dict, actor: str, action_prefix: str,
                expect: Optional[dict] = None) -> ActionResult:
    """Write a snapshot back (undo/redo): one event per field changed, one transaction.

    ``expect``: the state the undone (or redone) action left, for a team where others
    change the same image meanwhile. Then only what that action changed is taken back:
    its labels added are removed and those removed added (others' labels stay), and a
    caption, status or suggestion outcome is written back only while it still holds what
    the action left; one changed by someone else since is left alone and named in
    ``skipped``. Without ``expect`` the whole snapshot is written."""
    skipped: list[str] = []

    def change(s: Session):
        if state.get("suggestions"):  # the image's cards read once (kept for this transaction), not one by one
            rs.suggestions_for(s, image_id)
        try:  # ({id: name}: the label list read once, for all that asks it below)
            ids = taxonomy_ids(s)  # (its shared lock already held: run takes it before the image)
        except TaxonomyBusy:  # an undo changing no label nor label card (undo_reads_labels): the
            ids = None  # cards of a label removed meanwhile are withdrawn by the next action
        known = None if ids is None else set(ids.values())
        gone = removed_names(s, state, expect, now=ids)
        now_state, now_expect = current_names(s, state, skipped, ids), current_names(s, expect, skipped, ids)
        if known is not None and now_state and now_state.get("suggestions"):  # before the merge: not "changed by
            # someone else"
            now_state = dict(now_state, suggestions=without_orphans(
                s, now_state["suggestions"], known, skipped, gone, (expect or {}).get("suggestions") or {}))
        if now_expect is None:
            plan = now_state
        else:
            current = rr.snapshot(s, image_id, outcomes=True)
            plan = merge(current, now_state, now_expect, skipped,
                         cards_since(rs.suggestions_for(s, image_id), now_expect))
            over = reopens_decided(current, now_state, now_expect, plan)
            if over is not None:  # nothing written: run rolls back
                who, at = status_set(s, image_id)
                raise DecidedSince(over, now_expect.get("review_status"), who, action_prefix, short_when(at), at)
        # the status as the reviewer saw it: restoring the cards' outcomes first turns a
        # "suggested" image into "new" (a redo of an accept recorded "new -> reviewed")
        seen = rr.locked_image(s, image_id).review_status
        for sid, (outcome, final) in (plan.get("suggestions") or {}).items():  # before the status
            rs.restore_outcome(s, sid, outcome, final, actor, f"{action_prefix}:suggestion")
        # as Enter does: a pending card of a label no longer in the taxonomy is withdrawn
        rs.withdraw_orphans(s, image_id, actor, known)
        if "caption" in plan:
            rr.set_caption(s, image_id, plan["caption"], actor, action=f"{action_prefix}:caption")
        if "labels" in plan:
            rr.set_labels(s, image_id, plan["labels"], actor, action=f"{action_prefix}:labels",
                             exclusive=False)  # (exactly what was there)
        if "review_status" in plan:
            rr.set_status(s, image_id, plan["review_status"], actor, action=f"{action_prefix}:status", before=seen)
            if plan["review_status"] in (m.STATUS_NEW, m.STATUS_SUGGESTED):
                # a job may have suggested for it since: "new" with pending cards is "suggested"
                rq.refresh_image(s, image_id)

    return run(target, image_id, change, skipped, taxonomy=lambda s: undo_reads_labels(s, state, expect))
