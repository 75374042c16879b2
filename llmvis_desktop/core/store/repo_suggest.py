"""Suggestions (model proposals with provenance and outcome). What they make of an
image's queue score and new/suggested status is recomputed by :mod:`.repo_queue`."""
from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Iterable, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from . import models as m
from .action_cards import (DECIDED, card_rows, fresh as _fresh, kept_cards, kept_orphans,  # noqa: F401
                           suggestions_for)
from .engine import insert_events, insert_ids
from .convert import dumps, suggestion_record
from .records import NewSuggestion, SuggestionRecord
from .taxonomy_changed import changed_since, scored_since
from .repo_queue import _locked_states, _refresh_images, refresh_later
from .repo_labels import TaxonomyBusy, card_label_names, share_taxonomy, taxonomy_names
from .repo_renew import (_for_current_content, _mark_withdrawn, _model_actor, _provenance, _request,  # noqa: F401
                         _revise_same, _supersede, _take_over_same_pending, _withdraw)
from .repo_review import (NotFound, add_event, current_labels, hold_labels, locked_image, set_caption,
                          set_labels)


def same_request_done(session: Session, model_id: str, revision: Optional[str], kind: str,
                      prompt: Optional[str], image_ids: Optional[Iterable[int]] = None) -> set[int]:
    """Images that already have a ``kind`` suggestion from this model id and revision for
    this prompt (or question, or label template), made for the file's current content
    (after the indexer last saw it change); a label suggestion also after the newest
    label joined the taxonomy (the labels were scored against a set without it) and, one
    with a template (a zero-shot labeler scores the names), after the last rename or
    removal of a label (:mod:`.taxonomy_changed`)."""
    stmt = (select(m.Suggestion.image_id).join(m.Image, m.Image.id == m.Suggestion.image_id)
            .where(m.Suggestion.model_id == model_id, m.Suggestion.kind == kind, _for_current_content())
            .distinct())
    for since in (scored_since(session, by_name=prompt is not None) if kind == "label" else ()):
        stmt = stmt.where(m.Suggestion.created_at >= since)
    stmt = stmt.where(m.Suggestion.model_revision.is_(None) if revision is None
                      else m.Suggestion.model_revision == revision)
    stmt = stmt.where(m.Suggestion.prompt.is_(None) if prompt is None else m.Suggestion.prompt == prompt)
    if image_ids is None:
        return set(session.scalars(stmt))
    ids, done = sorted(set(image_ids)), set()
    for i in range(0, len(ids), 500):  # bound the IN list
        done.update(session.scalars(stmt.where(m.Suggestion.image_id.in_(ids[i:i + 500]))))
    return done


