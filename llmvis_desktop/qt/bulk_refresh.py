"""The window catching up after a job wrote many rows (model suggestions, an import, a
repair, the learned suggester), with no database read on the GUI thread.

It re-read the label list and its usage, a window of the grid's rows and the current
image there: on a team's PostgreSQL 25 ms away (each way) the window froze 0.49-0.52 s
at the end of every job (/tmp/hunt-hbulk/bulk_stmts.py). Now the grid forgets its rows (each is read again when shown, off the GUI
thread), the query and the counts run on their workers, and one read on a worker brings
the labels with their usage and the current image with its suggestion cards; they are
shown when it lands. An answer for a project since closed is dropped; one for an image
since left updates the labels only (the image shown now was read when it was shown);
one read before the reviewer changed a row meanwhile is read again, never shown over
the change.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, Signal

from .workers import LatestOnly

log = logging.getLogger(__name__)

#: an answer overtaken by the reviewer's own changes is read again at most this often
MAX_AGAIN = 3


@dataclass(frozen=True)
class BulkRead:
    """What one read off the GUI thread brought back (the GUI thread only shows it)."""

    project: object
    edit_seq: int  # the grid's edit count when it was asked for
    labels: Optional[tuple]  # (label defs, usage), or None when not asked for
    current: Optional[tuple]  # (record, suggestions, judged) of the image asked for, or None


def read_bulk(project, image_id: Optional[int], edit_seq: int, labels: bool = True) -> BulkRead:
    """On a worker: the labels and their usage with the record of ``image_id`` (one
    transaction), then the image's suggestion cards (one more)."""
    if labels:
        defs, usage, recs = project.labels_and_images([image_id] if image_id is not None else ())
        taxonomy = (defs, usage)
    else:
        taxonomy, recs = None, (project.images([image_id]) if image_id is not None else [])
    current = (recs[0], *project.suggestion_cards(image_id)) if recs else None
    return BulkRead(project, edit_seq, taxonomy, current)


class BulkRefresh(QObject):
    """``PanelController.refresh_after_bulk`` (and the live refresh during a job)."""

    #: a read was shown (the project it was for): tests wait on it
    applied = Signal(object)

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.win = panel.win
        self.loader = LatestOnly(self)
        self.loader.done.connect(self._on_read)
        self._again = 0
        self._cards = False  # the cards are shown afresh even when the panel has some

    def shutdown(self) -> None:
        self.loader.shutdown()

    def after_job(self) -> None:
        """A job ended: the grid, the counts, the labels and the current image, all read
        off the GUI thread."""
        win = self.win
        if win.project is None:
            return
        win.model.refresh_all()  # its rows are read again when shown (off the GUI thread)
        # the counts once the grid's query has landed, which reads them (_apply_ids): asked
        # here as well, they were read twice at every job's end, the first time beside the
        # query, the grid's rows and this read, four workers taking the GIL from the
        # window's paints at once; read after it only when it did not
        ctl = win.project_ctl
        asked = ctl.counts_asked
        win.requery(then=lambda: ctl.counts_asked == asked and win.update_counts())
        self._again, self._cards = 0, True
        self._ask(labels=True)

    def current_only(self) -> None:
        """The current image's record and cards read again off the GUI thread (a job is
        storing suggestions: the live refresh while the image shows no card)."""
        if self.win.project is not None and not self._cards:  # (a job's end reads it anyway)
            self._again = 0
            self._ask(labels=False)

    def _ask(self, labels: bool) -> None:
        win = self.win
        cur = win.review.current
        self.loader.submit(read_bulk, win.project, cur.id if cur is not None else None,
                           win.model.edit_seq, labels)

    def _on_read(self, result: Optional[BulkRead], error) -> None:
        win, panel = self.win, self.panel
        cards, self._cards = self._cards, False
        if error is not None:  # an unreachable database must not break the window
            log.warning("refresh after a job: %s", error)
            return
        if result.project is not win.project:
            return  # another project opened since
        if result.labels is not None:
            try:
                panel.reload_labels(*result.labels)  # an import may have created labels
            except Exception as exc:
                log.warning("labels: %s", exc)
        cur = win.review.current
        shown = result.current
        if shown is not None and cur is not None and shown[0].id == cur.id:  # else: the image was left
            if result.edit_seq != win.model.edit_seq:  # a row changed here since it was read
                if self._again < MAX_AGAIN:
                    self._again += 1
                    self._cards = cards
                    self._ask(labels=False)  # (the labels are shown: read the image again)
                    return
            elif cards or (panel.suggestions is not None and panel.suggestions.is_empty()):
                rec, suggestions, judged = shown
                panel.fetched = (rec.id, suggestions, judged)  # the panels read nothing
                try:
                    win.review.show_fetched(rec)
                finally:
                    panel.fetched = None
        self.applied.emit(result.project)
