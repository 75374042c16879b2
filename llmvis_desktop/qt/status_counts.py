"""The status bar's counts ("60 images · new 12 · reviewed 48"): read off the GUI thread,
and moved by this window's own review writes with no read.

A review action that moves an image's status (Enter, Delete, R, an undo of one) tells
its old and new status from its own transaction (``ActionResult.status_before`` and its
record): the counts shown move with it at once. Re-reading them after every Enter was
two round trips on a team's PostgreSQL, on the key path. A teammate's change is read
again by the team watch (:meth:`StatusCounts.update_counts`), a job's by its refresh.

So that the counts read and the moves never count a write twice or miss it, each read is
stamped with the review writes it saw (:meth:`~.review_writer.ReviewWriter.marks`: the
writes ended before its query began, none begun after it ended): the counts shown are
the last read plus the moves of the writes after its stamp (:meth:`StatusCounts._shown`).
A read that a write overlapped cannot tell whether it saw it: it is read again once the
writes have ended. With a filter on statuses alone ("Suggested", "Unreviewed": a review
queue) the filter bar's "still match" moves too (the image left the filter's statuses or
entered them); with one on labels or text, whether the image still matches cannot be told
from its status (an accepted card may put the label on it): the counts are read again.

:class:`StatusCounts` is a mixin of :class:`~.project_controller.ProjectController`
(it uses ``self.win`` and ``self._failed_filter``).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Optional

from ..core.store.records import ImageFilter
from .project_texts import counts_min_width, counts_text
from .style import LABELLED, unlabelled

log = logging.getLogger(__name__)

#: past this many moves since the last read the counts are read again (which folds them in):
#: with no read between (no filter change, job or teammate) every Enter of an hours-long
#: session was kept and summed again at each key
COUNT_MOVES_READ = 200


class StatusCounts:
    _total = None  # (project, the images it has) from the last counts
    #: (project, counts read, stamp, filter, images matching it) of the last read
    _counts_read: Optional[tuple] = None
    _count_moves: list = []  # (write's seq, old status, new status) after that read's stamp
    _counts_owed = False  # a read overlapped by a write: read again once the writes end

    counts_asked = 0  # how many times the counts were asked for (update_counts)

    def update_counts(self) -> None:
        """Refresh the status-bar counts; the query runs on a worker (100k rows)."""
        win = self.win
        self.counts_asked += 1
        self._counts_owed = False
        if win.project is None:
            self._counts_read, self._count_moves = None, []
            win.counts_label.setText("")
            return
        project, flt = win.project, win.model.filter
        writer = win.review._writer

        def counts():
            ended = writer.marks()[1]
            # a filtered view keeps the images reviewed meanwhile listed (the reviewer's
            # place): how many still match is counted, not the rows listed
            by_status = project.counts_by_status()
            split = project.count_needs_decoder() if by_status.get("error") else 0  # a plugin to install: apart
            if split:
                by_status = dict(by_status, error=by_status["error"] - split, needs_decoder=split)
            if by_status.get("new") or by_status.get("suggested"):  # the N+ and S+ tiles: apart
                by_status = split_labelled(by_status, project.counts_labelled())
            matching = project.count(flt) if flt is not None else None
            started = writer.marks()[0]
            return project, by_status, flt, matching, (ended if started == ended else None)

        win.counts_loader.submit(counts)

    def on_counts(self, result, error) -> None:
        """``win.counts_loader.done``: "N images · new n · ..." and the filter bar's count."""
        if error is not None:  # a locked database must not break the status bar
            log.warning("counts: %s", error)
            return
        project, counts, flt, matching, stamp = result
        win = self.win
        if project is not win.project:
            return
        if stamp is None:  # a review write ran meanwhile: counted or not, unknown
            self._counts_owed = True
            self.counts_writes_ended()
            return
        self._counts_read = (project, counts, stamp, flt, matching)
        self._count_moves = [mv for mv in self._count_moves if mv[0] > stamp]
        self._show_counts(self._shown())

    def _show_counts(self, counts: dict) -> None:
        """The status bar's counts and the filter bar's (the matching count as moved)."""
        win = self.win
        total = sum(counts.values())
        self._total = (win.project, total)
        label = win.counts_label
        label.setText(counts_text(counts))
        # whole, the learned line beside it cut first; never below the images and their problems
        label._min_width = counts_min_width(label.fontMetrics(), counts)
        label.updateGeometry()
        _, _, _, flt, matching = self._counts_read
        if flt is None or flt != win.model.filter:
            matching = None  # the filter changed meanwhile: the next counts say it
        elif matching is not None:
            for _seq, old, new in self._count_moves:  # (N+ is a new image, S+ a suggested one)
                matching += (unlabelled(new) in flt.statuses) - (unlabelled(old) in flt.statuses)
        if self._failed_filter is not None and self._failed_filter == win.model.filter:
            return  # its rows could not be listed: the bar keeps saying so
        win.filter_bar.set_count(win.model.rowCount(), total, matching)

    def counts_writes_ended(self) -> None:
        """The review writes have all ended: a read they overlapped is made again."""
        if self._counts_owed and self.win.review._writer.idle():
            self.update_counts()

    def move_counts(self, seq: Optional[int], old: str, new: str) -> None:
        """A review write of this window (``seq``: its place among the writer's) moved an
        image from status ``old`` to ``new``: the counts shown move with it, with no read;
        read again when they cannot (no counts read yet, read for another filter, a filter
        on more than statuses, a write of the GUI thread's)."""
        win = self.win
        read = self._counts_read
        flt = win.model.filter
        if seq is None or read is None or read[0] is not win.project or read[3] != flt \
                or not _moves_with_status(flt):
            win._counts_timer.start()
            return
        if seq <= read[2]:
            return  # the last read saw it already
        self._count_moves = [*self._count_moves, (seq, old, new)]
        self._show_counts(self._shown())
        if len(self._count_moves) > COUNT_MOVES_READ and not win._counts_timer.isActive():
            win._counts_timer.start()  # (its answer keeps only the moves after its stamp)

    def nothing_to_requery(self, result) -> bool:
        """Whether an index's ``result`` leaves the grid's ids and the counts as they are: it
        changed no row (:attr:`.indexer.ScanResult.rows_changed`), and the counts shown are the
        ones it read as it ended (no other indexer, `llmvis index` or a teammate's window,
        changed rows meanwhile)."""
        return not getattr(result, "rows_changed", True) and self.counts_shown_are(
            getattr(result, "by_status", None), getattr(result, "needs_decoder", 0))

    def counts_shown_are(self, by_status: Optional[dict], needs_decoder: int) -> bool:
        """Whether the counts shown are ``by_status`` (an index's, the compressed DICOMs a
        plugin reads set apart from the errors as :meth:`update_counts` sets them). False
        when none were read for this project yet, or a read is owed."""
        read = self._counts_read
        if not by_status or read is None or read[0] is not self.win.project or self._counts_owed:
            return False
        split = min(needs_decoder, by_status.get("error", 0))
        if split:
            by_status = dict(by_status, error=by_status["error"] - split, needs_decoder=split)
        return {k: n for k, n in by_status.items() if n > 0} == joined_labelled(self._shown())

    def _shown(self) -> dict:
        counts = dict(self._counts_read[1])
        for _seq, old, new in self._count_moves:
            counts[old] = counts.get(old, 0) - 1
            counts[new] = counts.get(new, 0) + 1
        return {k: n for k, n in counts.items() if n > 0}