def add_suggestions(session: Session, items: Sequence[NewSuggestion], skip_done: bool = False,
                    skip_same_pending: bool = False, replaces: Optional[str] = None,
                    supersede: bool = False, stats: Optional[dict] = None,
                    unreviewed_only: bool = False, labels_as_of: Optional[datetime] = None) -> list[int]:
    """Store suggestions; never touches a reviewed annotation. New images become ``suggested``.

    ``skip_done``: leave out a suggestion whose image already has one of the same request
    (:func:`same_request_done`), checked with the images locked: two jobs over the same
    folder at once do not store everything twice. ``skip_same_pending``: leave out one
    identical to a suggestion still pending (same request and value): a job run again
    over every image adds no duplicate cards. ``replaces`` (a model id prefix): the
    stored rows replace the pending suggestions of models with that prefix on their
    images, other than their own model and revision's, which are withdrawn (a retrained
    learned suggester's cards take the place of its older ones). ``supersede``: instead of
    ``skip_same_pending``, the items take the place of their own request's pending cards
    on their images (:func:`_supersede`; a batch job run again); ``stats["renewed"]``
    counts the cards kept that way. Returns the ids of the rows stored.

    A label suggestion whose label is not in the taxonomy now is left out (counted in
    ``stats["unknown_label"]``): the job scored the labels as they were when it started,
    and a label renamed or removed since would come back with its card accepted.
    ``labels_as_of``: when the job read the label list it scored; if a label joined since (or,
    for a labeler scoring the names, one was renamed or removed), its label suggestions are
    all left out (counted in ``stats["stale_labels"]``): stored, they would count as done
    (made after the change) though scored against the old list.
    ``unreviewed_only``: the job picked its images as unreviewed (the learned suggester):
    one a reviewer accepted or rejected while it predicted gets nothing (checked with the
    images locked; counted in ``stats["reviewed_meanwhile"]``).

    Bulk statements (one multi-row insert for the suggestions, one for their history
    events, one query and one update for the images they touch): a batch job stores
    a batch at a time, and one ORM object and flush per row cost more than a tiny
    model's inference.
    """
    items = list(items)
    for item in items:
        if item.kind not in m.SUGGESTION_KINDS:
            raise ValueError(f"suggestion kind must be one of {m.SUGGESTION_KINDS}, not {item.kind!r}")
        if item.score is not None and not math.isfinite(item.score):
            raise ValueError(f"a suggestion's score must be a finite number, not {item.score!r}")
    if not items:
        return []
    known = taxonomy_names(session) if any(it.kind == "label" for it in items) else set()
    # (read before the images are locked: the taxonomy changes lock in that order)
    touched = {item.image_id for item in items}
    images = _locked_states(session, touched)
    missing = touched - images.keys()
    if missing:
        raise NotFound(f"image id {min(missing)} is not in this project")
    if labels_as_of is not None and known:
        by_name = any(it.kind == "label" and it.prompt is not None for it in items)
        if changed_since(session, labels_as_of, by_name):
            kept = [it for it in items if it.kind != "label"]
            if stats is not None:
                stats["stale_labels"] = stats.get("stale_labels", 0) + len(items) - len(kept)
            items = kept
    kept = [it for it in items if it.kind != "label" or it.value in known]
    if stats is not None and len(kept) < len(items):
        stats["unknown_label"] = stats.get("unknown_label", 0) + len(items) - len(kept)
    items = kept
    if unreviewed_only:
        kept = [it for it in items if images[it.image_id][0] not in (m.STATUS_REVIEWED, m.STATUS_REJECTED)]
        if stats is not None and len(kept) < len(items):
            stats["reviewed_meanwhile"] = stats.get("reviewed_meanwhile", 0) + len(items) - len(kept)
        items = kept
    if skip_done:
        items = _not_done(session, items)
    now = m.utcnow()
    superseded: set[int] = set()
    if supersede:
        before = len(items)
        items, superseded = _supersede(session, items, now)
        if stats is not None:  # the same card again: kept, with the new score and time
            stats["renewed"] = stats.get("renewed", 0) + before - len(items)
    elif skip_same_pending:
        items = _not_same_pending(session, items, touched)
    if not items:
        if superseded:
            _refresh_images(session, superseded, {i: images[i] for i in superseded})
        return []
    if replaces:
        revised = {it.image_id for it in items}
        keep_pairs = {(it.model_id, it.model_revision) for it in items}
        items = _revise_same(session, items, replaces, now)
        _withdraw(session, revised, replaces, keep_pairs, now)
        if not items:
            _refresh_images(session, revised, {i: images[i] for i in revised})
            return []
        touched = {item.image_id for item in items} | revised
    else:
        touched = {item.image_id for item in items} | superseded
    # Core statements on the tables (one executemany each): the ORM's bulk path costs more
    ids = insert_ids(session, m.Suggestion.__table__, [
        {"image_id": it.image_id, "kind": it.kind, "value": it.value, "score": it.score,
         "model_id": it.model_id, "model_revision": it.model_revision, "prompt": it.prompt,
         "params_json": json.dumps(it.params, sort_keys=True), "created_at": now, "outcome": "pending"}
        for it in items])
    insert_events(session, [
        {"image_id": it.image_id, "actor": _model_actor(it.model_id), "at": now, "action": "suggest",
         "before": None, "after": dumps(_provenance(it)),
         "suggestion_id": sid}
        for it, sid in zip(items, ids)
    ])
    _refresh_images(session, touched, {i: images[i] for i in touched})
    return ids


def withdraw_label(session: Session, name: str, actor: str) -> int:
    """Withdraw the pending suggestions of label ``name`` (``actor`` is removing it: other
    windows see the change); returns how many. Their images' suggestion state is refreshed."""
    sg = m.Suggestion
    rows = session.execute(select(sg.id, sg.image_id, sg.model_id, sg.kind, sg.value).where(
        sg.kind == "label", sg.value == name, sg.outcome == "pending")).all()
    if rows:
        _mark_withdrawn(session, rows, m.utcnow(), actor, "label removed")
        _refresh_images(session, {r.image_id for r in rows})
    return len(rows)


