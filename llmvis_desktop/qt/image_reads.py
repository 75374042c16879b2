"""Images read again off the GUI thread and shown when the read lands (the review
controller's :meth:`~.review_controller.ReviewController.show_from_database`).

Someone else changed an image (the team watch, when its look's own reads were overtaken
by a change made here meanwhile), a review write was refused, an index run changed the
image shown, the panels could not be read and the database answers again: the image is
read again from the database and shown. That read ran on the GUI thread: on a team's
PostgreSQL 25 ms away (each way) the window froze ~320 ms at every teammate's change shown
this way, and a server gone away froze it for as long as the driver waited.

:class:`ImageReads` reads the images asked for (with the suggestion cards of the one on
screen, so the panels read nothing either) on one worker and, on the GUI thread, puts the
records in their grid rows and shows the current image. An answer for a project since
closed is dropped; an image left meanwhile only has its row updated; a row changed here
after the read was asked for (the reviewer's own change) is read again, at most
:data:`MAX_AGAIN` times, never shown over the change; an image with a review write in
flight is left to that write, whose committed record is shown when it lands.
"""
from __future__ import annotations

import logging
from typing import Iterable, Optional

from PySide6.QtCore import QObject, Signal

from .workers import LatestOnly

log = logging.getLogger(__name__)

#: a read overtaken by the reviewer's own change of its row is read again at most this often
MAX_AGAIN = 3


def read_images(project, ids: list, current_id: Optional[int], seq: int) -> tuple:
    """On the worker: the records of ``ids`` and, when ``current_id`` is one of them, its
    cards (``(suggestions, judged)``)."""
    recs = project.images(ids)
    cards = project.suggestion_cards(current_id) if any(r.id == current_id for r in recs) else None
    return project, seq, recs, current_id, cards


class ImageReads(QObject):
    """The window's reads of changed images (see the module docstring)."""

    #: a read was handled on the GUI thread (the project it was for): tests wait on it
    landed = Signal(object)

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.win = panel.win
        self.loader = LatestOnly(self)
        self.loader.done.connect(self._on_read)
        self._project = None
        self._wanted: dict[int, int] = {}  # image id -> times read again (overtaken here)

    def shutdown(self) -> None:
        self.loader.shutdown()

    def busy(self) -> bool:
        """Whether images asked for have yet to be read and shown."""
        return self.loader.busy() or (bool(self._wanted) and self._project is self.win.review.project)

    def ask(self, image_ids: Iterable[int]) -> None:
        """Read these images again off the GUI thread; shown when the read lands."""
        project = self.win.review.project
        if project is None:
            return
        if project is not self._project:
            self._project, self._wanted = project, {}
        for i in image_ids:
            self._wanted[i] = 0
        self._submit()

    def _submit(self) -> None:
        review = self.win.review
        if not self._wanted or review.project is None:
            return
        cur = review.current.id if review.current is not None else None
        # each request names every image still wanted: a newer one replacing it loses none
        self.loader.submit(read_images, review.project, sorted(self._wanted),
                           cur if cur in self._wanted else None, self.win.model.edit_seq)

    def _on_read(self, result, error) -> None:
        review, model = self.win.review, self.win.model
        if error is not None:  # an unreachable database must not break the window
            log.warning("images not read again: %s", error)
            self._wanted.clear()
            self.landed.emit(review.project)
            return
        project, seq, recs, current_id, cards = result
        if project is not review.project:
            return  # another project opened since
        busy = {w.image_id for w in review._writer.in_flight()}
        fresh, again = [], False
        found = {r.id: r for r in recs}
        for image_id in [i for i in self._wanted if i not in found]:
            self._wanted.pop(image_id)  # no longer in the project
        for rec in recs:
            if rec.id not in self._wanted:
                continue
            if rec.id in busy:  # a write of it in flight: its committed record is shown
                self._wanted.pop(rec.id)
            elif model.edited_since(rec.id, seq):  # changed here since the read was asked for
                tries = self._wanted[rec.id]
                if tries < MAX_AGAIN:
                    self._wanted[rec.id] = tries + 1
                    again = True
                else:
                    self._wanted.pop(rec.id)  # never shown over the change
            else:
                self._wanted.pop(rec.id)
                fresh.append(rec)
        cur = review.current
        mine = next((r for r in fresh if cur is not None and r.id == cur.id), None)
        others = [r for r in fresh if r is not mine]
        if others:
            model.update_records(others)
        if mine is not None:
            if cards is not None and current_id == mine.id:
                self.panel.fetched = (mine.id, *cards)  # the panels read nothing
            try:
                review._show_record(mine)
            finally:
                self.panel.fetched = None
        if again:
            self._submit()
        self.landed.emit(project)
