"""The review controller's undo stack: :class:`StateCommand`, one already-applied change
of one image, and the :class:`ReviewUndo` mixin that moves the stack only once the
database write has succeeded (Ctrl+Z / Ctrl+Shift+Z).

Undo/redo write a snapshot back with ``review_actions.apply_state`` (history actions
``undo:...``/``redo:...``), taking back only what the action changed: what someone else
changed since stays, and the reviewer is told. A step refused whole (a teammate decided
the image since: ``DecidedSince``) stays on the stack to be tried again; refused again at
once, it is taken off (:meth:`ReviewUndo._refused_step`). :class:`ReviewUndo` is a mixin of
:class:`~.review_controller.ReviewController`: it uses the host's ``project``,
``actor``, ``undo_stack``, ``model``, ``grid``, ``current``, ``message``, and its
``_flush``, ``_report``, ``_show_record``, ``_has_next`` and ``next``. A :class:`StateCommand`'s
undo or redo is written on the review writer's thread (:mod:`.review_writes`) and the
stack moves when it has committed (:meth:`ReviewUndo._step_done`). Another command on
the stack has ``image_id`` too, and ``step_write`` / ``step_done`` (an accepted repair:
:class:`~.repair_undo.RepairCommand`): its step is written on the review writer's
thread as well, and the stack moves when its ``step_done`` says so.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtGui import QUndoCommand

from ..core import review_actions as ra
from ..core.store.waited import noted_waits
from ..core.wording import visible_name
from .review_writer import ReviewWrite

log = logging.getLogger(__name__)


class StateCommand(QUndoCommand):
    """An already-applied change of one image: undo/redo write a snapshot back."""

    def __init__(self, ctl: "ReviewUndo", image_id: int, before: dict, after: dict,
                 text: str) -> None:
        super().__init__(text)
        self.ctl = ctl
        self.image_id = image_id
        self.before = before
        self.after = after
        self.applied_by_controller = True  # the first redo (on push) does nothing
        self.moves_on = False  # set for Accept/Reject, which went on to the next image

    def redo(self) -> None:
        if self.applied_by_controller:
            self.applied_by_controller = False
            return
        self.write(undo=False)

    def undo(self) -> None:
        self.write(undo=True)

    def write(self, undo: bool) -> None:
        """Take the change back (``undo``) or make it again, against the image as it is now."""
        if undo:
            self.ctl._write_state(self.image_id, self.before, "undo", expect=self.after)
        else:
            self.ctl._write_state(self.image_id, self.after, "redo", expect=self.before)


class ReviewUndo:
    """Undo and redo of the review controller (see the module docstring)."""

    def undo(self) -> None:
        self._step(undo=True)

    def redo(self) -> None:
        self._step(undo=False)

    def _step(self, undo: bool) -> None:
        # a caption being typed is saved first (then it is what Undo takes back): saved
        # later, when the step selected its image, its new command deleted the one just
        # undone (a RuntimeError) and Redo was lost
        if self._step_later(undo):  # after the writes in flight, in order (review_writes)
            return
        if not self._flush():
            return
        # what the flush saved may still be on its way (a server: the window does not wait):
        # the step waits for it, then takes it back; picked now, the step took back the
        # action before it and the stack no longer matched the database
        if self._step_later(undo):
            return
        stack = self.undo_stack
        if not (stack.canUndo() if undo else stack.canRedo()):
            return
        cmd = stack.command(stack.index() - 1 if undo else stack.index())
        text, image_id = cmd.text(), cmd.image_id
        self._note = ""
        if isinstance(cmd, StateCommand):  # on the review writer's thread (review_writes)
            state, expect, prefix = (cmd.before, cmd.after, "undo") if undo else (cmd.after, cmd.before, "redo")
            project, actor = self.project, self.actor()
            write = ReviewWrite(text, image_id, lambda: ra.apply_state(
                project, image_id, state, actor, prefix, expect=expect), kind=prefix)
            write.extra["cmd"] = cmd
            rec = self.model.record(image_id)
            write.name = visible_name(rec.relpath) if rec is not None else f"image {image_id}"
            self._submit_step(write)
            return
        step_write = getattr(cmd, "step_write", None)
        if step_write is not None:  # a command that writes its own step (a repair): on the writer too
            write = step_write(undo)  # (GUI thread: what it asks, then the write; None: nothing to do)
            if write is None:
                return
            write.extra["cmd"] = cmd
            self._submit_step(write)
            return
        try:
            cmd.write(undo)
        except Exception as exc:
            self._report(exc)  # the stack did not move: it still matches the database
            return
        self._stepped(cmd, undo)

    def _step_done(self, write) -> None:
        """(GUI thread, in order) An undo or redo written by the review writer: move the stack."""
        undo, cmd = write.kind == "undo", write.extra["cmd"]
        step_done = getattr(cmd, "step_done", None)
        if step_done is not None:  # its own step (a repair): it says what happened, and whether to move
            line = step_done(write)
            if line is not None and self._stack_at(cmd, undo, write):
                self._stepped(cmd, undo, line)
            return
        if isinstance(write.error, ra.DecidedSince):
            self._refused_step(cmd, undo, write)
            return
        if write.error is not None:  # the stack did not move: it still matches the database
            self._report(write.error, prefix=f"{write.name}: not {'undone' if undo else 'redone'} — "
                         if write.moved else "")
            return
        if not self._stack_at(cmd, undo, write):
            return
        self._note = ""
        self._said_state(write.result, write.kind, write.seq)
        self._stepped(cmd, undo)

    def _refused_step(self, cmd, undo: bool, write) -> None:
        """An undo (redo) refused whole: a teammate marked the image since (``write.error``,
        :class:`~..core.review_actions.DecidedSince`); nothing was written. The command stays
        where it is on the stack: the next Ctrl+Z (Ctrl+Shift+Z) tries it again, and it goes
        through once the teammate's decision is gone (they undid it, or marked the image as the
        action left it). Taken off at the first refusal, it could never be retried.

        Kept on top, though, it blocks the steps under it. So the same step refused again at
        once (the stack not moved nor added to since, the same teammate's same decision, made
        at the same time: one they took back and made again is new, and keeps the step) is
        taken off (Qt deletes an obsolete command as the stack steps over it): a second Ctrl+Z
        reaches the step before. Sound either way: a step writes back only what its action
        changed, against the image as it is now (``apply_state`` with ``expect``), so a step
        taken later, or one under it taken first, goes over nobody's change.

        The reviewer is told which, and the image is shown as the database has it."""
        step, text, image_id = "undone" if undo else "redone", cmd.text(), cmd.image_id
        name = write.name or f"image {image_id}"
        err, stack = write.error, self.undo_stack
        keys = "Ctrl+Z" if undo else "Ctrl+Shift+Z"
        # the teammate's decision by its time too: one re-made since (taken back, marked again)
        # is a new decision, not the one the reviewer was told of: the step stays, to be retried
        key = (undo, err.status, err.who, getattr(err, "when", None) or err.at, stack.count(), stack.index())
        again = getattr(cmd, "refused_at", None) == key
        cmd.refused_at = key
        if again and self._stack_at(cmd, undo, write):
            cmd.setObsolete(True)  # (Qt deletes an obsolete command as the stack steps over it: not used after)
            self._skip_write = True
            try:
                stack.undo() if undo else stack.redo()
            finally:
                self._skip_write = False
            kept = f"Refused again: it is taken off the undo list ({keys} now reaches the step before it)."
        else:
            kept = (f"It stays on the undo list: {keys} tries it again (it goes through once that decision is "
                    "taken back); refused again, it is taken off.")
        # who marked it what first (the status bar elides the end), the undo list last
        log.warning("%s refused: %s", text, err)
        self.error.emit(f"Not {step}: {text} ({name}) \u2014 {err} {kept}")
        row = self.model.row_of(image_id)
        if row is not None and (self.current is None or self.current.id != image_id):
            self.grid.select_row(row)  # the image it meant, shown with the teammate's decision
        try:
            self.show_from_database(image_id)
        except Exception:  # (the database unreachable now: the refusal is said already)
            pass

    def _stack_at(self, cmd, undo: bool, write) -> bool:
        """Whether ``cmd`` is the command the stack's step moves over (else said)."""
        if self.undo_stack.command(self.undo_stack.index() - 1 if undo else self.undo_stack.index()) is cmd:
            return True
        # (cannot happen: the actions pushed wait for a step in flight) said, not guessed at
        self.error.emit(f"{write.text} was {'undone' if undo else 'redone'} in the database, but the undo "
                        "list had changed meanwhile; it was not moved.")
        return False

    def _stepped(self, cmd, undo: bool, line: Optional[str] = None) -> None:
        stack, text, image_id = self.undo_stack, cmd.text(), cmd.image_id
        # the database holds the new state: move the stack without writing again
        self._skip_write = True
        try:
            stack.undo() if undo else stack.redo()
        finally:
            self._skip_write = False
        row = self.model.row_of(image_id)
        if row is not None and (self.current is None or self.current.id != image_id):
            self._resuming(image_id, getattr(cmd, "visit", None))  # back on the action's visit
            self.grid.select_row(row)
        if row is not None and not undo and getattr(cmd, "moves_on", False) and self._has_next():
            # a redone Delete (or Enter) moves on as the action did: left on the image, the
            # next Enter turned the rejection just redone into "reviewed"; an image no
            # longer listed (a filter applied again) leaves the reviewer's place alone
            self.next()
        # what the write left out (said by _write_state) stays on the status bar after this
        self.message.emit(line or ("Undone: " if undo else "Redone: ") + text + (f" ({self._note})" if self._note else ""))

    _skip_write = False
    _note = ""

    def _write_state(self, image_id: int, state: dict, prefix: str, expect: Optional[dict] = None) -> None:
        """Undo/redo: take back (or make again) only what the action changed; what someone
        else changed since on the team's database stays, and the user is told."""
        if self._skip_write:
            return
        with noted_waits():  # as every review action (review_controller._do)
            res = ra.apply_state(self.project, image_id, state, self.actor(), prefix, expect=expect)
        self._said_state(res, prefix)

    def _said_state(self, res, prefix: str, seq: Optional[int] = None) -> None:
        """An undo/redo's result: its row and panels, and what it left out, said."""
        self._moved(res, seq)
        self._show_record(res.record)
        gone = [f for f in dict.fromkeys(res.skipped) if "removed since" in f]
        others = [f for f in dict.fromkeys(res.skipped) if f not in gone]
        said = []
        if gone:  # a label removed since (by anyone): its label and cards are not brought back
            said.append(f"left out the {', '.join(gone)}")
        if others:
            said.append(f"left the {', '.join(others)} alone: changed by someone else since")
            if any(f.startswith("label ") for f in others):  # what it has now, as the chips show it
                labels = res.record.labels if res.record is not None else ()
                said.append(f"its labels now: {', '.join(labels)}" if labels else "it has no label now")
        if said:
            self._note = "; ".join(said)
            self.message.emit(f"{prefix.capitalize()}: {self._note}.")