def _not_done(session: Session, items: list[NewSuggestion]) -> list[NewSuggestion]:
    """``items`` less those whose image already has a suggestion of the same request."""
    requests: dict[tuple, set[int]] = {}
    for it in items:
        requests.setdefault(_request(it), set()).add(it.image_id)
    done = {key: same_request_done(session, *key, image_ids=ids) for key, ids in requests.items()}
    return [it for it in items if it.image_id not in done[_request(it)]]


class NotPending(ValueError):
    """A suggestion that is no longer pending (withdrawn, or decided by someone else since
    it was shown) cannot be decided any more: the reviewer is told, and shown it afresh."""


class Withdrawn(NotPending):
    """A suggestion that was withdrawn cannot be decided any more."""


class LabelGone(NotPending):
    """A label suggestion whose label is no longer in the taxonomy (removed, or renamed
    while a job still wrote the old name) is not accepted: that would bring the label back."""


def label_gone_error(value: str) -> LabelGone:
    return LabelGone(f"the suggestion {value!r} names a label no longer in the taxonomy (removed or "
                     f"renamed since) and is not accepted; it is withdrawn and the image's suggestions "
                     f"are shown afresh")


def withdraw_orphans(session: Session, image_id: int, actor: str, known: Optional[set] = None) -> list[int]:
    """Withdraw the image's pending label suggestions whose label is no longer in the
    taxonomy, in ``actor``'s name; their ids. The caller took the taxonomy's shared lock
    before locking the image (``review_actions.run``: the one lock order, see
    :func:`~.repo_labels.share_taxonomy`); in an action that took it not (``"try"``: a
    caption card's Enter, an undo of a caption) while a taxonomy change holds it, none is
    withdrawn now (the next action on the image does it)."""
    sg = m.Suggestion
    try:
        share_taxonomy(session)  # (as taxonomy_names: the label list read while no change is under way)
    except TaxonomyBusy:
        return []
    rows = kept_orphans(session, image_id, known)  # (known from the action's cards read: no query)
    if rows is None:
        rows = session.execute(select(sg.id, sg.image_id, sg.model_id, sg.kind, sg.value).where(
            sg.image_id == image_id, sg.kind == "label", sg.outcome == "pending",
            ~select(m.Label.id).where(m.Label.name == sg.value).exists())).all()  # (one query, not two)
    if rows:
        _mark_withdrawn(session, rows, m.utcnow(), actor, "label removed")
        refresh_later(session, image_id)
    return [r.id for r in rows]


class AlreadyDecided(NotPending):
    """A suggestion decided already (a teammate's decision, made while the card was still
    on this reviewer's screen) is not decided over again."""


def not_pending_error(row) -> NotPending:
    """The refusal for deciding ``row`` (a suggestion or its record) that is no longer pending."""
    if row.outcome == "withdrawn":  # a card still on someone's screen: accepting it would
        # bring back a removed label, or a retrained suggester's replaced guess
        return Withdrawn(f"the suggestion {row.value!r} was withdrawn ({row.decided_by or 'replaced'}) "
                         f"and can no longer be decided; the image's suggestions are shown afresh")
    by = f" by {row.decided_by}" if row.decided_by else ""
    return AlreadyDecided(f"the suggestion {row.value!r} was already {row.outcome}{by} and is not "
                          f"decided again; the image's suggestions are shown afresh")


def _not_same_pending(session: Session, items: list[NewSuggestion], image_ids) -> list[NewSuggestion]:
    """``items`` less those identical to a pending suggestion made for their image's
    current content."""
    if not items:
        return items
    c = m.Suggestion
    pending = set(session.execute(
        select(c.image_id, c.value, c.model_id, c.model_revision, c.kind, c.prompt)
        .join(m.Image, m.Image.id == c.image_id)
        .where(c.image_id.in_(sorted(image_ids)), c.outcome == "pending", _for_current_content())))
    return [it for it in items if (it.image_id, it.value, *_request(it)) not in pending]


