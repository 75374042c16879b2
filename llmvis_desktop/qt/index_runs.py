"""The index job of the open project, run for the main window: started (at the open, once
the grid has drawn its first ids, and on F5), followed as it lists the folder and reads the
headers, and caught up with at its end (the grid, the image shown, the status bar).

:class:`IndexRuns` is a mixin of :class:`~.project_controller.ProjectController` (it uses
``self.win``, ``self._requery_timer``, ``self._index_owed``, ``self._listed`` and
:meth:`~.project_controller.ProjectController.requery`). While an index runs the grid is
re-queried as the listing commits files (at most once a second) and when the header pass
reports (the listing is then complete).

``index_finished`` is emitted once the window has caught up with the index: the grid's
ids re-queried, and the reads its end started landed (the rows drawn read again, the
image shown, the counts). Emitted at the query's landing, it came tens of ms before the
rows drawn were read again: a key pressed then acted on the row as listed before the
header pass, and every test waiting on the signal had to wait again for the reads.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer

from ..core.errors import disk_full_stopped, failure_text, is_disk_full
from .project_texts import folder_name, scan_summary

#: the grid's refresh after an index: a timer, so it runs once the event loop is idle
INDEX_DONE_MS = 1
#: ``index_finished`` waits for the end's reads: looked at this often, for at most this long
CAUGHT_UP_POLL_MS = 5
CAUGHT_UP_MAX_S = 10.0

log = logging.getLogger(__name__)


class IndexRuns:
    _listing_shown = False  # the header pass has reported (the listing is complete)

    def start_index(self) -> None:
        win = self.win
        if win.project is None or (win.index_job is not None and win.index_job.is_active):
            return
        self._index_owed = None  # (F5 before the open's index started: this one is it)
        self._listing_shown = False
        self._listed = False
        job = win.jobs.start(f"Index {folder_name(win.project.root)}", _index_job(win.project))
        job.signals.progress.connect(self._on_index_progress)
        job.signals.result.connect(self._on_index_done)
        job.signals.error.connect(self._on_index_error)
        win.index_job = job

    def _on_index_progress(self, p) -> None:
        # show files as the listing commits them (its last report, "listing done", is not
        # one: the grid's query after the index, or the header pass's start, lists them; a
        # 1 s timer started by it ran a second grid query after an F5 that changed nothing),
        # and once a header pass with headers to read starts (the listing is then complete)
        listed = (p.stage == "scan" and p.done and p.total is None) or (
            p.stage == "headers" and p.total and not self._listing_shown)
        self._listing_shown |= p.stage == "headers"
        if listed and not self._requery_timer.isActive():
            self._requery_timer.start(0 if p.stage == "headers" else 1000)

    def _on_index_done(self, result) -> None:
        if result.unreadable_folders:
            shown = ", ".join(str(folder) for folder, _why in result.unreadable_folders[:3])
            more = "..." if len(result.unreadable_folders) > 3 else ""
            text = f"{len(result.unreadable_folders)} folder(s) could not be read: {shown}{more}"
        else:  # "Index demo — done" said nothing of what it found
            text = f"Index {folder_name(self.win.project.root) if self.win.project else ''}: {scan_summary(result)}"
        skipped = getattr(result, "skipped_lines", lambda: [])()
        if skipped:  # files left out of the index (a pipe, a name that is not UTF-8): say so
            text += "; " + "; ".join(skipped)
        from .job_actions import waited_words

        waited = waited_words(self.win, getattr(result, "waited_s", 0.0))  # (as its Jobs panel line says it)
        self.win.statusBar().showMessage(text + waited, 15000 if skipped or waited else 8000)
        # the grid and the image shown caught up in a later turn of the event loop, once it
        # is idle: with the finished job's line (its row restyled, the dock refitted) they
        # made one 19-66 ms stretch at 100k images
        project = self.win.project
        QTimer.singleShot(INDEX_DONE_MS, self, lambda: self._after_index(project, result))

    def _after_index(self, project, result) -> None:
        win = self.win
        if project is not None and win.project is project:
            # thumbnails in memory of files that changed are dropped and made again (the disk
            # cache's key has the file's size, times and inode, so it is never stale). Not only
            # when the index saw changes: it compares size and mtime, and a file replaced with
            # both kept (cp -p, rsync -t) is seen by the thumbnails' inode and ctime alone.
            win.thumbs.revalidate()
            # the grid's rows held are stale when the index changed any row: files changed,
            # missing, back, moved or renamed, left out, or headers read (a first index's rows
            # drawn as listed, before the header pass read their files). The query after finds
            # the same ids when the order is kept (a folder ``b/`` renamed ``c/``, a name changed
            # in case only), so nothing else reads them again: the tiles kept the old names
            if getattr(result, "rows_changed", True):
                self._refresh_folders(project)
                win.model.refresh_all()  # (only the rows that changed are repainted)
                cur = win.review.current
                if cur is not None:  # its file may be the one that changed: shown again if so
                    win.review.show_from_database(cur.id)
            self._listed = True
            if self.nothing_to_requery(result):  # no row changed: the ids and counts not read again
                win.grid.set_empty_text(self._empty_text())
                self._finish_when_caught_up(result)
                return
        self.requery(then=lambda: self._finish_when_caught_up(result))

    def _refresh_folders(self, project) -> None:
        """The filter bar's folders as the index left them (a folder added, one gone: the
        grid lists all folders again, and the status bar says so)."""
        try:
            folders = project.folders()
        except Exception:  # a convenience: the choice stays as it was
            log.warning("cannot read the project's folders", exc_info=True)
            return
        gone = self.win.filter_bar.set_folders(folders)
        if gone is not None:
            self.win.statusBar().showMessage(f"The folder {gone}/ is no longer in the project: "
                                             "all folders are listed", 10000)

    def _finish_when_caught_up(self, result, deadline=None) -> None:
        """``index_finished`` once the reads the index's end started have landed."""
        deadline = time.monotonic() + CAUGHT_UP_MAX_S if deadline is None else deadline
        if self._end_reads_pending():
            if time.monotonic() < deadline:
                QTimer.singleShot(CAUGHT_UP_POLL_MS, self.win,
                                  lambda: self._finish_when_caught_up(result, deadline))
                return
            log.debug("index_finished: the window's reads still running after %.0f s", CAUGHT_UP_MAX_S)
        self.win.index_finished.emit(result)

    def _end_reads_pending(self) -> bool:
        win = self.win
        if win.project is None:
            return False
        return (win.model.reading() or win.panel_ctl.image_reads.busy() or win.query_loader.busy()
                or win.counts_loader.busy() or win._counts_timer.isActive())

    def _on_index_error(self, exc) -> None:
        self._listed = True
        self.win.show_error(f"Indexing failed: {failure_text(exc, shown_database(self.win))}")
        self.win.index_finished.emit(exc)
        self.requery()


def shown_database(win) -> str | None:
    """The window's project database as a failure names it (its file; a server's URL
    without its password), or None with no project open."""
    project = getattr(win, "project", None)
    return None if project is None else shown_database_of(project)


class IndexStopped(Exception):
    """The window's index stopped by a full disk: the message says what it kept."""


def _index_job(project):
    """``project.index`` as the window's job: a full disk met after batches were committed
    says what they kept and how to finish, as `llmvis index` does (the window said "the
    disk ... is full; nothing was saved" after listing 2,000 files it kept)."""
    def run(token, progress):
        try:
            return project.index(token, progress)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            try:
                n = project.count()
                kept = f"{n:,} image{'s' if n != 1 else ''} indexed"
            except Exception:  # noqa: BLE001 - counted if it can be; the line is said anyway
                kept = None
            raise IndexStopped(disk_full_stopped("the index", shown_database_of(project), kept,
                                                 "the index (F5)")) from exc
    return run


def shown_database_of(project) -> str | None:
    from ..core.store.db_location import describe_url

    try:
        return describe_url(project.db_url)
    except Exception:  # a name is a courtesy
        return None
