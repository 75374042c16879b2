"""Which suggestion rows :func:`.evaluate.evaluate` scores, and as what: each card as the
reviewer saw it when the image was reviewed (a label removal, or a newer learned model
replacing the card after the review, does not take it out of the figures), each model's
latest run per image, the images a model judged free of every label, and why a reviewed
image with label suggestions has none scored."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

#: a ``withdraw`` event's after-value when the card's label was removed (or was no longer
#: in the taxonomy when the image was next acted on): ``repo_suggest``'s
REMOVED_WHY = "label removed"
#: decision events that left the image's labels as they were (its label was on it already)
_NO_CHANGE = ("accept_suggestion", "edit_suggestion")


def _reviewed_at(s) -> dict[int, datetime]:
    """{image id: when it was first marked reviewed}, from the history."""
    from sqlalchemy import func, or_, select

    from ..store import models as m
    from ..store.convert import dumps

    ev = m.Event
    rows = s.execute(select(ev.image_id, func.min(ev.at)).where(
        or_(ev.action == "status", ev.action.like("%:status")), ev.after == dumps(m.STATUS_REVIEWED),
    ).group_by(ev.image_id)).all()
    return {i: _utc(at) for i, at in rows}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _withdrawn_by_removal(s) -> set[int]:
    """Ids of the cards withdrawn because their label was removed."""
    from sqlalchemy import select

    from ..store import models as m
    from ..store.convert import dumps

    ev = m.Event
    return set(s.scalars(select(ev.suggestion_id).where(
        ev.action == "withdraw", ev.after == dumps(REMOVED_WHY), ev.suggestion_id.is_not(None))))


def _card_events(s, cards: dict[int, int], actions=None, like=None):
    """(suggestion id, action, at, before, after) of the events of these cards ({card id:
    image id}), oldest first: read by image (indexed), a few hundred images at a time;
    ``actions``: only these, or (``like``) one like this SQL pattern."""
    from sqlalchemy import or_, select

    from ..store import models as m

    ev, images = m.Event, sorted(set(cards.values()))
    for k in range(0, len(images), 500):  # bound the IN list
        stmt = select(ev.suggestion_id, ev.action, ev.at, ev.before, ev.after).where(
            ev.image_id.in_(images[k:k + 500]), ev.suggestion_id.is_not(None))
        if actions is not None:
            stmt = stmt.where(or_(ev.action.in_(actions), ev.action.like(like)) if like else ev.action.in_(actions))
        for row in s.execute(stmt.order_by(ev.id)):
            if row.suggestion_id in cards:
                yield row


def _already_on(s, cards: dict[int, int]) -> set[int]:
    """Of these accepted or edited label cards ({card id: image id}), those whose decision
    left the image's labels as they were (``accept_suggestion`` or ``edit_suggestion``, not a
    labels change, is the latest of its decision events): the reviewer had put the label
    on by hand."""
    last = {}
    # (only its decision events: a card's history of re-runs, suggest and withdraw, is long)
    for sid, action, *_ in _card_events(s, cards, _NO_CHANGE + ("labels",), "%:labels"):
        if action in _NO_CHANGE or action == "labels" or action.endswith(":labels"):
            last[sid] = action
    return {sid for sid, action in last.items() if action in _NO_CHANGE}


def _renewed_after_review(s, rows, reviewed_at: dict) -> dict[int, tuple]:
    """{card id: (revision, score, time)} of the learned suggester's cards made before
    their image's review and renewed in place after it (a retrain guessing the same, e.g.
    ``suggest --learned --status reviewed``: the row took the new revision, score and
    time): what the card showed when the image was reviewed, read from its ``suggest``
    and ``suggest_revised`` events. The renewal is a guess made after the review (left
    out); the card as it was is the prediction the reviewer judged."""
    from ..store.convert import loads
    from .learned import MODEL_PREFIX

    cards = {r.id: r.image_id for r in rows
             if r.kind == "label" and r.image_id in reviewed_at and r.model_id.startswith(MODEL_PREFIX)
             and _utc(r.created_at) >= reviewed_at[r.image_id]}
    shown: dict[int, str] = {}  # the first change after the review: what it showed until then
    since: dict[int, datetime] = {}  # the time of the last change before the review
    for sid, action, at, before, _ in _card_events(s, cards, ("suggest", "suggest_revised")):
        if sid in shown:
            continue
        at = _utc(at)
        if at < reviewed_at[cards[sid]]:
            since[sid] = at
        elif action == "suggest_revised" and sid in since:
            shown[sid] = before
    out = {}
    for sid, before in shown.items():
        was = loads(before) or {}
        out[sid] = (was.get("revision"), was.get("score"), since[sid])
    return out


def _as_reviewed(rows, reviewed_at: dict, removed: set[int]) -> None:
    """Set each row's ``live``: whether it takes part in the label figures as the card the
    reviewer saw. Not withdrawn; or withdrawn by its label's removal (its ``value`` set to
    None: a removed label's card, left out and counted as such, still the model's latest
    run: dropping it made an older run the latest); or the learned suggester's guess made
    before its image was reviewed and withdrawn after that by a newer learned model (a
    ``--status reviewed`` run, whose own cards are left out): the prediction the reviewer
    judged. Other withdrawn cards were replaced before anyone judged them."""
    from .learned import MODEL_PREFIX

    for r in rows:
        r.live = r.outcome != "withdrawn"
        if r.live or r.kind != "label":
            continue
        if r.id in removed:
            r.value, r.live = None, True
        elif r.model_id.startswith(MODEL_PREFIX) and r.decided_at is not None:
            seen = reviewed_at.get(r.image_id)
            r.live = seen is not None and _utc(r.created_at) < seen <= _utc(r.decided_at)


def _usable_label_rows(rows, truth: dict, reviewed_at: dict) -> list:
    """The label suggestions that count (rows: oldest first, for the file's current
    content): on reviewed images, ``live`` (:func:`_as_reviewed`), and not the learned suggester's made
    after the image was reviewed (it may have learnt from it; a card renewed by a retrain
    has the retrain's time, unless it was made before the review: then it is here as it
    was, :func:`_renewed_after_review`). Those of labels no longer in the taxonomy are still here:
    they take part in picking each model's top-1 (:func:`_predicted`)."""
    from .learned import MODEL_PREFIX

    def tested(r) -> bool:
        seen = reviewed_at.get(r.image_id)
        return not (r.model_id.startswith(MODEL_PREFIX) and seen is not None and _utc(r.created_at) >= seen)

    return [r for r in rows if r.kind == "label" and r.image_id in truth and r.live and tested(r)]


