"""Opens and closes projects for the main window, indexes them, and keeps the grid and
the status-bar counts in step with the database.

``ProjectController(win)`` works on the window's widgets and state: it sets
``win.project`` and ``win.index_job`` and emits the window's ``project_opened``,
``project_closed`` and ``index_finished`` signals. The window keeps its public API
(``open_project``, ``close_project``, ``start_index``, ``requery``, ``update_counts``,
``choose_folder``, ``open_demo``) as one-line calls into this controller, and wires the
controller's slots to its loaders and filter bar.

Opening runs off the GUI thread too (:mod:`.project_opener`: a new folder's database
made and migrated, the demo built), the job line saying "Opening NAME…"; the window is
set up for the project once it is open (``_opened``). Every database read here runs off
the GUI thread: the grid's id query on
``win.query_loader`` (applied only if the project and query are still current and the
ids changed) and the counts' GROUP BY on ``win.counts_loader``. The open's index starts
once the grid holds and has drawn the first ids (it competed with them for the interpreter
lock). The index job itself is followed by the :class:`.index_runs.IndexRuns` mixin.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..core import config as cfg_mod
from ..core.project import Project, ProjectError
from ..core.store.engine import url_without_password
from .dock_layout import first_run_sizes
from .models.grid_model import WINDOW
from .open_reads import PlaceReads, first_reads, place_reads, row_map, selected_window
from .settings_reads import SettingsReads
from .view_memory import describe, no_match_text, restore_view, restored_text, view_key, view_state
from .index_runs import INDEX_DONE_MS, IndexRuns  # noqa: F401  (INDEX_DONE_MS re-exported)
from .status_counts import StatusCounts
from .project_opener import OpenRequest, ProjectOpener
from .project_texts import (  # noqa: F401  (re-exported)
    LOADING_TEXT, NO_MATCH_TEXT, counts_min_width, counts_text, empty_text, folder_name, is_whole_disk, scan_summary)

log = logging.getLogger(__name__)

#: timers (they fire once the event loop is idle; a posted call ran in the same stretch of
#: the loop): the open's index after its first ids are drawn, the configuration saved after
#: the open's set-up (the grid's refresh after an index: :data:`.index_runs.INDEX_DONE_MS`)
INDEX_AFTER_IDS_MS = AFTER_OPEN_MS = 1


class ProjectController(IndexRuns, StatusCounts, QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self._after_requery: list = []
        self._listing_shown = False
        #: True while open_project closes the previous project (project_closed: a switch)
        self.switching = False
        self._requery_timer = QTimer(self, singleShot=True, interval=1000)
        self._requery_timer.timeout.connect(self.requery)
        self.opener = ProjectOpener(self)  # Project.open off the GUI thread
        self.opener.opened.connect(self._opened)
        self.opener.failed.connect(self._open_failed)
        self.settings_reads = SettingsReads(win, self)  # a dialog's settings, read off the GUI thread

    # --- projects -------------------------------------------------------------------------
    def choose_folder(self) -> None:
        win = self.win
        folder = QFileDialog.getExistingDirectory(win, "Open image folder", win.config.last_project or "")
        if folder:
            self.open_project(folder)

    def open_demo(self) -> bool:
        """Build the demo folder (first time: 1.4 s of image writing) and open it, both off
        the GUI thread; False when the open cannot even start."""
        folder = cfg_mod.data_dir() / "demo"
        db_url = self.win.config.database_for(str(folder))
        max_pixels = self.win.config.max_image_pixels
        who = self.win.config.reviewer or None

        def work() -> Project:
            from ..core.demo import build_demo, seed_taxonomy

            try:
                build_demo(folder)
            except Exception as exc:
                raise ProjectError(f"Cannot build the demo project: {exc}") from exc
            project = Project.open(folder, db_url, max_pixels=max_pixels, who=who)
            try:
                seed_taxonomy(project)
            except Exception as exc:
                project.close()
                raise ProjectError(f"Cannot build the demo project: {exc}") from exc
            return project

        return self._start_open(OpenRequest(str(folder), db_url, True, "the demo project", work, first_reads))

    def open_project(self, folder, db_url: Optional[str] = None, index: bool = True) -> bool:
        """Open ``folder`` off the GUI thread (a new folder's database is made and migrated
        there): the status bar says "Opening NAME…" meanwhile, ``win.project_opened`` is
        emitted once it is open, and an error is shown as before. False when refused at
        once (not a folder; / or the home folder declined), True when the open started."""
        win = self.win
        path = Path(folder).expanduser()
        if not path.is_dir():  # (a recent project moved or deleted) keep the open one
            what = ("is a file, not a folder; open the folder that holds the images" if path.exists()
                    else "no such folder (moved, deleted, or its drive is not connected)")
            win.show_error(f"{folder}: {what}" + ("; the open project stays open" if win.project else ""))
            return False
        if index and is_whole_disk(path) and not self.confirm_whole_disk(path.resolve()):
            return False
        if db_url is None:  # the team database this folder was opened with last, if any
            db_url = win.config.database_for(folder)
        max_pixels = win.config.max_image_pixels
        who = win.config.reviewer or None  # named to a teammate waiting for this window's lock
        return self._start_open(OpenRequest(
            str(folder), db_url, index, folder_name(path.resolve()),
            lambda: Project.open(folder, db_url, max_pixels=max_pixels, who=who), first_reads))

    def opening(self) -> bool:
        """Whether a project is being opened (``win.project`` is then None)."""
        return self.opener.busy()

    def _start_open(self, request: OpenRequest) -> bool:
        win = self.win
        running = self.opener.request
        if running is not None and (running.folder, running.db_url, running.index) == (
                request.folder, request.db_url, request.index):
            return True  # the same open again (a double click): the one under way goes on
        # the loaded models stay through the switch: the project opened next unloads those it
        # does not choose (or chooses with other opt-ins), and keeps the others loaded
        self.switching = True
        try:
            self.close_project()
        finally:
            self.switching = False
        self.opener.start(request)  # (a running open of another folder is superseded)
        win.panel_ctl.show_job_status(None)  # the job line says "Opening NAME…", with a busy bar
        win.setWindowTitle(f"{self.opening_text()} \u2014 llmvis")
        return True

    def opening_text(self) -> str:
        """"Opening NAME…" while a project is being opened, else ""."""
        request = self.opener.request
        return f"Opening {request.name}\u2026" if request is not None else ""

    def _end_opening(self) -> None:
        """The "Opening…" state is over: the job line says the jobs again."""
        win = self.win
        win.panel_ctl.show_job_status(None)
        if win.project is None:
            win.setWindowTitle("llmvis")

    def _open_failed(self, request: OpenRequest, exc) -> None:
        self._end_opening()
        self.win.suggest_ctl.free_unused_models()  # no project after all: every loaded model
        from .team_open import ask_password, failure_text

        if ask_password(self.win, request, exc):  # a team server wants a password: asked for
            return
        plain = failure_text(request, exc)  # a team server not reached, no such database, no driver
        if plain is not None:
            self.win.show_error(plain)
            return
        if isinstance(exc, ProjectError):
            self.win.show_error(str(exc))
        else:
            log.exception("opening %s failed", request.folder, exc_info=exc)
            self.win.show_error(f"{request.folder}: cannot open the project ({exc})")

    def _opened(self, request: OpenRequest, project: Project, reads=None) -> None:
        """The window set up for ``project``; ``reads``: the taxonomy, its usage and the
        settings read on the opener's thread (:func:`.open_reads.first_reads`; None: read
        here). The configuration is saved once the window is shown (:meth:`_after_open`)."""
        self._end_opening()
        win = self.win
        db_url, index = request.db_url, request.index
        win.project = project
        self.reads = (project, reads) if reads is not None else None
        self.settings_reads.fill(project, reads.settings if reads is not None else None)
        win.config.remember_project(str(project.root), db_url)
        win.review.set_project(project)
        # the grid's ids come off the GUI thread (requery below): it says so meanwhile
        win.model.set_project(project, win.thumbs, query=False, labels=reads.labels if reads else None)
        win.grid.set_empty_text(LOADING_TEXT)
        self._select_first = False
        self._place_wanted = True  # the first ids restore the reviewer's place
        win.filter_bar.reset()  # (its labels: the panels' set_project below)
        win.stack.setCurrentWidget(win.browse_page)
        win._show_docks(True)
        win.setWindowTitle(f"{folder_name(project.root)} — llmvis")
        self._listed = not index  # the grid says "no images" only once the folder is listed
        shown = url_without_password(project.db_url)
        if project.db_note:
            win.db_label.setText("⚠ " + project.db_note)
        else:  # a database other than the folder's own file is named in the status bar
            win.db_label.setText("" if db_url is None else f"database: {shown}")
        win.db_label.setToolTip(project.db_note or shown)
        if project.db_note:
            win.statusBar().showMessage(project.db_note, 10000)
        from ..core.store.moved_copies import MOVED_MARK

        if MOVED_MARK in (project.db_note or ""):  # a moved folder's reviews are elsewhere: said in a box
            win.show_error(project.db_note[0].upper() + project.db_note[1:] + ".", box_name="notice_box")
        read_only = project.store.read_only()
        if read_only:  # said once, here: each change refused later says it again, briefly
            win.db_label.setText("⚠ read-only database")
            win.db_label.setToolTip(read_only)
            win.show_error(f"This project can be browsed and exported, but no change can be saved: "
                           f"{read_only}.", box_name="notice_box")
        win.panels_call("set_project", project, reads)
        win.filter_bar.set_folders(reads.folders if reads is not None and reads.folders is not None
                                   else project.folders())
        self._restore_view(project, reads)  # (the filter bar's labels and folders are known now)
        first_run_sizes(win)  # (the label chips' lines are known now)
        # the ids' arrival (_apply_ids) restores the reviewer's place; the index starts once
        # the grid has drawn them (:meth:`_index_after_first_ids`)
        self._index_owed = project if index else None
        self.requery(then=(lambda: self._index_after_first_ids(project)) if index else None)
        win.grid.setFocus()
        win.project_opened.emit(project)
        win.team_watch.start(project)
        self.reads = None  # (the set-up is over: the settings are read afresh from now on)
        # not shown: once the window has drawn the project, in a later pass of the loop
        QTimer.singleShot(AFTER_OPEN_MS, self, lambda: self._after_open(project))

    def _restore_view(self, project, reads) -> None:
        """This reviewer's sort and filter of last time put back before the first grid
        query (:mod:`.view_memory`), and said in the status bar."""
        win = self.win
        self._kept_view = ""
        win.review.view_of = lambda: view_state(win.filter_bar)  # saved with the reviewer's place
        key = view_key(win.review.reviewer_name())
        try:
            stored = (reads.settings if reads is not None else self.opened_settings(project)).get(key)
        except Exception:  # a convenience: the open goes on at All images / Name
            log.warning("cannot read the saved sort and filter", exc_info=True)
            return
        win.review.view_as_stored(project, key, stored)
        left_out = restore_view(win.filter_bar, stored)
        win.model.set_params(*win.filter_bar.current())
        described = describe(win.filter_bar)
        # the empty grid's words name the filter that matches nothing, not the sort
        self._kept_view = describe(win.filter_bar, sort=False) if win.model.filter is not None else ""
        text = restored_text(described, left_out)
        if text and not project.db_note:  # (a database's note is said first)
            win.statusBar().showMessage(text, 10000)

    #: the filter put back at the open, in words, until the reviewer changes it ("": none)
    _kept_view = ""

    #: (project, FirstReads) of the project being opened, while _opened sets the window up
    reads = None
    #: the project opened whose index has not started yet (it starts after its first ids)
    _index_owed = None

    def _index_after_first_ids(self, project) -> None:
        """The open's index started once its first ids are in the grid and drawn (a timer
        fires once the event loop is idle): started with the open, its listing (100k files
        compared with their rows, in Python) took the interpreter lock from the first query,
        the set-up and the first paint (a reopen froze the window 60-145 ms)."""
        def start() -> None:
            if self._index_owed is project and self.win.project is project:
                self.start_index()
        if self._index_owed is project:
            QTimer.singleShot(INDEX_AFTER_IDS_MS, self, start)

    def opened_settings(self, project) -> dict:
        """The settings of ``project`` as the window knows them (read on the opener's
        thread at the open, kept up to date since: :meth:`.SettingsReads.cached`)."""
        return self.settings_reads.cached(project)

    def _after_open(self, project) -> None:
        """The configuration (the recent projects) saved and the thumbnail cache pruned,
        after the opened project's first pass of the event loop (0.5-8 ms of disk writes,
        the prune thread's start: in the one long step that set the window up). The
        configuration is written on a writer thread (the write was still seen on the GUI
        thread in the window-open phase); quitting writes it on the GUI thread."""
        win = self.win
        win._save_config(soon=True)  # (the project remembered even if closed meanwhile)
        if win.project is project:
            win._prune_thumbnail_cache()

    def confirm_whole_disk(self, root: Path) -> bool:
        """Opening ``/`` or the home folder lists and indexes every image under it: asked first."""
        what = "the root of the disk" if root == Path(root.anchor) else "your home folder"
        answer = QMessageBox.question(
            self.win, "Index a whole disk?",
            f"{root} is {what}. Opening it lists every file below it and indexes every image "
            f"it finds, which can take a long time and a large database.\n\nOpen it anyway?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open

    def close_project(self) -> None:
        win = self.win
        if not self.switching and self.opener.busy():  # closed while opening: not opened after all
            self.opener.cancel()
            self._end_opening()
            win.suggest_ctl.free_unused_models()  # (kept through the switch) no project: none stays
        if win.project is None:
            return
        win.panel_ctl.flush_edits()  # a caption (or card edit) being typed is saved, in this project
        win.panel_ctl.wait_taxonomy()  # a label change under way is finished on this project
        if win.panel_ctl.close_repair_dialogs():  # they belong to this project (its undo stack)
            win.statusBar().showMessage("The open repair dialogs were closed with the project; "
                                        "their unsaved repairs were discarded.", 8000)
        win.team_watch.stop()
        win.review.save_position()
        win.jobs.cancel_all("its folder was closed (work done so far is kept)")
        win.jobs.wait(30000)
        dlg = getattr(win.panel_ctl, "interchange_dialog", None)
        if dlg is not None:  # its export or import was this project's (cancelled just above)
            dlg.close()
        dlg, win.suggest_ctl.evaluation_dialog = win.suggest_ctl.evaluation_dialog, None
        if dlg is not None:  # its numbers are this project's (it stayed, showing them over the next one)
            dlg.close()
        win.image_loader.cancel()
        win.review.set_project(None)
        win.model.clear()
        win.thumbs.clear()
        win.panels_call("set_project", None)
        self.settings_reads.wait()
        self.settings_reads.forget()
        self.opener.close_later(win.project)  # its database closes off the GUI thread
        win.project = None
        self.reads = None
        self._forget_closed_project()
        win.viewer_call("clear")
        win.counts_label.setText("")  # the closed project's counts stayed on the welcome page
        win.filter_bar.count_label.setText("")
        win.setWindowTitle("llmvis")
        if win.welcome is not None:
            win.stack.setCurrentWidget(win.welcome)
            win._show_docks(False)
        win.project_closed.emit()

    def _forget_closed_project(self) -> None:
        """Drop what the window remembered of the project just closed (counts last read,
        the place and view last saved, the image last loaded): each held the Project, and
        with it its database engine and caches, until another project replaced it."""
        win = self.win
        self._counts_read = self._total = None
        win.review._position_saved = win.review._view_saved = None
        win.shown._loading_key = win.shown._unshown = None
        reads = getattr(win.panel_ctl, "image_reads", None)
        if reads is not None:
            reads._project, reads._wanted = None, {}

    def shutdown(self) -> None:
        """Stop the opener's thread (an open under way is closed unused)."""
        self.opener.shutdown()
        self.settings_reads.shutdown()

    # --- grid query and counts --------------------------------------------------------------
    def requery(self, then=None) -> None:
        """Run the grid's query again off the GUI thread; apply it if the ids changed."""
        if then is not None:
            self._after_requery.append(then)
        if self.win.project is None:
            self._run_after_requery()
            return
        project, m = self.win.project, self.win.model
        # the open's first ids: the reviewer's place and its records read with them
        keys = self.win.review.position_keys() if self._place_wanted and not self._select_first else None
        settings = self.reads[1].settings if self.reads is not None and self.reads[0] is project else None
        seq = m._edit_seq
        shown, keep = m.ids, self.win.grid.current_id()

        def query():
            ids = project.image_ids(m.filter, m.sort, m.descending)
            if keys is not None:
                place = place_reads(project, ids, settings, keys, WINDOW)
            else:
                place = PlaceReads(row_map(ids), None)
                if ids != shown:  # the records of the row selected next, read here (_apply_ids)
                    place = replace(place, window=selected_window(project, ids, place.row_of, keep, WINDOW))
            return project, (m.filter, m.sort, m.descending), ids, (seq, keys is not None, place)

        self.win.query_loader.submit(query)

    def _run_after_requery(self) -> None:
        todo, self._after_requery = self._after_requery, []
        for fn in todo:
            fn()

    def on_requeried(self, result, error) -> None:
        """``win.query_loader.done``: apply the ids, then run the ``requery(then=...)`` calls."""
        try:
            if error is not None:
                self._query_failed(error)
            elif result[0] is self.win.project and result[1] == (self.win.model.filter, self.win.model.sort,
                                                                 self.win.model.descending):
                self._apply_ids(result[2], result[3])
        finally:
            self._run_after_requery()

    def _query_failed(self, error) -> None:
        """Said, not only logged: the grid kept listing the previous filter's rows and
        count under the new filter (a locked database; SQLite refusing a long pattern)."""
        log.warning("grid query failed: %s", error)
        win = self.win
        reason = str(getattr(error, "orig", None) or error).split("\n", 1)[0][:160]
        win.statusBar().showMessage(f"The grid's images could not be listed: {reason}", 10000)
        if win.model.filter is None:
            self.update_counts()  # (an open's first query: the counts were left to it)
            return  # a sort: the rows listed are still the right ones, in the old order
        with win.grid.holding_current():
            win.model.set_ids([])
        win.grid.set_empty_text(f"The filter could not be applied ({reason}) \u2014 Esc clears it")
        win.filter_bar.count_label.setText("the filter could not be applied")
        self._failed_filter = win.model.filter  # the counts landing later must not say "0 of N"

    _failed_filter = None  # the filter whose grid query failed, while it is the one applied

    def _apply_ids(self, ids, read=None) -> None:
        """``read``: (the model's edit count when the query started, whether the place was
        asked for, the :class:`PlaceReads` read with the ids off the GUI thread) or None."""
        self._failed_filter = None
        win = self.win
        first, self._select_first = self._select_first, False
        seq, asked, place = read if read is not None else (None, False, None)
        placed = asked and place.read  # (else read on the GUI thread, as before)
        if asked:
            self._place_wanted = False
        # a filter that matches nothing, or a folder without images, said nothing: a blank grid
        win.grid.set_empty_text(self._empty_text())
        if asked and not ids and self._kept_view and win.model.filter is not None:
            win.statusBar().showMessage(no_match_text(self._kept_view), 15000)  # not a blank grid alone
        self._count_at_once(ids)
        if ids == win.model.ids:
            self.update_counts()
            return
        keep = win.grid.current_id()
        with win.grid.holding_current():  # the current image kept: no "None" in between
            win.model.set_ids(ids, place.row_of if place is not None else None)
            if place is not None and place.window is not None and seq == win.model._edit_seq:
                win.model.put_window(*place.window)  # the row selected below: nothing to read
            row = win.model.row_of(keep) if keep is not None else None
            if row is not None:
                win.grid.select_row(row)
        if row is None and win.model.rowCount():
            if first:
                win.grid.select_row(0)  # a filter left the current image out: the first one
            elif keep is None:
                # its cards read with the ids: the panel waited for them on the GUI thread
                win.panel_ctl.fetched = place.cards if placed else None
                try:
                    win.review.restore_position((place.image_id,) if placed else None)
                finally:
                    win.panel_ctl.fetched = None
        self.update_counts()

    def _count_at_once(self, ids) -> None:
        """The filter bar's count from the ids just fetched: at 100k images it kept the
        previous filter's figure until the counts query (the same scan again) returned.
        The rows listed are what matches now; the counts then add "still match" when a
        review later leaves some rows out of the filter, and the total when it changed."""
        win = self.win
        known = self._total
        if win.model.filter is None:
            win.filter_bar.set_count(len(ids), len(ids))
        elif known is not None and known[0] is win.project:
            win.filter_bar.set_count(len(ids), known[1])

    _select_first = False
    _place_wanted = False  # the next ids restore the reviewer's place (read with them)
    _listed = False

    def _empty_text(self) -> str:
        if self.win.model.filter is not None:
            return no_match_text(self._kept_view) if self._kept_view else NO_MATCH_TEXT
        if self._listed and self.win.project is not None:
            return empty_text(self.win.project.root)
        return ""  # still listing the folder

    def on_filter(self, flt, sort, descending) -> None:
        """``win.filter_bar.changed``: re-query the grid off the GUI thread (0.1-0.15 s at
        100k images: it froze the window for that long), keeping the current image, or
        the first one if the filter leaves it out."""
        win = self.win
        if win.project is None:
            return
        win.model.set_params(flt, sort, descending)
        self._kept_view = ""  # (the empty grid says the plain "no match" again)
        win.review.view_changed()  # saved with the reviewer's place
        self._select_first = True
        self.requery()