def decide(
    session: Session,
    suggestion_id: int,
    outcome: str,
    actor: str,
    final_value: Optional[str] = None,
) -> SuggestionRecord:
    """Accept, edit or reject a pending suggestion; accepted/edited ones become the
    annotation. One no longer pending (withdrawn, or decided by someone else since it was
    shown) is refused: :class:`NotPending`."""
    if outcome not in ("accepted", "edited", "rejected"):
        raise ValueError(f"outcome must be accepted, edited or rejected, not {outcome!r}")
    row = _fresh(session).get(suggestion_id) or session.get(m.Suggestion, suggestion_id)
    if row is None:
        raise NotFound(f"suggestion id {suggestion_id} does not exist")
    locked_image(session, row.image_id)  # another reviewer's change to the image waits, or we wait
    if row.id not in _fresh(session):  # (suggestions_for read it since the image is ours: no query)
        session.refresh(row)  # as it is now that the image is ours
    if row.outcome != "pending":  # a card still on someone's screen: deciding it would
        # bring back a removed label or a replaced guess, or overwrite a teammate's decision
        # (and credit it to this reviewer). Undo and redo put an outcome back through
        # restore_outcome, not here.
        raise not_pending_error(row)
    value = row.value if outcome == "accepted" else (final_value if outcome == "edited" else None)
    if outcome == "edited" and not value:
        raise ValueError("an edited suggestion needs its final value")
    if row.kind == "label" and outcome != "rejected" and \
            value not in hold_labels(session, [value], strict=False):  # (held: set_labels asks no more)
        if value != row.value:  # a card edited to a name the team never made
            raise ValueError(f"label {value!r} is not in the taxonomy (add it first)")
        raise label_gone_error(value)  # review_actions withdraws the card (this is rolled back)
    row.outcome = outcome
    row.final_value = value
    flag_modified(row, "final_value")  # (every decision's UPDATE the same columns: one statement for them all)
    row.decided_at = m.utcnow()
    row.decided_by = actor
    if outcome == "rejected":
        add_event(session, row.image_id, actor, "reject_suggestion", row.value, None, row.id)
    elif row.kind == "caption":
        if not set_caption(session, row.image_id, value, actor, suggestion_id=row.id):
            # the caption already said so: the decision is still one of the history's
            _decision_event(session, row, outcome, value, actor)
    elif row.kind == "label":
        labels = set(current_labels(session, row.image_id)) | {value}
        if not set_labels(session, row.image_id, labels, actor, suggestion_id=row.id):
            _decision_event(session, row, outcome, value, actor)
    else:  # an answer kept as a note
        add_event(session, row.image_id, actor, "note", None, value, row.id)
    refresh_later(session, row.image_id)
    return suggestion_record(row)


def _decision_event(session: Session, row: m.Suggestion, outcome: str, value: str, actor: str) -> None:
    """The event of a decision that left the annotation as it was (the image already had
    that caption or label): ``accept_suggestion`` (after: the model's value) or, when the
    reviewer's value differs from the model's (a caption typed before Accept),
    ``edit_suggestion`` with the model's value before and the final one after: an
    accept_suggestion of the typed text credited the reviewer's words to the model."""
    if outcome == "edited" and value != row.value:
        add_event(session, row.image_id, actor, "edit_suggestion", row.value, value, row.id)
    else:
        add_event(session, row.image_id, actor, "accept_suggestion", None, value, row.id)


def restore_outcome(session: Session, suggestion_id: int, outcome: str, final_value: Optional[str],
                    actor: str, action: str) -> bool:
    """Undo/redo of a decision: put the suggestion's outcome (and final value) back as it
    was, with a history event ``action`` (before and after outcome). The annotation itself
    is written back by the caller. False when it already was so, or is gone."""
    row = session.get(m.Suggestion, suggestion_id)
    if row is None or (row.outcome, row.final_value) == (outcome, final_value):
        return False
    now = m.utcnow()
    before = row.outcome
    row.outcome, row.final_value = outcome, final_value
    flag_modified(row, "final_value")  # (as decide: the cards put back, one statement)
    row.decided_at = None if outcome == "pending" else now
    row.decided_by = None if outcome == "pending" else actor
    add_event(session, row.image_id, actor, action, before, outcome, row.id)
    if outcome == "pending":  # pending again first: a decided card is never revised
        if kept_cards(session, row.image_id) is None:  # (kept: the card's twins are found among them)
            session.flush()
        if row.kind == "label":  # a pending card follows a rename of its label
            row.value = card_label_names(session, [row.id]).get(row.id) or row.value  # (removed: None)
        _take_over_same_pending(session, row, now, actor)
    refresh_later(session, row.image_id)
    return True


def outcome_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(m.Suggestion.outcome, func.count()).group_by(m.Suggestion.outcome))
    return {k: n for k, n in rows}
