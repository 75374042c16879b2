"""The status-bar lines of the keyboard review flow (:mod:`.review_controller`): what
Enter, Delete and R did, the cards they left pending, the end of the list.

Every review key says something each time: the previous image's line otherwise stayed
up as if it were about this one."""
from __future__ import annotations

from typing import Optional

from ..core import review_actions as ra
from ..core.store.exclusive import taken_off_line
from ..core.when import short_when
from ..core.wording import plural, visible_name

#: appended when Enter or Delete acted on the list's last row (it stays there: nothing after it)
LAST_ROW = "Last image of the list: nothing after it (N goes to the next unreviewed image)."


def pending_ids(res, leave_out: Optional[set] = None) -> set:
    """The suggestions of the image left pending by the action ``res``
    (``core.review_actions.ActionResult``), but those in ``leave_out``."""
    out = {sid for sid, (outcome, _final) in (res.after.get("suggestions") or {}).items() if outcome == "pending"}
    return out - (leave_out or set())


def unshown_note(n: int) -> str:
    """Enter and Delete decide only the cards on screen: cards a job wrote since (never
    shown) stay pending, and this says so."""
    return (f"{n} {plural(n, 'suggestion')} written meanwhile, not shown, "
            f"{'stays' if n == 1 else 'stay'} pending (K goes back to see {'it' if n == 1 else 'them'}).")


def left_note(kinds, took_caption: bool = True) -> str:
    """Enter decides no answer card and takes one caption card: the shown cards it left
    pending, by kind (``kinds``: one per card), and what decides them. ``took_caption``
    False: Enter took none (labels set by hand, every caption card retrieved from an
    image of other labels: ``core.accept_pick._pick_for_accept``), and says so."""
    counts = {k: sum(1 for x in kinds if x == k) for k in ("caption", "label", "answer")}
    parts = [f"{n} {k} card{'s' if n != 1 else ''}" for k, n in counts.items() if n]
    if not parts:
        return ""
    how = []
    if counts["answer"]:
        how.append("Enter keeps no answer: Accept on its card keeps it as a note")
    if counts["caption"] and took_caption:
        how.append("Enter takes one caption")
    elif counts["caption"]:
        it = "it was" if counts["caption"] == 1 else "they were"
        how.append(f"Enter took no caption: {it} written for other labels than yours; "
                   "Accept on a caption card takes it")
    text = f"{' and '.join(parts)} left pending"
    return text + (f" ({'; '.join(how)}; Reject on a card drops it)." if how else ".")


def marked_by(kept_by, actor: Optional[str] = None) -> str:
    """" by bob at 19:41 CET" (" by you ..." for ``actor``'s own) from an action's
    ``status_kept_by`` (who and when marked the status it left as it was); "" when unknown."""
    who, at = kept_by or (None, None)
    if not who and at is None:
        return ""
    when = short_when(at)
    return (f" by {'you' if who == actor else who}" if who else "") + (f" at {when}" if when else "")


