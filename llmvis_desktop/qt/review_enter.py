"""Enter (Accept and next) and whose labels it keeps: the :class:`ReviewEnter` mixin of
:class:`~.review_controller.ReviewController`.

A reviewer who set the image's labels by hand on this visit (a label key 1-9, a label
chip, a label card's Accept or edit, ``set_labels``) has decided them: Enter then
confirms THEIR labels (``core.review_actions.accept(mine=True)``: the label cards of the
labels the image has are accepted, the others rejected, no label added). It took the
labeler's "ok" at 0.54 next to the crack just set with 3 (/tmp/hunt-huser4: 17 images of
a day, and the evaluation then credited the labeler with what Enter itself put there).

A visit: the time the reviewer's selection stays on one image. It begins when the
selection comes to the image (arrows, a click, N, Enter moving on), and goes on when an
Undo or Redo brings the reviewer back to it (the visit of the step's own action: Enter
undone, the labels set before it still count). A hand-set label counts while its action
is done (on the undo stack, or on its way to the database): undone, it no longer counts.
A label set and removed again by hand counts (the reviewer took it off: Enter does not
bring it back with the labeler's guesses).

It uses the host's ``project``, ``actor``, ``current``, ``undo_stack``, ``_writer``,
``message``, ``_flush``, ``_target``, ``_cards_shown``, ``_shown``, ``shown_kinds`` and
``_act_and_next``.
"""
from __future__ import annotations

from typing import Callable, Optional

from ..core import review_actions as ra
from ..core.wording import visible_name
from .review_messages import accept_message, marked_by, pending_ids, unreadable_refusal

#: visits further back than this are not looked for on the undo stack (writes still in
#: flight from earlier images land with their own, older, visit)
_LOOK_BACK = 64


class ReviewEnter:
    #: the host window's answer to "why could the viewer not show this image id?" (its
    #: reason), None when it showed it, or has not tried yet
    unshown: Optional[Callable[[int], Optional[str]]] = None
    #: the exclusive labels' names (the label panel's, set by the panel controller)
    exclusive_labels: Optional[Callable[[], frozenset]] = None
    _visits = 0  # visits begun so far (the id of the latest)
    _visit = 0  # the current visit's id
    _visit_image: Optional[int] = None
    _resume: Optional[tuple] = None  # (image id, visit) an undo/redo step is taking the reviewer back to

    def _visit_at(self, image_id: Optional[int]) -> None:
        """The selection is on ``image_id`` now (the grid's current image changed)."""
        if image_id == self._visit_image:
            return
        resume, self._resume = self._resume, None
        if resume is not None and resume[0] == image_id and resume[1] is not None:
            self._visit = resume[1]
        else:
            self._visits += 1
            self._visit = self._visits
        self._visit_image = image_id

    def _resuming(self, image_id: int, visit: Optional[int]) -> None:
        """An undo/redo step is about to select ``image_id``: its visit goes on."""
        self._resume = (image_id, visit)

    def _tag(self, holder, hand: bool = False) -> None:
        """Mark a write's ``extra`` (or a command) with the current visit and whether it
        sets labels by hand."""
        tags = {"visit": self._visit, "hand": hand}
        if isinstance(getattr(holder, "extra", None), dict):
            holder.extra.update(tags)
        else:
            holder.visit, holder.hand = self._visit, hand

    def hand_set_labels(self, image_id: int) -> bool:
        """Whether the reviewer set ``image_id``'s labels by hand on this visit (an action of
        it done: on the undo stack below its index, or being written)."""
        visit = self._visit
        if self._visit_image != image_id:
            return False
        for w in self._writer.in_flight():
            if (w.image_id == image_id and w.extra.get("hand") and w.extra.get("visit") == visit
                    and not (w.done.is_set() and w.error is not None)):
                return True
        stack = self.undo_stack
        for i in range(stack.index() - 1, -1, -1):
            cmd = stack.command(i)
            v = getattr(cmd, "visit", None)
            if v is not None and v < visit - _LOOK_BACK:
                break
            if v == visit and getattr(cmd, "hand", False) and cmd.image_id == image_id:
                return True
        return False

    def accept(self) -> None:
        """Accept the pending suggestions (best caption; the label cards scoring >= 0.5,
        or else the best one, the others rejected; with labels set by hand on this visit,
        the cards of those labels, the others rejected), mark reviewed, next; the status
        bar says what was accepted and how many label cards were rejected.
        A caption the image has (one just typed) is kept (``core.review_actions.accept``).
        A card on screen no longer pending (a job replaced it, a teammate decided it)
        refuses it: nothing changes, the reviewer is told and shown the cards afresh. An
        image the index could not read (or missing) is refused: nobody saw it."""
        image_id = self._decision_target()
        if image_id is None:
            return
        shown = self._shown(image_id)
        kinds = self.shown_kinds(image_id) if shown is not None and self.shown_kinds is not None else {}
        mine = self.hand_set_labels(image_id)
        # the exclusive labels as the chips show them (why a well-scored card was rejected)
        exclusive = self.exclusive_labels() if self.exclusive_labels is not None else ()

        def say(res) -> str:
            unshown = len(pending_ids(res, shown)) if shown is not None else 0
            left = [kinds.get(sid, "other") for sid in pending_ids(res) & shown] if shown is not None else []
            return accept_message(res.decided, unshown, res.before.get("review_status"), left,
                                  mine=tuple(res.after.get("labels") or ()) if mine else None,
                                  exclusive=exclusive, now=tuple(res.after.get("labels") or ()),
                                  by=marked_by(res.status_kept_by, actor))

        project, actor = self.project, self.actor()  # (asked here, never on the writer's thread)
        seen = self._seen_status(image_id)
        # the labels shown: marked reviewed with a teammate's other labels, unseen, is refused
        rec = self._shown_record(image_id)
        seen_labels = ra.UNCHECKED if rec is None else tuple(rec.labels)
        self._act_and_next("Accept", image_id,
                           lambda: ra.accept(project, image_id, actor, shown=shown, mine=mine, seen=seen,
                                             seen_labels=seen_labels), say)

    def _decision_target(self) -> Optional[int]:
        """The image Enter or Delete decides, once a caption being typed was saved; None
        when there is none, or it is refused and said (unreadable, cards not yet shown)."""
        if not self._flush():
            return None
        image_id = self._target()
        if image_id is None or self._refuse_unreadable() or not self._cards_shown(image_id):
            return None
        return image_id

    def _refuse_unreadable(self, head: str = "Not marked") -> bool:
        """Enter, R or Delete (or a label key adding a label: ``head`` "Not labelled") on an
        image the index could not read, or whose file is
        missing, or that the viewer could not show: refused and said (True). Nobody could
        see it: marked reviewed it was counted "error" by the status bar and ``llmvis
        info`` and "reviewed" by ``llmvis evaluate``. The viewer's own failure counts as
        the index's: a compressed DICOM no installed decoder reads is indexed from its
        tags ("new"), yet its pixels cannot be shown; Enter marked it reviewed, unseen."""
        rec = self.current
        if rec is None:
            return False
        if rec.status in ("error", "missing"):
            self.message.emit(unreadable_refusal(visible_name(rec.relpath), rec.status, rec.error, head))
            return True
        why = self.unshown(rec.id) if self.unshown is not None else None
        if why is None:
            return False
        self.message.emit(unreadable_refusal(visible_name(rec.relpath), "error", why, head))
        return True
