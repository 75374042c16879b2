"""The reviewer's place in a project: which image each reviewer was on, saved as they
move and selected again when the project is opened.

:class:`ReviewPosition` is a mixin of :class:`~.review_controller.ReviewController`
(it uses ``project``, ``model``, ``grid``, ``current``, ``actor`` and the controller's
``_save_timer``, started by a move). Each reviewer has their own setting
(``position:<name>``; the older shared ``position`` is read when theirs is unset);
``known_actor`` names the reviewer without asking (browsing never asks). A position
is a convenience: a failure to read or save it is logged, never a reason to fail, and
a read-only database's refusal is logged once per project.

The save reads and writes the project's settings on the controller's own worker thread
(``_position_saver``, a :class:`~.workers.LatestOnly`: only the newest place is written):
on the GUI thread it froze the window after every move for as long as the database took
(~470 ms on a team's PostgreSQL 50 ms away). ``save_position(wait=True)`` waits for the
write, as closing a project or the window does, so it lands before the project closes.

The grid's sort and filter (``view:<name>``, :mod:`.view_memory`) are saved with the place,
and as soon as they change (:data:`VIEW_SAVE_MS` after the last of a burst): saved only with
the place, up to 5 s later, a crash lost the last change.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from PySide6.QtCore import QTimer

from ..core.store.writable import DatabaseReadOnly

log = logging.getLogger(__name__)


class ReviewPosition:
    #: the project whose read-only database refused the review position (logged once)
    _position_refused = None

    def restore_position(self, known: Optional[tuple] = None) -> bool:
        """Select the image remembered for this project, else the first row; ``known``:
        ``(image id or None,)`` read off the GUI thread (with an open's first ids)."""
        if self.project is None or self.model.rowCount() == 0:
            return False
        row = 0
        try:
            if known is not None:
                image_id = known[0]
            else:
                settings = self.project.settings()
                rel = next((settings[k] for k in self.position_keys() if settings.get(k)), None)
                rec = self.project.image_by_path(rel) if rel else None
                image_id = rec.id if rec is not None else None
            if image_id is not None and self.model.row_of(image_id) is not None:
                row = self.model.row_of(image_id)
        except Exception:  # a position is a convenience, never a reason to fail
            log.exception("cannot restore the position")
        self.grid.select_row(row)
        return True

    def position_keys(self) -> tuple:
        """The settings that may hold this reviewer's place, the first set wins."""
        return (self._position_key(), "position")  # (one shared "position" before)

    #: the reviewer's name without asking for it (None: ``actor`` itself): browsing never
    #: asks, only a change does
    known_actor: Optional[Callable[[], str]] = None

    def _position_key(self) -> str:
        """Each reviewer's own place in a shared project (one key for all reopened everyone
        at whatever image someone else last looked at)."""
        return f"position:{self.reviewer_name()}"

    def reviewer_name(self) -> str:
        """The reviewer whose place and view are kept (``known_actor``: never asks)."""
        return self.known_actor() if self.known_actor is not None else self.actor()

    #: the write's thread (ReviewController makes it)
    _position_saver = None

    #: a move saves the place at most this long after the first unsaved move (it was 800 ms:
    #: a steady review wrote it after almost every Enter, 7 round trips each on a team's
    #: PostgreSQL); closing the project or the window saves it at once
    POSITION_SAVE_MS = 5000

    #: (project, key, place) last written by this window: the same place is not written
    #: again, and a new one is written with no read before it (the write reads the row)
    _position_saved: Optional[tuple] = None

    #: how long closing a project waits for a write under way (a server gone away: its
    #: connection's own timeout ends it sooner or later; the close goes on regardless)
    POSITION_WAIT_MS = 15000

    def save_position(self, wait: bool = False) -> None:
        """Save the current image as this reviewer's place, off the GUI thread; ``wait``:
        until written (a project about to close)."""
        self._save_timer.stop()
        if self._view_timer is not None:
            self._view_timer.stop()  # (the view is written with the place)
        if self.project is not None and (self.current is not None or self.view_of is not None):
            view = None
            if self.view_of is not None:  # the grid's sort and filter (:mod:`.view_memory`)
                view = (f"view:{self.reviewer_name()}", self.view_of())
            self._position_saver.submit(self._write_position, self.project, self._position_key(),
                                        self.current.relpath if self.current is not None else None, view)
        if wait and not self._position_saver.wait(self.POSITION_WAIT_MS):
            log.warning("the review position was still being saved after %d ms", self.POSITION_WAIT_MS)

    def stop_position_saves(self) -> None:
        """Wait for the review writes in flight (:mod:`.review_writes`); save the place, wait
        for the write, then stop the saver's and the review writer's threads (the window closes);
        and N's read (:meth:`~.review_next.NextUnreviewed.stop_next_reads`)."""
        getattr(self, "stop_writes", lambda: None)()  # the reviews in flight committed first
        self.save_position(wait=True)
        self._position_saver.shutdown(self.POSITION_WAIT_MS)
        if getattr(self, "_writer", None) is not None:
            self._writer.shutdown()
        getattr(self, "stop_next_reads", lambda: None)()

    #: the window's sort and filter as a setting (None: not kept); (project, key, state)
    #: last written or read at the open, so an unchanged view is not written again
    view_of: Optional[Callable[[], dict]] = None
    _view_saved: Optional[tuple] = None

    #: a change of the sort or filter is saved this long after the last of a burst (a few
    #: choices in a row, a search being typed: one write)
    VIEW_SAVE_MS = 400
    _view_timer: Optional[QTimer] = None

    def view_as_stored(self, project, key: str, stored: Optional[dict]) -> None:
        """At an open: the setting ``key`` of ``project`` holds ``stored`` (None: unset), so
        an unchanged view is not written again."""
        self._view_saved = (project, key, stored or {})

    def view_changed(self) -> None:
        """The sort or filter changed: saved with the place, off the GUI thread, once the
        changes pause for VIEW_SAVE_MS (at a crash, the last change is kept)."""
        if self.project is None:
            return
        if self._view_timer is None:
            self._view_timer = QTimer(self, singleShot=True, interval=self.VIEW_SAVE_MS)
            self._view_timer.timeout.connect(self.save_position)
        self._view_timer.start()

    def _write_position(self, project, key: str, relpath: Optional[str], view: Optional[tuple] = None) -> None:
        """(on the saver's thread) ``view``: (its key, the sort and filter) or None."""
        try:
            # (remembered for the open project only: a closed one's would keep it alive)
            if relpath is not None and self._position_saved != (project, key, relpath):
                project.set_setting(key, relpath)
                self._position_saved = (project, key, relpath) if project is self.project else None
            if view is not None and self._view_saved != (project, *view):
                project.set_setting(*view)
                self._view_saved = (project, *view) if project is self.project else None
        except DatabaseReadOnly as exc:  # said at open; logged once, not at every selection
            if self._position_refused is not project:
                self._position_refused = project
                log.info("the review position is not saved: %s", exc)
        except Exception:
            log.warning("cannot save the review position", exc_info=True)