#: the prediction key of a suggestion whose label was removed (no label name holds a control character)
_GONE = "\x00removed:"


def _key(r, taxonomy: set[str]) -> str:
    """A suggestion's label for picking the top-1: its name, or a key no label has when
    its label is no longer in the taxonomy (removed, even if a label has the name since)."""
    return r.value if r.value is not None and r.value in taxonomy else _GONE + str(r.value_given)


def _latest_rows(usable) -> list:
    """The usable label suggestions of each model's latest run on each image: the
    revision and prompt of its newest card (by ``created_at``: a card a retrain renewed in
    place keeps its older id but takes the retrain's time), and of those each label's
    newest card (a re-run of the same revision: the older run's cards still there, decided,
    are not what the model says now)."""
    def newest(r) -> tuple:
        return _utc(r.created_at), r.id

    top: dict[tuple, object] = {}
    for r in usable:
        k = (r.model_id, r.image_id)
        if k not in top or newest(r) > newest(top[k]):
            top[k] = r
    per_label: dict[tuple, object] = {}
    for r in usable:
        t = top[(r.model_id, r.image_id)]
        if (r.model_revision, r.prompt) != (t.model_revision, t.prompt):
            continue
        # the label's name now (a card decided before a rename carries the new name), or
        # the name given when its label was removed
        k = (r.model_id, r.image_id, r.value, None if r.value is not None else r.value_given)
        if k not in per_label or newest(r) > newest(per_label[k]):
            per_label[k] = r
    return sorted(per_label.values(), key=lambda r: r.id)


def _silent_keys(rows) -> tuple[set, set]:
    """What :func:`_silent` reads of the rows (after :func:`_as_reviewed`): ({(model id,
    image id)} with a card of the model, ``live``, for the current content; {(model id,
    image id, revision)} of those no longer ``live``)."""
    cards = [r for r in rows if r.kind == "label" and r.current]
    return ({(r.model_id, r.image_id) for r in cards if r.live},
            {(r.model_id, r.image_id, r.model_revision) for r in cards if not r.live})


def _silent(runs, rows, truth: dict, reviewed_at: dict, keys: tuple | None = None) -> set:
    """{(model id, image id)}: reviewed images a model scored (``suggest_runs``, the learned
    suggester's) for their current content and left without any label card of its own,
    so its prediction there is "no label". The model's latest such run is its judgement:
    a later revision's "no" withdraws an older one's pending cards and takes their place;
    but a run that left a card there, withdrawn since (by another learned model id's run,
    the suggester having switched models, or its label removed), said "yes", not "no": the
    image is not judged free by it (its withdrawn card is not scored either, unless
    withdrawn after the review or by a removal: ``live``, a card of the run). As for its
    cards, a learned run made after the image was reviewed is left out. An image with a
    card of the model keeps the card rule (a card renewed after the review must not turn
    into a "no"). ``keys``: :func:`_silent_keys` of the rows, gathered already (``rows``
    then unread)."""
    carded, withdrawn = keys if keys is not None else _silent_keys(rows)
    latest: dict[tuple, object] = {}
    for r in runs:  # oldest first
        if r.image_id not in truth or (r.model_id, r.image_id) in carded or _learned_after_review(r, reviewed_at):
            continue
        latest[(r.model_id, r.image_id)] = r
    return {k for k, r in latest.items() if (r.model_id, r.image_id, r.model_revision) not in withdrawn}


