"""Moving between images (Right/Left, a click in the grid) and the record shown for the
image moved to.

:class:`ReviewNavigation` is a mixin of :class:`~.review_controller.ReviewController` (it
uses ``grid``, ``model``, ``current``, ``current_changed``, ``_save_timer`` and the other
mixins' ``_visit_at`` and ``_skip_moved``). The record of the image moved to is the one
the grid holds, never read on the GUI thread while its window is in memory: after the
grid's rows were marked for a new read (an index's end, a job's), Right read the whole
window of 256 rows here (``GridModel._fetch_window``, a statement the GUI thread waited
for). The row as drawn is shown at once; when the read off the GUI thread finds the
image changed, the record it brings is shown (:meth:`_current_reread`).
"""
from __future__ import annotations

from PySide6.QtCore import QTimer


class ReviewNavigation:
    def _init_navigation(self) -> None:
        self.grid.current_changed.connect(self._on_grid_current)
        self.model.rows_reread.connect(self._current_reread)

    def _current_row(self) -> int:
        idx = self.grid.currentIndex()
        return idx.row() if idx.isValid() else -1

    def go_to_row(self, row: int) -> None:
        n = self.model.rowCount()
        if n:
            self.grid.select_row(max(0, min(n - 1, row)))

    def next(self) -> None:
        self.go_to_row(self._current_row() + 1)

    def prev(self) -> None:
        self.go_to_row(max(0, self._current_row() - 1))

    def _on_grid_current(self, image_id) -> None:
        # a move: the row as held (no read while its window is in memory; see the module's
        # note); the first image of a project shown: as read (its panels read it once)
        moving = self.current is not None
        self.current = self.model.record(image_id, wait=not moving) if image_id is not None else None
        self._visit_at(image_id)  # (whose labels Enter keeps: review_enter)
        self._skip_moved()  # "Skipped." goes with the next move (review_next)
        self.current_changed.emit(self.current)
        if self.current is not None and not self._save_timer.isActive():
            # at most POSITION_SAVE_MS after the first unsaved move, not after the last one:
            # restarted at every move, a brisk review never saved its place
            self._save_timer.start()

    def _current_reread(self, records) -> None:
        """Rows read again that changed: the image on screen among them is shown as read
        (a move showed its row as drawn while the read was under way), on a later turn of
        the event loop: the read may land inside a move (a write refused on the GUI thread
        reads its image back), and the panels were still taking the move's record."""
        cur = self.current
        if cur is not None and any(r.id == cur.id for r in records):
            QTimer.singleShot(0, self, self._show_reread)

    def _show_reread(self) -> None:
        cur = self.current
        rec = self.model.held_record(cur.id) if cur is not None else None
        if rec is not None and rec != cur:
            self.current = rec
            self.current_changed.emit(rec)