def accept_message(decided, unshown: int = 0, was: Optional[str] = None, left=(), mine=None,
                   exclusive=(), now=(), by: str = "") -> str:
    """The status-bar line after Accept (Enter): what it accepted, how many label cards it
    rejected (below the threshold: ``core.accept_pick._pick_for_accept``), and a caption
    kept over the model's; ``unshown``: pending cards it left, never shown (a running job
    wrote them after the panel was drawn); ``was``: the image's status before (an image
    already reviewed, nothing decided: said so, not "Marked reviewed"); ``left``: the
    kinds of the shown cards it left pending (answers, a second caption: :func:`left_note`);
    ``mine``: the image's labels, set by hand on this visit and kept (:func:`kept_note`);
    ``by``: who marked it reviewed before and when (:func:`marked_by`), after "Already reviewed".
    ``exclusive``: the exclusive labels, ``now``: the image's labels after: a card scoring
    over the threshold was rejected for the exclusive rule, and says so (:func:`clash_note`)."""
    left = left_note(left, took_caption=mine is None or any(d.kind == "caption" for d in decided))
    if mine is not None and any(d.kind == "label" for d in decided):
        return kept_note(decided, mine, unshown, left)
    # labels set by hand, no card decided: the line names what the image was marked with
    kept = "" if mine is None else f" with {', '.join(mine)}" if mine else " with no label"
    if not decided and left:
        head = f"Already reviewed{by}" if was == "reviewed" else "Marked reviewed"
        return f"{head}{kept}; accepted no suggestion: {left}" + (" " + unshown_note(unshown) if unshown else "")
    if not decided:
        if unshown:
            return f"Marked reviewed{kept}; no suggestion was shown: " + unshown_note(unshown)
        if was == "reviewed":
            return f"Already reviewed{by}{kept}; no suggestion was pending."
        return f"Marked reviewed{kept}; no suggestion was pending."
    labels = sorted({d.value for d in decided if d.kind == "label" and d.outcome == "accepted"})
    caption = [d for d in decided if d.kind == "caption"]
    rejected = [d for d in decided if d.kind == "label" and d.outcome == "rejected"]
    # a card at or over the threshold was left out for the exclusive rule, not for its score
    clashed = [d for d in rejected if d.score is not None and d.score >= ra.ACCEPT_LABEL_SCORE]
    rejected = [d for d in rejected if d not in clashed]
    parts = []
    if caption and caption[0].outcome != "edited":
        parts.append("the suggested caption")
    if labels:
        parts.append(("label " if len(labels) == 1 else "labels ") + ", ".join(labels))
    text = f"Accepted {' and '.join(parts)}." if parts else "Accepted no suggestion."
    if caption and caption[0].outcome == "edited":
        text += " Kept the image's caption; the suggested caption is recorded as edited to it."
    if rejected:
        n = len(rejected)
        text += (f" Rejected {n} label card{'s' if n != 1 else ''} below the threshold "
                 f"(score < {ra.ACCEPT_LABEL_SCORE:g}, not the best).")
    if clashed:
        text += " " + clash_note(clashed, exclusive, now)
    if left:
        text += " " + left[:1].upper() + left[1:]
    if unshown:
        text += " " + unshown_note(unshown)
    return text


def clash_note(clashed, exclusive, now) -> str:
    """Why Enter rejected label cards scoring over the threshold: an exclusive label kept
    on the image goes with no other ("Rejected label dent (0.80): ok is exclusive: no other
    label goes with it."), or the cards' own labels are exclusive and the image kept
    others ("Rejected label ok (0.70): ok is exclusive and dent was taken.")."""
    names = ", ".join(f"{d.value} ({d.score:.2f})" for d in clashed)
    head = f"Rejected {plural(len(clashed), 'label')} {names}: "
    kept = sorted(set(now) & set(exclusive))
    if kept:
        return head + f"{', '.join(kept)} {'is' if len(kept) == 1 else 'are'} exclusive: no other label goes with it."
    own = sorted({d.value for d in clashed} & set(exclusive))
    if not own:  # (the exclusive flags not known here: the rule, without names)
        return head + "an exclusive label shares no image with another."
    taken = sorted(now)
    return (head + f"{', '.join(own)} {'is' if len(own) == 1 else 'are'} exclusive"
            + (f" and {', '.join(taken)} {'was' if len(taken) == 1 else 'were'} taken." if taken else "."))


def kept_note(decided, mine, unshown: int = 0, left: str = "") -> str:
    """Enter after labels set by hand: "Kept your labels: crack; 2 label cards rejected"
    (the cards of the labels kept accepted, the others rejected: none added); every label
    taken off by hand: "Kept the image without labels, as you left it; ..." (it said "Kept
    your labels: none")."""
    caption = [d for d in decided if d.kind == "caption"]
    n = sum(1 for d in decided if d.kind == "label" and d.outcome == "rejected")
    text = "Accepted the suggested caption; kept" if caption and caption[0].outcome != "edited" else "Kept"
    text += f" your labels: {', '.join(mine)}" if mine else " the image without labels, as you left it"
    text += f"; {n} label card{'s' if n != 1 else ''} rejected." if n else "."
    if caption and caption[0].outcome == "edited":
        text += " Kept the image's caption; the suggested caption is recorded as edited to it."
    if left:
        text += " " + left[:1].upper() + left[1:]
    return text + (" " + unshown_note(unshown) if unshown else "")


#: the index's reason in a refusal is kept whole up to this many characters (the usual
#: ones, "truncated or corrupt image data (the PNG end marker is missing: the file was cut
#: short)", fit); a longer one is cut at a word, with an ellipsis
REASON_CHARS = 120