def _learned_after_review(run, reviewed_at: dict) -> bool:
    """A learned suggester's run made after its image was reviewed (it may have been
    trained on that review): not its judgement there (:func:`_silent`)."""
    from .learned import MODEL_PREFIX

    seen = reviewed_at.get(run.image_id)
    return run.model_id.startswith(MODEL_PREFIX) and seen is not None and _utc(run.ran_at) >= seen


def _label_rows(latest_rows, taxonomy: set[str]) -> dict[str, dict[int, list]]:
    """{model id: {image id: [(label key, score)]}} of the latest revisions' suggestions."""
    out: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for r in latest_rows:
        out[r.model_id][r.image_id].append((_key(r, taxonomy), r.score))
    return out


def _known_truth(truth: dict, created: dict, latest_rows, runs, keys) -> dict[tuple, set[str]]:
    """{(model id, image id): the image's reviewed labels that model could have given
    there}, for ``keys``: those in the taxonomy when its latest run on the image was made
    (its newest card there, or its run recorded in ``suggest_runs``); a label added since
    (``created``: {name: when it joined the taxonomy}) was never asked of it (``suggest``
    scores it on every image once added)."""
    ran: dict[tuple, datetime] = {}
    for r in latest_rows:
        k, at = (r.model_id, r.image_id), _utc(r.created_at)
        ran[k] = max(ran.get(k, at), at)
    carded = set(ran)
    for r in runs:  # a model that judged the image free of every label: the time of its run
        k, at = (r.model_id, r.image_id), _utc(r.ran_at)
        if k not in carded:
            ran[k] = max(ran.get(k, at), at)
    out = {}
    for model_id, image_id in keys:
        at = ran.get((model_id, image_id))
        out[(model_id, image_id)] = {x for x in truth[image_id]
                                     if at is None or x not in created or _utc(created[x]) <= at}
    return out


#: why a reviewed image with label suggestions has none scored, in the order checked
LEFT_OUT = ("file_changed", "after_review", "removed_labels")


def _left_out(rows, truth: dict, usable, pooled: dict) -> dict[str, int]:
    """{reason: images} of the reviewed (or rejected) images with label suggestions of
    which none is scored (:data:`LEFT_OUT`): every one is for the file's old content
    (the indexer saw its size or modification time change since); or the learned
    suggester's guesses after the review; or cards of labels removed since. Reasons
    with no image are left out of the dict."""
    return left_out_counts(_left_out_reasons(rows, truth, usable), pooled)


def _left_out_reasons(rows, truth: dict, usable) -> dict[int, str]:
    """{image id: why none of its label suggestions would be scored} of the reviewed (or
    rejected) images with label suggestions (:func:`_left_out`: those scored are not)."""
    cards = [r for r in rows if r.kind == "label" and r.live and r.image_id in truth]
    current = {r.image_id for r in cards if r.current}
    tested = {r.image_id for r in usable}
    return {i: "file_changed" if i not in current else "after_review" if i not in tested else "removed_labels"
            for i in {r.image_id for r in cards}}


def left_out_counts(reasons: dict[int, str], pooled) -> dict[str, int]:
    """{reason: images} of :func:`_left_out_reasons` less the images scored (``pooled``)."""
    counts = dict.fromkeys(LEFT_OUT, 0)
    for i, why in reasons.items():
        if i not in pooled:
            counts[why] += 1
    return {k: n for k, n in counts.items() if n}



def _overrule(rows, truth: dict, already_on: set[int] = frozenset()) -> None:
    """A rejected image's suggestions were wrong, whatever was decided on them before: a
    card accepted or edited there (Enter, then Delete: the image keeps what Enter put on
    it) for the file's current content counts as rejected (``overruled`` set, its ``outcome`` changed in the row), and the
    labels such label cards put there are taken out of the image's truth (its other
    labels, added by hand, stay: also one a card of it accepted when it was on the image
    already, ``already_on``: :func:`_already_on`)."""
    for r in rows:
        if r.review_status == "rejected" and r.current and r.outcome in ("accepted", "edited"):
            if r.kind == "label" and r.image_id in truth and r.id not in already_on:
                truth[r.image_id].discard(r.value if r.outcome == "accepted" else r.final_value)
            r.outcome, r.overruled = "rejected", True