def split_labelled(by_status: dict, labelled: dict) -> dict:
    """``by_status`` with the labelled new and suggested images (``labelled``, as
    :meth:`~llmvis_desktop.core.project.Project.counts_labelled` reads them) moved under
    their own keys (:data:`~.style.LABELLED`: the tiles' N+ and S+), the total unchanged."""
    out = dict(by_status)
    for status, key in LABELLED.items():
        n = min(labelled.get(status, 0), out.get(status, 0))
        if n:
            out[status] -= n
            out[key] = n
    return {k: n for k, n in out.items() if n > 0}


def joined_labelled(counts: dict) -> dict:
    """``counts`` with the labelled new and suggested images counted back in with them."""
    out: dict = {}
    for k, n in counts.items():
        out[unlabelled(k)] = out.get(unlabelled(k), 0) + n
    return out


def _moves_with_status(flt: Optional[ImageFilter]) -> bool:
    """Whether an image matching ``flt`` can be told from its status alone: no filter, or
    one on statuses only (not labels, text, repairs or a folder); a review queue's leaving
    out the repair outputs too (their moves are counted as :data:`REPAIR_OUTPUTS`, in no
    queue's statuses: :func:`~llmvis_desktop.core.store.records.counted_as`)."""
    return flt is None or replace(flt, statuses=(), repair_output=None) == ImageFilter() and \
        flt.repair_output is not True