def _cut_at_word(text: str, limit: int) -> str:
    """``text``, or its words that fit in ``limit`` characters and an ellipsis: cut at its 80th
    character, "...: the file was cut short)" read "...: the file was cut)", a wrong reason."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if " " in head:
        head = head[:head.rindex(" ")]
    return head.rstrip(" ,;:(") + "\u2026"


def unreadable_refusal(name: str, status: str, why: Optional[str], head: str = "Not marked") -> str:
    """Enter, R or Delete on an image the index could not read (or whose file is missing):
    refused, with why and what to do; "Not marked" first (a narrow status bar cuts the end;
    the viewer shows the index's reason whole). A label key's refusal reads ``head`` "Not
    labelled"."""
    if status == "missing":
        what = f"{name} is missing (moved or deleted since it was indexed)"
    else:
        what = f"{name} could not be read ({_cut_at_word((why or 'unreadable').splitlines()[0], REASON_CHARS)})"
    return (f"{head}: nobody can see it. {what}. Right goes on; once the file is fixed or back, "
            "re-index (F5).")


def reject_message(decided, unshown: int = 0, was: Optional[str] = None) -> str:
    """The status-bar line after Reject (Delete): how many cards it rejected, and those it
    left pending, never shown; ``was``: the image's status before (an image already
    rejected, by a teammate or earlier: said so, "Already rejected", not "Marked rejected",
    as :func:`accept_message` says "Already reviewed"; its pending cards are still rejected)."""
    n = len(decided)
    head = "Already rejected" if was == "rejected" else "Marked rejected"
    if not n:
        return (f"{head}; no suggestion was shown: " + unshown_note(unshown) if unshown else
                f"{head}; no suggestion was pending.")
    text = f"{head}; rejected {n} suggestion{'s' if n != 1 else ''}."
    return text + (" " + unshown_note(unshown) if unshown else "")


def reviewed_message(pending: int) -> str:
    """The status-bar line after R (mark reviewed): it decides no card; those on the image
    stay pending, and it says how many."""
    if not pending:
        return "Marked reviewed."
    return f"Marked reviewed; {pending} {plural(pending, 'suggestion')} left pending."


def card_message(res) -> str:
    """The status-bar line after one card's Accept, Reject or saved edit (``res``: the
    ``core.review_actions.ActionResult``): what it decided, on which image, and that the
    image keeps its status (Enter or R marks it reviewed). The previous Enter's line
    stayed up, as if about this card."""
    (d,) = res.decided[:1] or (None,)
    if d is None:
        return ""
    what = {"caption": "the suggested caption", "answer": "the answer"}.get(d.kind, f"label {d.value}")
    on = f" on {visible_name(res.record.relpath)}"
    if d.outcome == "rejected":
        text = f"Rejected {what}{on}."
    elif d.kind == "answer":
        text = f"Kept the answer as a note{on}."
    elif d.outcome == "edited" and d.final_value != d.value:
        edit = f"label {d.final_value}" if d.kind == "label" else f"\u201c{d.final_value}\u201d"
        text = f"Accepted {what}{on}, edited to {edit}."
    else:
        text = f"Accepted {what}{on}."
    off = taken_off_line(d.final_value, res.before.get("labels") or (), res.after.get("labels") or ()) \
        if d.kind == "label" and d.outcome != "rejected" and d.final_value else ""
    if off:  # an exclusive label's card, or a card of another label on an exclusive one
        text += f" {off[:1].upper()}{off[1:]}."
    if d.kind != "answer" and res.after.get("review_status") not in ("reviewed", "rejected"):
        text += " The image is still to review: Enter or R marks it reviewed."
    return text + " Undo takes it back."


def caption_message(res, over: Optional[tuple] = None) -> str:
    """The status-bar line after a caption edit (F2, Ctrl+Enter) committed: the previous
    line stayed up, so a saved caption looked as if nothing had happened. ``over``: (who,
    when) of a teammate's caption this one replaced, after a save refused over it (moving
    on saved the reviewer's text over theirs with only "Caption saved")."""
    where = visible_name(res.record.relpath)
    if not res.changed:
        return f"Caption unchanged ({where})."
    done = "saved" if res.record.caption else "cleared"
    if over is not None:
        who, at = over
        return (f"Caption {done} over {who or 'someone'}'s{f' ({at})' if at else ''} on {where}; "
                "Ctrl+Z undoes it.")
    return f"Caption {done} ({where}); Ctrl+Z undoes it."


def label_key_message(name: str, rec, before=None) -> str:
    """The status-bar line after a label key (1-9) changed the image ``rec`` (as it is now);
    ``before``: its labels before, to say what an exclusive label took off with it
    ("normal put on; nodule taken off")."""
    off = taken_off_line(name, before or (), rec.labels)
    if off:
        return f"{off} ({visible_name(rec.relpath)})."
    on = name in rec.labels
    return f"{'Added' if on else 'Removed'} label {name} {'to' if on else 'from'} {visible_name(rec.relpath)}."
