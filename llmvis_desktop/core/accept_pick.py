"""What Accept (Enter) takes of an image's pending suggestion cards, and what it rejects
(:func:`_pick_for_accept`; the action itself is :func:`.review_actions.accept`)."""
from __future__ import annotations

from typing import Collection

from .store.exclusive import clashes
from .store.records import SuggestionRecord


#: Enter (Accept) takes every label card scoring at least this; when none does, the one
#: best-scoring card on an image with no label yet (see :func:`_pick_for_accept`)
ACCEPT_LABEL_SCORE = 0.5


def _pick_for_accept(pending: list[SuggestionRecord], labels_now: Collection[str] = (), mine: bool = False,
                     exclusive: Collection[str] = ()) -> tuple[list[SuggestionRecord], list[SuggestionRecord]]:
    """What Accept (Enter) decides: ``(accepted, rejected)``.

    Accepted: the best caption (highest score; unscored last; the other captions stay
    pending) and, of the label cards, every one scoring >= :data:`ACCEPT_LABEL_SCORE`, or,
    when none does and the image has no label yet, the single best-scoring one (a tie:
    the first card; an image a reviewer already labelled gets no low-scoring guess on
    top of its labels). A card with no score is unknown: the unscored cards are accepted
    only when no label card has a score (predictions imported without scores: all of
    them, as before); next to scored cards they are rejected. A card suggesting a label the image already has, or
    the same label as a card accepted (a second model agreeing), is accepted too.

    Rejected: every other label card. Taking every label card of every model whatever
    its score put "ok" and a defect on the same image; the cards left out are rejected
    (the reviewer saw them and accepted the image without them), not left pending on a
    reviewed image.

    ``mine``: the reviewer set the labels by hand (a label key, a chip, on this visit):
    only the cards of the labels the image has now are accepted, no label is added, and a
    caption retrieved from an image of other labels (the learned suggester's) stays pending.

    ``exclusive``: the exclusive labels (``store/exclusive.py``). When what would be
    accepted puts one of them with another label, the highest-scored wins: the labels the
    image has already first (decided by a person, or by an earlier accept), then the cards
    by score. An exclusive winner is accepted alone, and every other card rejected; else
    the exclusive cards are rejected. Enter means "take the model's best reading": refusing
    it would stop the keyboard flow on every image where a model hedged between "normal"
    and a defect, and the score is what the queue already ranks the image by; the cards
    left out stay in the history as rejected, and the reviewer can press the other key."""
    captions = [sg for sg in pending if sg.kind == "caption" and not (
        mine and set((sg.params or {}).get("retrieved_labels", labels_now)) != set(labels_now))]
    captions.sort(key=lambda sg: -(sg.score if sg.score is not None else -1.0))
    labels = [sg for sg in pending if sg.kind == "label"]
    scored = [sg for sg in labels if sg.score is not None]
    if mine or not scored:
        chosen = [] if mine else labels
    else:
        chosen = [sg for sg in scored if sg.score >= ACCEPT_LABEL_SCORE]
        if not chosen and not labels_now:
            chosen = [max(scored, key=lambda sg: sg.score)]
    values = {sg.value for sg in chosen} | set(labels_now)
    if exclusive and not mine and clashes(values, exclusive):
        values = _winner_only(values, chosen, labels_now, exclusive)
    accepted = [sg for sg in labels if sg.value in values]
    rejected = [sg for sg in labels if sg.value not in values]
    return captions[:1] + accepted, rejected


def _winner_only(values: set, chosen: list[SuggestionRecord], labels_now: Collection[str],
                 exclusive: Collection[str]) -> set:
    """``values`` made to keep the exclusive rule: see :func:`_pick_for_accept`."""
    if labels_now:  # decided already (by a person, or an earlier accept): they win, an exclusive one first
        mine_excl = sorted(set(labels_now) & set(exclusive))
        winner = mine_excl[0] if mine_excl else sorted(labels_now)[0]
    else:  # the highest-scored card (unscored: last)
        winner = max(chosen, key=lambda sg: sg.score if sg.score is not None else -1.0).value
    if winner in exclusive:
        return {winner} | set(labels_now)  # (labels on the image are not taken off by Enter)
    return values - set(exclusive)
