"""The History panel: the trail of the image shown, read off the GUI thread once the
reviewer pauses on it, and named with its suggestion cards.

:class:`HistoryActions` is a mixin of :class:`~.panel_controller.PanelController`: it
uses the host's ``win`` (the main window: ``project``), ``history`` (the History panel, or
None when its module is not available), the cards' reads of
:class:`~.suggestion_actions.SuggestionActions` (``_trail_req``, ``_trail_shown``,
``_trails_asked``, ``_show_trail``, ``_cards_records``) and sets the host's ``unread``
when a trail could not be read.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import QTimer

from .suggestion_actions import NO_IMAGE_TEXT, _why
from .workers import LatestInOrder

HISTORY_DELAY_MS = 120

log = logging.getLogger(__name__)


def _read_history(project, image_id: int) -> tuple:
    """(project, image id, events or None, exception or None); on the reader's thread."""
    try:
        return project, image_id, project.history(image_id, repair_links=True), None
    except Exception as exc:
        return project, image_id, None, exc


class HistoryActions:
    """The History panel of the panel controller (see the module docstring)."""

    def _init_history(self) -> None:
        # the history panel follows the current image once the reviewer pauses: reading
        # and laying out an image's trail (2-8 ms) is not on the path of a key press
        self._history_timer = QTimer(self, singleShot=True, interval=HISTORY_DELAY_MS)
        self._history_timer.timeout.connect(self._show_history)
        self._history_for = None
        # the trail is read off the GUI thread: on a team's database 50 ms away it took
        # ~210 ms a move there; a trail read for an image since left is dropped, one for the
        # image shown is shown though a newer one was asked for (keys faster than the read)
        self._history_reader = LatestInOrder(self)
        self._history_reader.done.connect(self._history_read)

    def _history_follows(self, rec, project, early: bool, together: bool) -> None:
        """The History panel follows the image shown (:meth:`set_record`): cleared with no
        image, pending and read once the reviewer pauses for another image, read now when
        an action changed the one shown (unless ``early`` or read ``together`` with its cards)."""
        if rec is None or project is None:
            self._history_timer.stop()
            self._history_for = None
            self.history.clear(NO_IMAGE_TEXT)
        else:
            if self._history_for is None or self._history_for[0] != rec.id:
                self.history.set_pending()  # never show the previous image's trail
                self._history_for = (rec.id, self._cards_by_id(rec.id))
                self._history_timer.start()
            elif self._trail_read_follows(rec, project, early, together):
                # the image shown changed (an action committed): its trail read now, off
                # the GUI thread; restarting the pause's timer left each key's event
                # unseen 120 ms after it, and all of them while keys came faster
                self._show_history(fresh=True)

    def _trail_read_follows(self, rec, project, early: bool, together: bool) -> bool:
        """Whether :meth:`_history_follows` reads ``rec``'s trail afresh (the image shown
        changed under it: an action, or a job's end), whose landing lays it out."""
        return rec is not None and project is not None and self.history is not None \
            and self._history_for is not None and self._history_for[0] == rec.id \
            and not self._history_timer.isActive() and not early and not together

    #: set while the cards are shown by ``set_record`` ahead of a fresh read of the trail
    _fresh_trail_next = False

    def _cards_by_id(self, image_id: int) -> dict:
        """The suggestions of ``image_id`` by id, as the panel has them (none yet: {})."""
        if self._history_for is not None and self._history_for[0] == image_id:
            return self._history_for[1]
        cards = getattr(self, "_cards_records", None)
        return dict(cards[1]) if cards is not None and cards[0] == image_id else {}

    def _history_cards(self, image_id: int, by_id: dict) -> None:
        """The image's cards arrived: the history names them (its trail shown before they
        did, with a card's undo unnamed, is laid out again)."""
        self._cards_records = (image_id, by_id)
        pending = self._history_for
        if self.history is None or pending is None or pending[0] != image_id:
            return
        self._history_for = (image_id, by_id)
        shown = self._history_shown
        # a fresh read of the trail follows (set_record): it is laid out with these cards
        # when it lands; laying out the old trail with them first was a second setHtml of
        # the whole trail at every job's end (--sample: history_panel._render <-
        # _history_cards in 32-96 ms 'rest' stalls, the fresh one's _render right after)
        if shown is not None and shown[0] == image_id and not self._fresh_trail_next and \
                any(ev.suggestion_id in by_id and ev.suggestion_id not in shown[2] for ev in shown[1]):
            self._history_shown = (image_id, shown[1], by_id)
            self.history.set_events(shown[1], by_id)

    _history_shown: Optional[tuple] = None  # (image id, events, cards by id) of the trail on screen

    def _show_history(self, fresh: bool = False) -> None:
        """The reviewer paused on the pending image: its trail, as read with its cards, or
        read now off the GUI thread (:meth:`_history_read` shows it); ``fresh``: read now
        (an action changed it since)."""
        project, pending = self.win.project, self._history_for
        if pending is None or project is None or self.history is None:
            return
        req, self._trail_req = self._trail_req, (None if fresh else self._trail_req)
        if not fresh and req is not None and req.image_id == pending[0] and req.project is project \
                and not req.skipped and req.n > self._trail_shown:
            if req.done.is_set():
                self._show_trail(req)
            return  # (else shown when that read lands: :meth:`_cards_read`)
        self._trail_shown = self._trails_asked  # (a trail read with the cards before: older)
        self._history_reader.submit(_read_history, project, pending[0])

    def _history_read(self, result, error) -> None:
        if error is not None:  # (_read_history catches what the database says)
            log.warning("history: %s", error)
            return
        project, image_id, events, exc = result
        pending = self._history_for
        if project is not self.win.project or pending is None or pending[0] != image_id or self.history is None:
            return  # another image (or project) since: its own read is on its way
        self._set_history(image_id, events, exc)

    def _set_history(self, image_id: int, events, exc) -> None:
        if exc is None:
            self._history_shown = (image_id, events, self._history_for[1])
            self.history.set_events(events, self._history_for[1])
            return
        log.warning("history: %s", exc)  # not "Loading history…" for good
        self.unread = (image_id, _why(exc))
        self.history.clear(f"The history could not be read: {_why(exc)}. It is shown when the "
                           f"database answers again.")

    def flush_history(self) -> None:
        """Show the current image's history now (tests, and before a screenshot)."""
        req = self._trail_req
        if self._history_timer.isActive() or self._history_reader._running \
                or (req is not None and not (req.done.is_set() and (req.skipped or req.n <= self._trail_shown))):
            self._history_timer.stop()
            self._history_reader.cancel()  # (its trail, read now here, is dropped)
            self._trail_req, self._trail_shown = None, self._trails_asked  # (and one read with the cards)
            project, pending = self.win.project, self._history_for
            if pending is not None and project is not None and self.history is not None:
                self._set_history(*_read_history(project, pending[0])[1:])
