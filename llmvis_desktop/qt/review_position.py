"""The reviewer's place in a project: which image each reviewer was on, saved as they
move and selected again when the project is opened.

:class:`ReviewPosition` is a mixin of :class:`~.review_controller.ReviewController`
(it uses ``project``, ``model``, ``grid``, ``current``, ``actor`` and the controller's
``_save_timer``, started by a move). Each reviewer has their own setting
(``position:<name>``; the older shared ``position`` is read when theirs is unset);
``known_actor`` names the reviewer without asking (browsing never asks). A position
is a convenience: a failure to read or save it is logged, never a reason to fail, and
a read-only database's refusal is logged once per project.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

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
        name = self.known_actor() if self.known_actor is not None else self.actor()
        return f"position:{name}"

    def save_position(self) -> None:
        self._save_timer.stop()
        if self.project is None or self.current is None:
            return
        try:
            if self.project.settings().get(self._position_key()) != self.current.relpath:
                self.project.set_setting(self._position_key(), self.current.relpath)
        except DatabaseReadOnly as exc:  # said at open; logged once, not at every selection
            if self._position_refused is not self.project:
                self._position_refused = self.project
                log.info("the review position is not saved: %s", exc)
        except Exception:
            log.warning("cannot save the review position", exc_info=True)
