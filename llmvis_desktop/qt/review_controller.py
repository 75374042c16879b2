"""The keyboard review flow and its undo stack.

Every review action is ONE committed core transaction that writes its history
events and returns the image's snapshots before and after plus its new record
(``core.review_actions``: accept = decide the pending suggestions + set the status,
in one commit); the controller then pushes an already-done :class:`StateCommand`
holding both snapshots and updates just that grid row from the returned record (no
re-read). Undo/redo write the snapshot back with ``review_actions.apply_state``
(history actions ``undo:...``/``redo:...``), so the audit trail records them too.
The undo stack only moves once the database write has succeeded: a locked or
unreachable database leaves stack and database in step and tells the user. The
command and the undo/redo steps are in :mod:`.review_undo` (the
:class:`~.review_undo.ReviewUndo` mixin); each reviewer's saved place, in
:mod:`.review_position` (the :class:`~.review_position.ReviewPosition` mixin); N, in
:mod:`.review_next` (the :class:`~.review_next.NextUnreviewed` mixin); moving between images,
in :mod:`.review_navigation` (:class:`~.review_navigation.ReviewNavigation`); the label
keys and chips, in :mod:`.review_labels` (:class:`~.review_labels.ReviewLabels`). The review
keys (Enter, Delete, R, 1-9, a caption, Undo/Redo) write on the serial review writer's
thread, the window going on meanwhile (:mod:`.review_writes`, the
:class:`~.review_writes.ReviewWrites` mixin), and so do a card's decision and a kept
note (:meth:`ReviewController._card`).

Keys (window-wide actions, see :meth:`ReviewController.actions`): Right/J next,
Left/K previous, N next unreviewed, Return accept (+ pending suggestions: best caption, labels >= 0.5 or the best) and next,
Delete reject and next, R mark reviewed, S skip, F2/E edit caption, 1-9 add or remove a
label, Ctrl+Z / Ctrl+Shift+Z undo / redo.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable, Optional

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack

from ..core import review_actions as ra
from ..core.store.engine import Busy
from ..core.store.waited import noted_waits
from ..core.store.records import ImageRecord, counted_as
from ..core.store.writable import DatabaseReadOnly
from ..core.tasks import FOREGROUND
from .db_messages import describe_db_error
from .review_enter import ReviewEnter
from .review_labels import ReviewLabels
from .review_messages import (caption_message, card_message, pending_ids, reject_message,
                              reviewed_message)
from .review_navigation import ReviewNavigation
from .review_next import NextUnreviewed
from .review_position import ReviewPosition
from .review_undo import ReviewUndo, StateCommand
from .review_writes import ReviewWrites
from .style import badge_of, badge_status
from .workers import ACTION_HOLD_S, LatestOnly, foreground

log = logging.getLogger(__name__)

#: the undo list keeps this many steps, the latest (a reviewer takes back the last few, not
#: an hour's work): with no limit every key of an hours-long session held its snapshots
#: for good (837 steps after 2000 keys, growing with each one)
UNDO_LIMIT = 500


class ActionFailed(Exception):
    """A database write failed; the message is for people."""


class ReviewController(ReviewNavigation, ReviewEnter, ReviewLabels, NextUnreviewed, ReviewPosition, ReviewUndo,
                       ReviewWrites, QObject):
    current_changed = Signal(object)  # ImageRecord | None
    record_changed = Signal(object)  # ImageRecord after an action (current or not)
    labels_moved = Signal(object)  # {label: +1/-1}: a committed action's change of the usage counts
    #: (the write's seq or None, old status, new status): a committed action moved its image's status
    status_moved = Signal(object, str, str)
    writes_ended = Signal()  # the review writes in flight have all been taken (none left)
    writes_left = Signal(int)  # a write's result taken: how many are still in flight
    error = Signal(str)
    message = Signal(str)
    edit_caption_requested = Signal()

    def __init__(self, grid, model, actor: Callable[[], str], parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.model = model
        self.actor = actor
        self.project = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)  # (only while empty: here, before any push)
        self.current: Optional[ImageRecord] = None
        self._changes: dict = {}  # image id -> (record, own, status moved): see change_of
        # image id -> (who, when, their caption) of a caption save refused over a teammate's:
        # the save that then goes over theirs says so (caption_message)
        self._caption_clashes: dict[int, tuple] = {}
        # the label panel's key map when there is one (name_for_key("1") -> name)
        self.label_for_key: Optional[Callable[[str], Optional[str]]] = None
        self._save_timer = QTimer(self, singleShot=True, interval=self.POSITION_SAVE_MS)
        self._save_timer.timeout.connect(self.save_position)
        self._position_saver = LatestOnly(self)
        self._init_next()  # N's read of the statuses: off the GUI thread
        self._init_writes()  # Enter's and Delete's writes: off the GUI thread, one after the other
        self._actions: dict[str, QAction] = {}
        self._make_actions()
        self._init_navigation()  # Right/Left and a click: the record held (review_navigation)

    # --- setup ------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.stop_writes()  # the reviews in flight are committed to the project they belong to
        self.save_position(wait=True)  # written before the project it belongs to closes
        self.project = project
        self.undo_stack.clear()
        self._caption_clashes.clear()
        self.current = None

    def _make_actions(self) -> None:
        def act(key: str, text: str, shortcuts, slot) -> QAction:
            a = QAction(text, self)
            a.setShortcuts([QKeySequence(s) for s in shortcuts])
            a.triggered.connect(foreground(slot))
            self._actions[key] = a
            return a

        act("next", "Next image", ["Right", "J"], self.next)
        act("prev", "Previous image", ["Left", "K"], self.prev)
        act("next_unreviewed", "Next unreviewed", ["N"], self.next_unreviewed)
        act("accept", "Accept and next", ["Return", "Enter"], self.accept)
        act("reject", "Reject and next", ["Delete"], self.reject)
        act("mark_reviewed", "Mark reviewed", ["R"], self.mark_reviewed)
        act("skip", "Skip", ["S"], self.skip)
        act("edit_caption", "Edit caption", ["F2", "E"], self.edit_caption_requested.emit)
        for n in range(1, 10):
            act(f"label_{n}", f"Toggle label {n}", [str(n)], lambda _=False, n=n: self.toggle_label_key(n))
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts([QKeySequence.StandardKey.Undo])
        undo.triggered.disconnect()
        undo.triggered.connect(self.undo)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.triggered.disconnect()
        redo.triggered.connect(self.redo)
        self._actions["undo"] = undo
        self._actions["redo"] = redo

    def actions(self) -> dict[str, QAction]:
        return dict(self._actions)

    # --- actions --------------------------------------------------------------------
    def _target(self) -> Optional[int]:
        if self.project is None or self.current is None:
            return None
        return self.current.id

    def _do(self, text: str, image_id: int, action: Callable[[], object], moving: bool = False,
            hand: bool = False) -> bool:
        """Run one action: ONE core transaction that writes the change and its history
        and returns the snapshots and the new record (``core.review_actions``); then
        push it as an undoable command and update just that row. Run here, on the GUI
        thread, after the writes in flight (:mod:`.review_writes`): it lands after them."""
        self.wait_writes()
        try:
            with noted_waits():  # a teammate's lock: refused after 1.5 s, not a frozen window for 15
                res = action()
        except Exception as exc:
            self._report(exc)
            try:
                self._refresh(image_id)
            except Exception:  # the database is still unreachable: one message is enough
                log.warning("image %s not re-read after a failed action", image_id, exc_info=True)
            return False
        self._moved(res)
        if res.changed:
            cmd = StateCommand(self, image_id, res.before, res.after, text)
            cmd.moves_on = moving  # Accept/Reject went on to the next image: a redo does too
            self._tag(cmd, hand)
            self.undo_stack.push(cmd)
        self._show_record(res.record, show=not moving)
        return True

    def set_caption(self, text: Optional[str], image_id: Optional[int] = None,
                    on_failed: Optional[Callable[[], None]] = None) -> bool:
        """Store the caption, on the review writer (shown at once); ``on_failed()``: when the
        database refused it (the caption editor puts the text back, unsaved). False: refused
        at once."""
        image_id = image_id if image_id is not None else self._target()
        if image_id is None:
            return False
        text = (text or "").strip() or None
        project, actor = self.project, self.actor()
        rec = self._shown_record(image_id)
        # what the screen showed: a teammate's status or other caption since refuses it, the
        # text kept in the editor, unsaved, their caption under it (caption_editor.keep_unsaved)
        seen = {} if rec is None else dict(seen=rec.review_status, seen_caption=rec.caption)

        clashes = self._caption_clashes
        clash = clashes.pop(image_id, None)
        # theirs still what the screen shows: this save goes over it, and says so
        over = clash[:2] if clash is not None and rec is not None and (rec.caption or None) == clash[2] \
            and text != clash[2] else None

        def action():
            try:
                return ra.set_caption(project, image_id, text, actor, **seen)
            except ra.CaptionChanged as exc:
                clashes[image_id] = (exc.who, exc.at, exc.theirs or None)
                exc.args = (f"{exc} Your text stays in the caption box, unsaved: Ctrl+Enter saves it over "
                            "theirs, Esc shows theirs.",)
                raise

        return self._write_here("Edit caption", image_id, action,
                                shown=None if rec is None else replace(rec, caption=text), on_failed=on_failed,
                                say=lambda res: caption_message(res, over))

    def _shown_record(self, image_id: int) -> Optional[ImageRecord]:
        return self.current if self.current is not None and self.current.id == image_id \
            else self.model.record(image_id)

    def _seen_status(self, image_id: int) -> Optional[str]:  # (a teammate's status since refuses Enter, Delete)
        return getattr(self._shown_record(image_id), "review_status", None)

    def set_status(self, status: str, image_id: Optional[int] = None,
                   on_result: Optional[Callable[[object], None]] = None) -> bool:
        """Mark the image ``status``, on the review writer (shown at once); ``on_result(result)``
        once committed."""
        image_id = image_id if image_id is not None else self._target()
        if image_id is None:
            return False
        project, actor = self.project, self.actor()
        rec = self._shown_record(image_id)
        seen = None if rec is None else rec.review_status  # (a teammate's status since refuses it)
        return self._write_here(f"Mark {status}", image_id,
                                lambda: ra.set_status(project, image_id, status, actor, seen=seen),
                                shown=None if rec is None else replace(rec, status=status, review_status=status),
                                on_result=on_result)

    def mark_reviewed(self) -> None:
        """R: the status only; the cards stay pending, and the status bar says how many (said
        every time: the line left by the previous image's Enter otherwise read as if it
        were about this one)."""
        if self._refuse_unreadable():
            return
        self.set_status("reviewed", on_result=lambda res: self.message.emit(reviewed_message(len(pending_ids(res)))))

    def decide_suggestion(self, suggestion_id: int, outcome: str, final_value: Optional[str] = None,
                          image_id: Optional[int] = None, text: Optional[str] = None,
                          on_failed: Optional[Callable[[], None]] = None,
                          on_saving: Optional[Callable[[], None]] = None) -> bool:
        """Decide one suggestion of ``image_id`` (default: the current one), undoably, on the
        review writer (:meth:`_card`); ``text`` names the step. True: written, or on its way
        (``on_saving()`` then: the card shown decided at once); ``on_failed()``: refused."""
        image_id = image_id if image_id is not None else self._target()
        if image_id is None or self.project is None:
            return False
        text = text or f"{dict(accepted='Accept', rejected='Reject').get(outcome, 'Edit')} suggestion"
        project, actor = self.project, self.actor()  # (asked here, never on the writer's thread)
        hand = outcome != "rejected" and self.shown_kinds is not None \
            and self.shown_kinds(image_id).get(suggestion_id) == "label"  # a label set by hand
        rec = self._shown_record(image_id)  # (what it showed: a teammate's status or caption since refuses it)
        seen = {} if rec is None else dict(seen=rec.review_status, seen_caption=rec.caption)
        return self._card(text, image_id, lambda: ra.decide_suggestion(
            project, image_id, suggestion_id, outcome, actor, final_value, **seen), on_failed=on_failed,
            on_saving=on_saving, hand=hand)

    def keep_note(self, item, text: str, on_kept: Optional[Callable[[Optional[int]], None]] = None,
                  on_failed: Optional[Callable[[], None]] = None) -> bool:
        """Store an answer (a NewSuggestion) as a note on its image, undoably (undo withdraws
        it), on the review writer: ``on_kept(note id)`` once committed (at once on a local
        database), ``on_failed()`` when refused. True: kept, or on its way."""
        if self.project is None:
            return False
        project, actor = self.project, self.actor()

        def kept(res) -> None:
            if on_kept is not None:
                on_kept(res.decided[0].id if res.decided else None)

        return self._card(text, item.image_id, lambda: ra.keep_note(project, item, actor),
                          on_result=kept, on_failed=on_failed)

    def _card(self, text: str, image_id: int, action, on_result=None, on_failed=None, on_saving=None,
              hand: bool = False) -> bool:
        """One card's decision or a kept note: written on the review writer after the writes
        in flight (:meth:`~.review_writes.ReviewWrites._write_here`), said on the status bar
        once committed (the previous line stayed up), the image named when it came later."""
        if self.project is None:
            return False
        return self._write_here(text, image_id, action, on_result=on_result, on_failed=on_failed,
                                say=card_message, on_saving=on_saving, hand=hand)

    def reject(self) -> None:
        """Reject the pending suggestions, mark the image rejected, next (refused as
        :meth:`accept` is)."""
        image_id = self._decision_target()
        if image_id is None:
            return
        shown = self._shown(image_id)

        def say(res) -> str:
            return reject_message(res.decided, len(pending_ids(res, shown)) if shown is not None else 0,
                                  res.before.get("review_status"))

        project, actor, seen = self.project, self.actor(), self._seen_status(image_id)
        self._act_and_next("Reject", image_id, lambda: ra.reject(project, image_id, actor, shown=shown, seen=seen),
                           say)

    #: image id -> the ids of the suggestion cards on screen for it, or None (no panel):
    #: set by the window; Accept and Reject decide only those (another reviewer's job may
    #: have added suggestions a moment ago, never seen)
    shown_suggestions: Optional[Callable[[int], Optional[set]]] = None
    #: image id -> {suggestion id: kind} of those cards (set by the window: Accept says which it left)
    shown_kinds: Optional[Callable[[int], dict]] = None

    #: image id -> whether its cards are on screen, waiting for them while they are read
    #: (set by the window): Enter pressed as they loaded decided none of them, unseen
    cards_ready: Optional[Callable[[int], bool]] = None

    def _cards_shown(self, image_id: int) -> bool:
        """Wait for the cards of ``image_id`` being read; False (said) when they did not come."""
        if self.cards_ready is None or self.cards_ready(image_id):
            return True
        self.error.emit("The suggestions of this image are still being read from the database (it is slow to "
                        "answer); nothing was changed. Try again once they are shown.")
        return False

    def _shown(self, image_id: int) -> Optional[set]:
        return self.shown_suggestions(image_id) if self.shown_suggestions is not None else None

    #: set by the window: saves what is being typed (the caption editor, a suggestion
    #: card's edit) before Accept, Reject, Undo or Redo act on the database; False when
    #: something typed could not be saved (kept on screen, unsaved): the action waits
    before_action: Optional[Callable[[], Optional[bool]]] = None

    def _flush(self) -> bool:
        if self.before_action is not None:
            return self.before_action() is not False
        return True

    # --- helpers ----------------------------------------------------------------------
    def _has_next(self) -> bool:
        return self._current_row() + 1 < self.model.rowCount()

    #: set by the window: read these images again off the GUI thread and show them when
    #: the read lands (:class:`~.image_reads.ImageReads`); None: read here
    reread: Optional[Callable[[list], None]] = None

    def show_from_database(self, image_id: int) -> None:
        """Someone else changed this image (or a write of it was refused): read it again
        and show it, off the GUI thread when the window gave :attr:`reread`."""
        if self.reread is not None:
            self.reread([image_id])
        else:
            self._refresh(image_id)

    def show_fetched(self, rec: ImageRecord) -> None:
        """Someone else changed this image: show ``rec`` as read off the GUI thread (the
        team watch), with no read here."""
        self._show_record(rec)

    def _refresh(self, image_id: int, show: bool = True) -> None:
        """Re-read one image from the database here, on the GUI thread, and show it (tests;
        the window reads off the GUI thread: :meth:`show_from_database`)."""
        self.model.refresh_ids([image_id])
        rec = self.model.record(image_id)
        if rec is None:
            try:
                rec = self.project.image(image_id)
            except Exception:
                return
        self._show_record(rec, show)

    def _moved(self, res, seq: Optional[int] = None) -> None:
        """A committed action's result: the label chips' counts move with it (no read): +1
        a label it put on the image, -1 one it took off (its own transaction's snapshots);
        and the status bar's counts, when it moved the image's status (``seq``: the review
        writer's number of the write; None, written on the GUI thread)."""
        was, now = set(res.before.get("labels") or ()), set(res.after.get("labels") or ())
        moves = {**{n: 1 for n in now - was}, **{n: -1 for n in was - now}}
        self._result = res.record  # (shown next: this window's own change, see change_of)
        if moves:
            self.labels_moved.emit(moves)
        old, rec = getattr(res, "status_before", None), res.record
        if old is not None and rec is not None:
            # an unreviewed repair output is counted apart from new and suggested; a new
            # (suggested) image labelled with no Enter apart too (the tiles' N+, S+)
            made = getattr(rec, "repair_output", False)
            was = badge_status(counted_as(old, made), res.before.get("labels"), res.before.get("caption"))
            now = badge_status(counted_as(rec.status, made), rec.labels, getattr(rec, "caption", None))
            if was != now:
                self.status_moved.emit(seq, was, now)

    _result: Optional[ImageRecord] = None  # the record the last committed write returned

    def change_of(self, rec) -> tuple[bool, bool]:
        """(own, status moved) of ``rec`` as :attr:`record_changed` announced it: ``own``,
        this window's write returned it (or it is the write's record shown at once), so the
        label chips' counts moved with the result and need no re-read; ``status moved``, its
        status differs from the row's before (the status-bar counts are read again only
        then). Unknown (someone else's change): (False, True)."""
        seen = self._changes.get(getattr(rec, "id", None))
        return seen[1:3] if seen is not None and seen[0] is rec else (False, True)

    def shown_early(self, rec) -> bool:
        """``rec`` is the record this window's write will leave, shown before the write
        committed: the commit's own record follows (or, refused, the image as read again),
        so what the panels would read for it now (its cards, its trail) is read then."""
        seen = self._changes.get(getattr(rec, "id", None))
        return seen is not None and seen[0] is rec and seen[3]

    def _show_record(self, rec: ImageRecord, show: bool = True, own: bool = False) -> None:
        """An action returned this record: update its grid row (no read) and the panels.
        ``own``: the record as this window's write will leave it, shown at once."""
        held = self.current if self.current is not None and self.current.id == rec.id \
            else self.model.held_record(rec.id)
        changes = self._changes
        changes.pop(rec.id, None)
        changes[rec.id] = (rec, own or rec is self._result, held is None or badge_of(held) != badge_of(rec), own)
        if len(changes) > 32:  # (announced at once, or after the move: a few are enough)
            changes.pop(next(iter(changes)))
        self.model.update_records([rec])
        image_id = rec.id
        if self.current is not None and self.current.id == image_id:
            self.current = rec
            if show:  # not when the flow moves on at once: the next image is shown instead
                self.current_changed.emit(rec)
        if not show and self._moving:
            # accept/reject and next: announce it once the grid has moved on, so the
            # panels do not rebuild for the image being left (they show the next one)
            self._deferred.append(rec)
            return
        self.record_changed.emit(rec)

    _moving = False

    def _act_and_next(self, text: str, image_id: int, action, say: Callable[[object], str]) -> None:
        """``action`` (Accept, Reject) on the review writer, then the next row; ``say(result)``:
        the status bar's line, with the end of the list said on the last row (it stays there)."""
        with FOREGROUND.action(ACTION_HOLD_S):  # the repaint of the next image follows
            self._write_and_next(text, image_id, action, say)

    def _report(self, exc: BaseException, prefix: str = "") -> None:
        from sqlalchemy.exc import OperationalError

        from ..core.store.repo_review import LabelNotInList
        from ..core.store.repo_suggest import NotPending

        if isinstance(exc, OperationalError):
            msg = describe_db_error(exc)
        else:
            msg = f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
        if isinstance(exc, (OperationalError, NotPending, LabelNotInList, DatabaseReadOnly, Busy)):
            # expected (a card decided or withdrawn meanwhile, a locked database): one
            # line; the traceback only at debug level
            log.warning("review action refused: %s", msg)
            log.debug("review action refused", exc_info=exc)
        else:
            log.warning("review action failed: %s", msg, exc_info=exc)
        self.error.emit(prefix + msg)
