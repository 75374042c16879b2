"""Why a learned suggester's run stored no suggestion: what :meth:`.learned.LearnedSuggester.run`
counted as it went (:func:`new_outcome`, :func:`count_batch`, and the store's left-out
counts), and :func:`why_none`, the reason in a reviewer's words, said by the CLI (text and
--json) and the window (status bar and Jobs panel). "0 suggestions" alone left them to
guess: every image reviewed, every one done already, none readable, every one judged
free of the one label, the cards the same as pending ones..."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..wording import plural

#: the statuses a learned run suggests for when none is asked for (it learns from the reviewed ones)
UNREVIEWED = ("new", "suggested")


def new_outcome(project, flt, ids: Sequence[int]) -> dict:
    """The counts of a run over ``ids`` (the images of ``flt``): with none, how many images
    its folder has and how many of them are reviewed or rejected (two counts, only then)."""
    out = {"listed": len(ids), "statuses": list(flt.statuses), "done_before": 0, "to_do": 0, "scored": 0,
           "unreadable": 0, "held": 0, "carded": 0, "cards": 0}
    if not ids:
        out["in_scope"] = project.count(replace(flt, statuses=()))
        out["decided"] = project.count(replace(flt, statuses=("reviewed", "rejected"))) if out["in_scope"] else 0
    return out


def count_batch(out: dict, chunk: Sequence[int], ran: dict, held, items, newer=()) -> None:
    """Add one batch: the images read (the others unreadable), those on the reviewer's
    screen left alone, those given a card. ``newer``: images left to a newer fit's cards
    (counted apart, in ``newer_fit``: neither scored nor unreadable here)."""
    read = set(ran.get("ids") or ()) - set(newer)
    out["unreadable"] -= len(set(newer) & set(chunk))
    items = [it for it in items if it.image_id not in newer]
    out["scored"] += len(read)
    out["unreadable"] += len(chunk) - len(read)
    out["held"] += len(read & set(held))
    out["carded"] += len({it.image_id for it in items})


def _n(n: int, word: str) -> str:
    return f"{n:,} {plural(n, word)}"


def newer_fit_note(out: dict) -> str:
    """"3 images left with a newer fit's suggestions (...)", or "" when none was: a
    teammate's fit on more reviews stored its cards there first, and this older fit's
    cards would have taken their place."""
    n = (out or {}).get("newer_fit", 0)
    if not n:
        return ""
    return (f"{_n(n, 'image')} left with a newer fit's suggestions (a teammate's fit on more reviews "
            f"stored there first; this fit's cards were not stored)")


def why_none(out: dict, redo_hint: str = "") -> str:
    """Why the run stored no suggestion, in a sentence; "" when it stored some (or did not
    run). ``redo_hint``: how to redo images already done (the CLI: "--all to redo")."""
    if not out or out.get("cards"):
        return ""
    if not out["listed"]:
        n, decided = out.get("in_scope", 0), out.get("decided", 0)
        asked = tuple(out.get("statuses") or UNREVIEWED)
        if out.get("repair_outputs"):  # all it would have listed are repaired copies
            return (f"no image to suggest for: {_n(out['repair_outputs'], 'repair output')} left out "
                    f"(a repaired copy is not work to review; include repair outputs to suggest for them)")
        if not n:
            return "no image to suggest for: there is no image in its folder"
        if set(asked) <= set(UNREVIEWED):
            if decided == n:
                every = "the 1 image is" if n == 1 else f"all {n:,} images are"
                return (f"no image to suggest for: {every} reviewed or rejected (it suggests for new and "
                        f"suggested images, and learns from the reviewed ones)")
            return (f"no image to suggest for: none of the {_n(n, 'image')} is new or suggested "
                    f"({decided:,} reviewed or rejected, {n - decided:,} missing or unreadable)")
        return f"no image to suggest for: none of the {_n(n, 'image')} is {' or '.join(asked)}"
    if not out["to_do"]:
        k = out["done_before"]
        if not k:
            return "no image to suggest for: the limit left none"
        every = "the 1 image it suggests for already has" if k == 1 else \
            f"all {k:,} images it suggests for already have"
        return f"nothing to do: {every} this fit's suggestions" + (f" ({redo_hint})" if redo_hint else "")
    parts = []
    if out["unreadable"]:
        parts.append(f"{_n(out['unreadable'], 'image')} could not be read")
    clean = out["scored"] - out["held"] - out["carded"]
    if clean > 0:
        labels = out.get("labels") or []
        free = f"'{labels[0]}' (none scored 0.5 or more)" if len(labels) == 1 else "every learned label"
        parts.append(f"{_n(clean, 'image')} judged free of {free}")
    if out.get("newer_fit"):
        parts.append(newer_fit_note(out))
    if out["held"]:
        parts.append(f"{_n(out['held'], 'image')} on the reviewer's screen left alone (a later run covers it)")
    for key, what in (("reviewed_meanwhile", "of images reviewed while it ran"),
                      ("unknown_label", "of labels renamed or removed while it ran"),
                      ("stale_labels", "scored against a label list changed while it ran"),
                      ("already_there", "the same as cards already pending")):
        if out.get(key):
            parts.append(f"{_n(out[key], 'card')} {what}")
    to_do = out["to_do"]
    head = "the 1 image it had to do" if to_do == 1 else f"the {to_do:,} images it had to do"
    return f"no suggestion stored for {head}: " + ("; ".join(parts) or "no card came out")
