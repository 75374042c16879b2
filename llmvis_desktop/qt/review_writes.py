"""Review actions written off the GUI thread: the window never waits for the database.

:class:`ReviewWrites` is a mixin of :class:`~.review_controller.ReviewController` (it
uses ``project``, ``model``, ``grid``, ``current``, ``undo_stack``, ``message``,
``error`` and the controller's ``_report``, ``_refresh``, ``_show_record``, ``next``).

Enter and Delete (accept/reject and next) hand their ONE transaction to the serial
:class:`~.review_writer.ReviewWriter` and wait at most :data:`WRITE_WAIT_S` for it: a
local SQLite answers in a few ms, and the window then does exactly what it did when the
write ran on the GUI thread (a refused Enter stays on its image). A write still under
way (a team's PostgreSQL over a network: ~1.3 s) does not hold the window: the next
image is shown at once and the status bar says "Saving 1 review…". When the write
commits, its status line, its undo command and its grid row come as before; a write
refused or failed (a card a teammate decided meanwhile, a lock, the server gone) names
the image, and the reviewer is taken back to it, shown as the database has it.

A label key or chip, a caption and R stay on their image (:meth:`ReviewWrites._write_here`):
the record as the action will leave it is shown at once and replaced by the committed
one; refused, the image is shown again as the database has it and a caption typed goes
back into the editor, unsaved. Undo and Redo (:meth:`ReviewWrites._submit_step`) move
the stack once their write has committed; an action made while one is in flight waits
for it (the stack moves first).

A suggestion card's Accept, Reject or edit and a kept note ("Ask the image") are
written the same way (:meth:`~.review_controller.ReviewController._card`): the card
shows its decision at once, marked saving; the kept note's id comes to its caller's
callback when it commits.

Writes commit in the order made (one thread). An action still written on the GUI thread
(``ReviewController.set_labels``) first waits for the writes in flight
(:meth:`ReviewWrites.wait_writes`), so it lands after them; Ctrl+Z pressed while writes
are in flight is done once they have committed (undoing the last of them), and dropped
if one of them failed (it meant that one). Closing the project or the window waits for
them (:meth:`ReviewWrites.stop_writes`).
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop

from ..core.wording import visible_name
from .review_messages import LAST_ROW
from .review_undo import StateCommand
from .review_writer import ReviewWrite, ReviewWriter

log = logging.getLogger(__name__)

#: how long the window waits for a review write on a local database (SQLite: 1-20 ms)
#: before it goes on without it; None: until it ends (tests/qt set it: see their conftest)
WRITE_WAIT_S: Optional[float] = 0.05
#: the same on a database server (a team's PostgreSQL: round trips of tens of ms each)
WRITE_WAIT_SERVER_S: Optional[float] = 0.0
#: closing waits this long for the writes in flight before saying so on the status bar
CLOSE_SAY_AFTER_S = 0.5
#: and at most this long in all (a server gone away: its connection's timeout ends it sooner)
CLOSE_WAIT_S = 120.0


def saving_text(n: int) -> str:
    return f"Saving {n} review{'s' if n > 1 else ''}\u2026"


def follow_saving(bar, left: int) -> None:
    """The status bar's "Saving N reviews…" line as a write's result is taken: N as many
    as are left (a caption's write says no line of its own: the line said 2 after the first
    of two had committed), gone with the last. Another line shown meanwhile is left alone."""
    if bar.currentMessage().startswith("Saving "):
        if left:
            bar.showMessage(saving_text(left), 4000)
        else:
            bar.clearMessage()


class ReviewWrites:
    _writer: Optional[ReviewWriter] = None

    def _init_writes(self) -> None:
        self._writer = ReviewWriter(self)
        self._writer.finished.connect(self._write_finished)
        self._steps_waiting: list[bool] = []  # Ctrl+Z (True) / Ctrl+Shift+Z pressed while writes were in flight

    def _write_wait_s(self) -> Optional[float]:
        try:
            server = self.project.store.dialect != "sqlite"
        except Exception:
            server = False
        return WRITE_WAIT_SERVER_S if server else WRITE_WAIT_S

    def writes_in_flight(self) -> int:
        return len(self._writer.in_flight())

    # --- submitting --------------------------------------------------------------
    def _write_and_next(self, text: str, image_id: int, action: Callable[[], object],
                        say: Callable[[object], str]) -> None:
        """Accept / Reject (``action``, run on the writer) and the next row: waits for the
        write only :data:`WRITE_WAIT_S` (see the module docstring)."""
        if any(w.kind != "action" for w in self._writer.in_flight()):
            self.wait_writes()  # an undo in flight moves the stack first (then this is pushed)
        rec = self.model.record(image_id, wait=False)  # (its name: a window being read again is not read here)
        name = visible_name(rec.relpath) if rec is not None else f"image {image_id}"
        last = not self._has_next()
        write = ReviewWrite(text, image_id, action, name=name, moving=not last, say=say)
        write.last = last
        self._tag(write)
        self._writer.submit(write)
        if write.done.wait(self._write_wait_s()):
            self._finish_through(write)  # as when written here: moves on when it went through
            return
        write.moved = not last  # the window goes on now; the result comes later
        self._actions["undo"].setEnabled(True)  # Ctrl+Z now: done once the write commits
        if not last:
            self.next()
        self._say_saving()

    def _write_here(self, text: str, image_id: int, action: Callable[[], object], shown=None,
                    on_result: Optional[Callable[[object], None]] = None,
                    on_failed: Optional[Callable[[], None]] = None,
                    say: Optional[Callable[[object], str]] = None,
                    on_saving: Optional[Callable[[], None]] = None, hand: bool = False) -> bool:
        """A label key, a chip, a caption, R, a card's decision, a kept note (``action``, run
        on the writer): the window stays on the image and, when the write does not end
        within :data:`WRITE_WAIT_S`, shows ``shown`` (the record as the action will leave
        it) and calls ``on_saving()`` (a card shown as decided, saving) at once;
        ``on_result(result)`` when it commits (``say(result)``: its status line, the image
        named when the write came later), ``on_failed()`` when refused (after the image is
        shown again as the database has it). ``hand``: it sets labels by hand (whose labels
        Enter keeps: :mod:`.review_enter`). True: written, or on its way."""
        if any(w.kind != "action" for w in self._writer.in_flight()):
            self.wait_writes()  # an undo in flight moves the stack first (then this is pushed)
        rec = self.model.record(image_id, wait=False)  # (its name)
        name = visible_name(rec.relpath) if rec is not None else f"image {image_id}"
        write = ReviewWrite(text, image_id, action, name=name, say=say)
        write.extra.update(on_result=on_result, on_failed=on_failed, names_image=say is not None)
        self._tag(write, hand)
        if shown is not None:  # refused, the image is shown as it was at once, then as read again
            write.extra["before"] = self._shown_record(image_id)
        self._writer.submit(write)
        if write.done.wait(self._write_wait_s()):
            self._finish_through(write)
            return write.error is None
        write.moved = True
        if shown is not None:
            self._show_record(shown, own=True)  # as it will be (the commit's own record replaces it)
        if on_saving is not None:
            on_saving()
        self._say_saving()
        return True

    def _submit_step(self, write: ReviewWrite) -> None:
        """Undo / redo (``write``, see :meth:`~.review_undo.ReviewUndo._step`): the stack
        moves when it has committed; the window does not wait longer than for Enter."""
        self._writer.submit(write)
        if write.done.wait(self._write_wait_s()):
            self._finish_through(write)
            return
        write.moved = True
        self._say_saving()

    def _say_saving(self) -> None:
        n = self.writes_in_flight()
        if n:
            self.message.emit(saving_text(n))

    # --- results (GUI thread, in order) ------------------------------------------
    def _write_finished(self, write: ReviewWrite) -> None:
        self._finish_through(write)
        self._after_writes()

    def _finish_through(self, write: ReviewWrite) -> None:
        """Take the results of the writes up to ``write``, oldest first (the writer ran them
        in that order; a wait here may have taken some already)."""
        for w in self._writer.in_flight():
            if not w.done.is_set():
                break
            self._finish(w)
            if w is write:
                break

    def _finish(self, write: ReviewWrite, closing: bool = False) -> None:
        if write.handled:
            return
        write.handled = True
        if write.kind in ("undo", "redo"):
            write.extra["closing"] = closing
            self._step_done(write)
            return
        if write.error is not None:
            self._write_failed(write, closing)
            return
        res = write.result
        self._moved(res, write.seq)  # the label chips' and status bar's counts, from the write's own result
        if not write.moved:  # inline: exactly as the action written on the GUI thread
            self._moving, self._deferred = True, []
            try:
                if res.changed:
                    self._push_state(write, res)
                self._show_record(res.record, show=not write.moving)
                if write.moving:
                    self.next()
                if write.say is not None:
                    self.message.emit(write.say(res) + (" " + LAST_ROW if write.last else ""))
                if write.extra.get("on_result") is not None:
                    write.extra["on_result"](res)
            finally:
                self._moving = False
                deferred, self._deferred = self._deferred, []
                for rec in deferred:
                    self.record_changed.emit(rec)
            return
        # the window went on meanwhile: the row and, if shown again, the panels take the record
        if res.changed:
            self._push_state(write, res)
        self._show_record(res.record)
        if write.say is not None and not closing:
            left = self.writes_in_flight()
            saving = f" Saving {left} more\u2026" if left else ""
            named = write.extra.get("names_image")  # (a card's line names its image already)
            self.message.emit(f"{'' if named else write.name + ': '}{write.say(res)}{saving}")
        if write.extra.get("on_result") is not None:
            write.extra["on_result"](res)

    def _push_state(self, write: ReviewWrite, res) -> None:
        # an Enter that decided no card only marked the image reviewed: its undo said
        # "Undone: Accept" (and the Edit menu "Undo Accept"), when nothing was accepted
        text = "Mark reviewed" if write.text == "Accept" and not res.decided else write.text
        cmd = StateCommand(self, write.image_id, res.before, res.after, text)
        cmd.moves_on = write.moving  # Accept/Reject went on to the next image: a redo does too
        cmd.visit, cmd.hand = write.extra.get("visit"), write.extra.get("hand", False)
        self.undo_stack.push(cmd)

    def _write_failed(self, write: ReviewWrite, closing: bool) -> None:
        if write.moved:  # the reviewer had gone on: name the image, take them back to it
            # an undo asked meanwhile meant this action, not the one before: not done, said
            steps, self._steps_waiting = self._steps_waiting, []
            dropped = f" ({'Undo' if steps[0] else 'Redo'} pressed meanwhile: not done.)" if steps else ""
            self._report(write.error, prefix=f"{write.name} was not saved{dropped} \u2014 ")
        else:
            self._report(write.error)
        before = write.extra.get("before")
        if before is not None:  # what the window showed it would be: as it was, at once
            self._show_record(before)
        if write.moved and not closing:
            row = self.model.row_of(write.image_id)
            if row is not None and (self.current is None or self.current.id != write.image_id):
                self.grid.select_row(row)  # shown again, as the database has it
        try:  # read again: off the GUI thread once the window went on without the write (a server's
            # slow link, or one gone away, held the window here); a local write refused at once is
            # read back here (a few ms), so the next key acts on the image as it now is
            if write.moved:
                self.show_from_database(write.image_id)
            else:
                self._refresh(write.image_id)
        except Exception:  # the database is still unreachable: one message is enough
            log.warning("image %s not re-read after a failed action", write.image_id, exc_info=True)
        if write.extra.get("on_failed") is not None:
            write.extra["on_failed"]()  # (what was typed goes back on screen, unsaved)

    def _after_writes(self) -> None:
        left = self.writes_in_flight()
        self.writes_left.emit(left)  # "Saving 2 reviews…" follows (saving_line)
        if left:
            return
        self.writes_ended.emit()
        undo = self._actions["undo"]
        if not shiboken6.isValid(undo):  # the window is gone (a write's result came in as it closed)
            return
        undo.setEnabled(self.undo_stack.canUndo())  # follows the stack again
        steps, self._steps_waiting = self._steps_waiting, []
        for undo in steps:
            self._step(undo)

    # --- waiting ------------------------------------------------------------------
    def wait_writes(self, timeout_s: Optional[float] = None) -> bool:
        """Wait for the writes in flight and take their results here, in order (an action
        written on this thread lands after them; tests wait with it too). False: still
        under way after ``timeout_s``."""
        ok = self._writer.wait(timeout_s)
        for write in self._writer.in_flight():
            if not write.done.is_set():
                break
            self._finish(write)
        if ok:
            self._after_writes()
        return ok

    def _step_later(self, undo: bool) -> bool:
        """Ctrl+Z / Ctrl+Shift+Z with writes in flight: done once they commit (True)."""
        n = self.writes_in_flight()
        if not n:
            return False
        self._steps_waiting.append(undo)
        self.message.emit(f"{'Undo' if undo else 'Redo'} waits for {n} review{'s' if n > 1 else ''} "
                          "being saved\u2026")
        return True

    def stop_writes(self) -> None:
        """Closing (the project or the window): wait for the writes in flight, saying so on
        the status bar when it takes a moment; they are committed before the project closes."""
        if self._writer is None or not self._writer.in_flight():
            return
        if not self._writer.wait(CLOSE_SAY_AFTER_S):
            n = self.writes_in_flight()
            self.message.emit(f"Closing: waiting for {n} review{'s' if n > 1 else ''} being saved\u2026")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            if not self._writer.wait(CLOSE_WAIT_S):
                log.error("closing with %d review writes still under way after %.0f s: they may be lost",
                          self.writes_in_flight(), CLOSE_WAIT_S)
        self._steps_waiting.clear()
        for write in self._writer.in_flight():
            if write.done.is_set():
                self._finish(write, closing=True)
