"""The suggestion cards of the panel controller: their decisions, the edits typed in
them, and the panel's text when the image shown has no card.

:class:`SuggestionActions` is a mixin of :class:`~.panel_controller.PanelController`
(it uses ``self.win``, ``self.suggestions``, ``self.caption``, ``self.record``,
``self._caption_id``, ``self.unread``). It owns:

- wiring the panel (``_wire_suggestions``): Accept, Reject and Edit of a card become
  the review controller's ``decide_suggestion`` (``_decide``: written on the review
  writer, the card shown decided at once, "saving…", when the database takes a while),
  each undo step named after the card (``_step``); the review controller asks it which cards are on screen
  (``shown_suggestion_ids``, ``shown_suggestion_kinds``) and to save typed edits first;
- a card's typed edit: stored as edited before the reviewer moves on
  (``_flush_card_edits``), or, the card gone meanwhile, kept in the caption editor
  unsaved (``_keep_card_text``); a rejected card's typed text likewise (``_reject_card``);
- the cards of the image shown (``_show_suggestions``) and the empty panel's text
  (``_empty_text``: judged clean, no suggestion yet, unreadable, loading, plus the
  learned suggester's readiness from ``set_suggestion_hint``);
- reading them off the GUI thread (``_load_cards``, on its own
  :class:`~.workers.LatestOnly`): on a team's database 50 ms away the two reads froze
  the window ~430 ms every move. An answer within :data:`CARDS_WAIT_S` is shown at once
  (SQLite: in the same frame, as before); a slower one says "Loading suggestions…"
  (never the previous image's cards) and shows the cards when it comes, unless the
  reviewer has moved on (dropped). Enter and Delete wait for the cards of the image they
  act on (``cards_ready``), so they decide those cards, not none.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from PySide6.QtCore import QObject, Signal

from .workers import LatestInOrder, void

NO_IMAGE_TEXT = "No image selected"
#: Suggestions ▸ Go to the first suggestion card: from the grid its Accept button was 10
#: Tabs away. Free in the window, the repair dialog and the text boxes
CARDS_KEY = "Ctrl+Shift+S"
LOADING_TEXT = "Loading suggestions\u2026"

#: how long a move waits for its cards before saying "Loading suggestions…" (a local
#: database answers in 1-3 ms: the cards appear with the image, as when read right there)
CARDS_WAIT_S = 0.03
#: ... and once a read took longer than that (a team's database far away): a glance
CARDS_GLANCE_S = 0.005
#: how long Enter or Delete waits for the cards of the image they act on
CARDS_AWAIT_S = 15.0

log = logging.getLogger(__name__)


class _CardsEarly(QObject):
    cards = Signal(object)  # a move's read (``_CardsRead.later``): its cards read, its trail not yet


class _CardsRead:
    """One read of an image's cards; called on the reader's thread, waited for on the GUI's
    (``cards``: set once they are read, before the read's transaction ends: the window takes
    them a round trip sooner on a server; ``done``: the read has ended).

    ``later``: a move to another image: its trail is read in the same transaction after the
    cards (a session of its own, 120 ms later, was two round trips more on a team's
    PostgreSQL: 4 a move, now 3), unless ``wanted()`` says a newer read waits (keys held
    down: the next image's cards are not held up for a trail nobody will see); ``early``
    is told of the cards before the trail is read, so they are not shown a round trip later
    for it. The trail is shown once the reviewer pauses (the History's own timer)."""

    def __init__(self, project, image_id: int, history: bool = False, later: bool = False,
                 early=None, wanted=None) -> None:
        self.project, self.image_id = project, image_id
        self.history = history or later  # the image's trail too, in the same transaction
        self.later = later
        self._early, self._wanted = early, wanted
        self.skipped = False  # (``later``) the trail was not read: not wanted any more
        self.cards = threading.Event()
        self.done = threading.Event()
        self.took = 0.0
        self.result: tuple = ([], [], None)  # suggestions, judged, exception
        self.events: Optional[list] = None  # the trail (``history``), None when not read
        self.history_error: Optional[BaseException] = None  # the trail could not be read
        self.n = 0  # (with the trail: the how-manieth asked)

    def __call__(self) -> "_CardsRead":
        t = time.monotonic()

        def cards_read(suggestions, judged) -> Optional[bool]:
            self.result, self.took = (suggestions, judged, None), time.monotonic() - t
            self.cards.set()
            if self._early is not None:
                self._early.cards.emit(self)
            if self._wanted is not None and not self._wanted():
                self.skipped = True
                return False
            return None

        try:
            if self.history:
                self.events = self.project.cards_and_history(self.image_id, cards_read=cards_read,
                                                             repair_links=True)[2]
            else:
                cards_read(*self.project.suggestion_cards(self.image_id))
        except Exception as exc:  # said in the panel: "no suggestions yet" was not so
            if self.cards.is_set():
                self.history_error = exc
            else:
                self.result = ([], [], exc)
                self.history_error = exc
        self.took = self.took if self.cards.is_set() else time.monotonic() - t
        self.cards.set()
        self.done.set()
        return self


class SuggestionActions:
    _trails_asked = 0  # reads of the cards with the trail asked so far (each one's ``n``)
    _trail_shown = 0  # the ``n`` of the last of them whose trail was shown (or older than one shown)
    _cards_req: Optional[_CardsRead] = None  # the read of the shown image's cards under way
    _cards_slow = False  # the last read took longer than CARDS_WAIT_S: a move waits a glance

    _trail_req: Optional[_CardsRead] = None  # the last move's read, which brings its trail too

    def _init_cards(self) -> None:
        # every read that ran answers, in order: one with the trail (``_load_cards(history=)``)
        # shows it though a newer one was asked for (keys faster than a slow server's reads)
        self._cards_reader = LatestInOrder(self)
        self._cards_reader.done.connect(self._cards_read)
        self._cards_early = _CardsEarly(self)
        self._cards_early.cards.connect(self._early_cards)

    def _early_cards(self, req) -> None:
        """A move's cards, read before its trail is (the read goes on): shown now."""
        if req is self._cards_req:
            self._cards_arrived(req)

    def _load_cards(self, rec, project, history: bool = False, later: bool = False) -> None:
        """Read ``rec``'s cards off the GUI thread; shown at once when the answer comes
        within :data:`CARDS_WAIT_S`, else when it comes (:meth:`_cards_arrived`).
        ``history``: its trail too, in the same transaction (an action on the image shown
        changed both): the History's own reads asked before are dropped. ``later``: a move
        to ``rec``: its trail too, after the cards, shown once the reviewer pauses
        (:class:`_CardsRead`)."""
        same = self._cards_image == rec.id
        if history or later:
            if not later:
                self._history_timer.stop()
            self._history_reader.cancel()  # (an older trail landing after this one's)
        reader = self._cards_reader
        req = self._cards_req = _CardsRead(project, rec.id, history, later, self._cards_early if later else None,
                                           (lambda: reader._pending is None) if later else None)
        if history or later:
            self._trails_asked += 1
            req.n = self._trails_asked
        self._trail_req = req if later else None
        self._cards_reader.submit(req)
        # (a read with the trail: both at once, as one read of a local database gives them)
        if (req.done if history else req.cards).wait(CARDS_GLANCE_S if self._cards_slow else CARDS_WAIT_S):
            self._cards_arrived(req)
        elif not same:  # the image's cards come: none of the previous image's meanwhile
            self._cards_image, self._judged = rec.id, []
            if self.suggestions is not None:
                self._show_suggestions(rec, [])
        # (the same image read again, after an action: its cards stay until the answer)

    def _cards_read(self, req, error) -> None:
        if error is not None:  # (_CardsRead catches what the database says)
            log.warning("suggestions: %s", error)
            return
        self._cards_slow = req.took > CARDS_WAIT_S
        if req is self._cards_req:  # else: dropped, for an image or project since left
            self._cards_arrived(req)
        elif req.history and req.project is self.win.project and self._history_for is not None \
                and self._history_for[0] == req.image_id and self.history is not None:
            # its cards taken as they came (or dropped for a newer read): its trail, unless
            # a newer one is on screen
            self._show_trail(req)

    def _show_trail(self, req: _CardsRead) -> None:
        if req.skipped or (req.later and self._history_timer.isActive()):
            return  # not read / shown once the reviewer pauses (:meth:`_show_history`)
        if req.n > self._trail_shown:
            self._trail_shown = req.n
            self._set_history(req.image_id, req.events, req.history_error)

    def _cards_arrived(self, req: _CardsRead) -> None:
        self._cards_req = None
        self._cards_slow = req.took > CARDS_WAIT_S
        rec = self.record
        if rec is None or rec.id != req.image_id or req.project is not self.win.project:
            return
        suggestions, judged, exc = req.result
        if exc is not None:
            log.warning("suggestions: %s", exc)
            self.unread = (rec.id, _why(exc))
        pending = self._history_for
        trail = req.history and req.done.is_set() and self.history is not None and pending is not None \
            and pending[0] == rec.id
        # the trail read with the cards is laid out next: not the old one with them first
        self._fresh_trail_next = trail and not req.skipped and req.n > self._trail_shown \
            and not (req.later and self._history_timer.isActive())
        try:
            self._show_cards(rec, suggestions, judged)
        finally:
            self._fresh_trail_next = False
        if trail:
            self._show_trail(req)  # (read with the cards)

    def _show_cards(self, rec, suggestions, judged) -> None:
        """``rec``'s cards as read: into the panel, and to the history (it names them)."""
        self._cards_image, self._judged = (rec.id if rec is not None else None), judged
        if self.suggestions is not None:
            self._show_suggestions(rec, suggestions)
        if rec is not None:
            self._history_cards(rec.id, {s.id: s for s in suggestions})

    def _drop_cards_read(self) -> None:
        """No read under way is shown (no image, no project, or the cards given)."""
        if self._cards_req is not None:
            self._cards_req = None
            self._cards_reader.cancel()
            self._trail_req = None  # (its trail dropped with it: the History reads its own)

    def cards_ready(self, image_id: int) -> bool:
        """Before Enter or Delete acts on ``image_id``: wait for its cards being read and
        show them (the action decides the cards on screen). False when they did not come
        within :data:`CARDS_AWAIT_S` (nothing should be decided then)."""
        req = self._cards_req
        if req is None or req.image_id != image_id:
            return True
        if not req.cards.wait(CARDS_AWAIT_S):
            return False
        if req is self._cards_req:
            self._cards_arrived(req)
        return True

    def flush_cards(self) -> None:
        """Show the current image's cards now (tests, and before a screenshot)."""
        if self.record is not None:
            self.cards_ready(self.record.id)

    def _cards_loading(self) -> bool:
        req, rec = self._cards_req, self.record
        return req is not None and rec is not None and req.image_id == rec.id

    def _flush_card_edits(self, image_id: int) -> bool:
        """A caption card's typed edit is stored (as edited), like the caption editor's
        text: moving to another image, or Enter, threw it away. False when one could not
        be: its card keeps the text (the database refused), or, the card no longer
        pending (a job replaced it, a teammate decided it), the text goes to the caption
        editor, unsaved (:meth:`_keep_card_text`)."""
        panel = self.suggestions
        if self.win.project is None or not hasattr(panel, "open_edits"):
            return True
        ok = True
        for sid, text in panel.open_edits().items():
            if self._decide(sid, "edited", text, image_id=image_id):
                continue  # stored, or on its way (refused later: the text goes to the caption editor)
            ok = False
        return ok

    def _decide(self, sid: int, outcome: str, typed: Optional[str] = None, image_id: Optional[int] = None,
                step: Optional[str] = None) -> bool:
        """A card's decision, on the review writer: the card shows it at once, marked saving,
        when the database takes a while; an edit (``typed``) refused goes to the caption
        editor, unsaved (:meth:`_keep_card_text`), unless its card still holds it."""
        panel, review = self.suggestions, self.win.review
        image_id = image_id if image_id is not None else (self.record.id if self.record is not None else None)
        if image_id is None:
            return False
        verb = {"accepted": "Accept", "rejected": "Reject"}.get(outcome, "Edit")

        def saving() -> None:
            card = panel.card(sid) if self.record is not None and self.record.id == image_id else None
            if card is not None and card.pending:
                card.show_saving(outcome, typed)

        def failed() -> None:
            if typed and outcome == "edited" and panel.open_edits().get(sid) is None:
                self._keep_card_text(image_id, typed)  # the card shown afresh has no edit box

        return review.decide_suggestion(sid, outcome, typed, image_id=image_id, text=step or self._step(sid, verb),
                                        on_failed=failed, on_saving=saving)

    def _keep_card_text(self, image_id: int, text: str) -> None:
        """The typed edit of a card that can no longer take it: into the caption editor,
        unsaved (Ctrl+Enter saves it as the image's caption), or else said in full."""
        editor = self.caption
        if editor is not None and self._caption_id == image_id and not editor.is_dirty():
            saved = self.record.caption if self.record is not None and self.record.id == image_id else None
            editor.keep_unsaved(text, saved)
            self.win.show_error("The suggested caption you were editing was decided or replaced meanwhile. "
                                "Your text is in the caption editor, not saved: Ctrl+Enter saves it as "
                                "the caption, Esc drops it.")
        else:
            self.win.show_error(f"The suggested caption you were editing was decided or replaced meanwhile; "
                                f"your text was not saved: \u201c{text}\u201d")

    def shown_suggestion_ids(self, image_id: int) -> Optional[set]:
        """The ids of the pending suggestion cards on screen when they are ``image_id``'s
        (none shown: an empty set); None without a suggestion panel."""
        panel = self.suggestions
        if panel is None:
            return None
        if self.record is None or self.record.id != image_id or not panel.isVisibleTo(self.win):
            return set()  # (a closed or hidden dock shows no card)
        return panel.pending_card_ids()

    def shown_suggestion_kinds(self, image_id: int) -> dict:
        """Suggestion id -> kind ("caption", "label", "answer") of the cards on screen pending."""
        panel = self.suggestions
        cards = {sid: panel.card(sid) for sid in (self.shown_suggestion_ids(image_id) or ())}
        return {sid: card.kind for sid, card in cards.items() if card is not None and card.kind}

    def _wire_suggestions(self) -> None:
        panel = self.suggestions
        review = self.win.review
        review.shown_suggestions = self.shown_suggestion_ids
        review.shown_kinds = self.shown_suggestion_kinds
        review.before_action = self.flush_edits
        review.cards_ready = self.cards_ready
        if hasattr(panel, "finished"):  # an edit saved or cancelled, a card decided
            panel.finished.connect(void(self.win.grid.setFocus))
        panel.accepted.connect(void(lambda sid: self._decide(sid, "accepted")))
        panel.rejected.connect(void(self._reject_card))
        panel.edited.connect(void(lambda sid, text: self._decide(sid, "edited", text)))
        if hasattr(panel, "tile_requested"):
            panel.tile_requested.connect(void(self._show_tile))

    def focus_first_card(self) -> None:
        """Suggestions ▸ Go to the first suggestion card (:data:`CARDS_KEY`): the Suggestions
        dock shown, the first pending card's Accept focused (Space accepts, Tab / Shift+Tab
        go from button to button, Esc back to the grid); with none, the status bar says so."""
        win, panel, rec = self.win, self.suggestions, self.record
        if panel is None or not hasattr(panel, "focus_first_pending"):
            return
        if rec is None:
            win.statusBar().showMessage("No image is shown: no suggestion card to go to.", 5000)
            return
        self.cards_ready(rec.id)  # (still being read: shown now, or not within the wait)
        dock = panel.parentWidget()
        while dock is not None and not hasattr(dock, "toggleViewAction"):
            dock = dock.parentWidget()
        if dock is not None:
            dock.show()
            dock.raise_()
        if panel.focus_first_pending():
            return
        if self._cards_loading():
            said = "The suggestions of this image are still loading: try again in a moment."
        elif panel.is_empty():
            said = "No suggestion card for this image: nothing to accept or reject."
        else:
            said = "Every suggestion card of this image is decided: nothing to accept or reject."
        win.statusBar().showMessage(said, 5000)

    def _show_tile(self, sid: int) -> None:
        """A tiled strip's label card's "Show tile": the viewer zooms to the tile that gave
        the score and outlines it, if it shows that strip (else the status bar says why)."""
        win, card = self.win, self.suggestions.card(sid)
        found = card.tile_box() if card is not None else None
        if found is None:
            return
        record = self.record
        shown = record is not None and getattr(win, "viewer_image", None) == (win.project, record.id)
        if not shown or not win.viewer.show_region(*found):
            win.statusBar().showMessage("The viewer does not show this strip yet: Show tile again once it does.",
                                        4000)
            return
        (x, y, w, h), _size = found
        win.statusBar().showMessage(f"The tile that gave {card.value} its score: x {x}-{x + w}, y {y}-{y + h}, "
                                    "outlined (F: fit the strip again)", 6000)

    def _step(self, sid: int, verb: str) -> str:
        """The undo step of a card's decision, named: "Accept label ok", "Reject the suggested caption"."""
        card = self.suggestions.card(sid)
        if card is None or card.kind is None:
            return f"{verb} suggestion"
        what = {"caption": "the suggested caption", "answer": "the answer"}.get(card.kind, f"label {card.value}")
        return f"{verb} {what}"

    def _reject_card(self, sid: int) -> None:
        """A card's Reject. The rejection stands; a text typed in the card's open edit box
        (it was dropped with no word) waits in the caption editor, unsaved, or, with the
        editor holding other typing, is quoted in the status bar as not kept."""
        panel, image_id = self.suggestions, self.record.id if self.record is not None else None
        typed = panel.open_edits().get(sid) if hasattr(panel, "open_edits") else None
        if image_id is None or not self._decide(sid, "rejected", image_id=image_id) or not typed:
            return
        editor = self.caption
        if editor is not None and self._caption_id == image_id and not editor.is_dirty():
            editor.keep_unsaved(typed, self.record.caption if self.record.id == image_id else None)
            self.win.statusBar().showMessage(
                "Rejected the suggested caption; your text is in the caption editor, unsaved: Enter or "
                "moving on saves it, F2 then Esc drops it.", 10000)
        else:
            self.win.statusBar().showMessage(
                f"Rejected the suggested caption; the text you typed in its edit box was not kept: \u201c{typed}\u201d",
                10000)

    def set_suggestion_hint(self, hint: str) -> None:
        """Append a line (the learned suggester's readiness) to the panel's empty text."""
        self._suggestion_hint = hint
        panel = self.suggestions
        if panel is not None and hasattr(panel, "placeholder") and self.record is not None:
            panel.placeholder.setText(self._empty_text(hint))

    def _show_suggestions(self, rec, suggestions) -> None:
        panel = self.suggestions
        if rec is None:
            getattr(panel, "clear", lambda: None)()
        elif hasattr(panel, "set_suggestions"):
            panel.set_suggestions(suggestions)
        if hasattr(panel, "placeholder"):  # "No suggestions for this image yet" with no image
            hint = getattr(self, "_suggestion_hint", "")
            panel.placeholder.setText(NO_IMAGE_TEXT if rec is None else self._empty_text(hint))

    _judged: list = []  # the models that scored the current image and left no card
    _cards_image: Optional[int] = None  # the image whose cards (or loading) the panel shows

    def _empty_text(self, hint: str) -> str:
        """The suggestion panel's text with no card: judged free of every label (a learned
        run said "none"), or no suggestion yet; then the learned suggester's readiness."""
        from .widgets.suggestion_panel import EMPTY_TEXT
        from .widgets.suggestion_wording import judged_text

        rec = self.record
        status = getattr(rec, "status", None)
        if status in ("error", "missing"):  # the suggest jobs skip it: "run a captioner" could not work
            why = "is missing" if status == "missing" else "cannot be read (the viewer says why)"
            return f"No suggestions: this file {why}, so the models skip it."
        if self._cards_loading():
            return LOADING_TEXT
        text = judged_text(self._judged) if self._judged else EMPTY_TEXT
        if self.unread is not None and self.record is not None and self.unread[0] == self.record.id:
            text = (f"The suggestions for this image could not be read: {self.unread[1]}. They are "
                    f"shown when the database answers again.")
        return text + (f"\n\n{hint}" if hint else "")


def _why(exc: BaseException) -> str:
    from ..core.errors import connection_reason, first_line, is_connection_lost

    return connection_reason(exc)[:200] if is_connection_lost(exc) else first_line(exc, 200)
