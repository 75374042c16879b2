"""Wires the side panels (labels, caption, suggestions, history, jobs) and the
dialogs to the project and the review controller.

Panels are standalone widgets that show plain data and emit user intent; this
controller turns intent into review-controller calls (so everything is undoable and
audited) and feeds the panels the current image's data. A panel whose module is not
available is left out, never a reason for the window to fail.

The repair actions (the repair dialog, undo/redo of an accepted repair, the
repair-training job) are the :class:`~.repair_actions.RepairActions` mixin, in their
own module; :class:`RepairCommand` is re-exported here. The dialogs it opens
(Settings, Export/Import, Keyboard shortcuts, the reviewer's name) are the
:class:`~.dialog_actions.DialogActions` mixin; the Jobs panel and the status bar's job
line are the :class:`~.job_actions.JobActions` mixin; the label list's changes (run off
the GUI thread) the :class:`~.taxonomy_actions.TaxonomyActions` mixin; the suggestion
cards (their decisions, typed edits, the empty panel's text) the
:class:`~.suggestion_actions.SuggestionActions` mixin; the History panel (the trail of
the image shown, read once the reviewer pauses) the
:class:`~.history_actions.HistoryActions` mixin.
"""
from __future__ import annotations

import importlib
import logging
import time
from typing import Optional

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QSizePolicy

from ..core.wording import visible_name
from .bulk_refresh import BulkRefresh
from .dialog_actions import DialogActions
from .history_actions import HISTORY_DELAY_MS, HistoryActions  # noqa: F401  (HISTORY_DELAY_MS re-exported)
from .image_reads import ImageReads
from .job_actions import JobActions
from .repair_actions import RepairActions, RepairCommand  # noqa: F401  (RepairCommand re-exported)
from .suggestion_actions import SuggestionActions
from .taxonomy_actions import TaxonomyActions
from .workers import LatestOnly, void

log = logging.getLogger(__name__)


def filter_gone_text(name: str) -> str:
    return f"The label “{name}” was removed: the grid is no longer filtered by it"


def _optional(module: str, cls: str, *args):
    try:
        mod = importlib.import_module(f"llmvis_desktop.qt.{module}")
        return getattr(mod, cls)(*args)
    except (ImportError, AttributeError) as exc:
        log.info("panel %s.%s unavailable: %s", module, cls, exc)
        return None


class PanelController(RepairActions, DialogActions, JobActions, TaxonomyActions, SuggestionActions, HistoryActions,
                      QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self.record = None
        self._caption_id: Optional[int] = None
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.labels = _optional("widgets.label_panel", "LabelPanel")
        self.caption = _optional("widgets.caption_editor", "CaptionEditor")
        self.suggestions = _optional("widgets.suggestion_panel", "SuggestionPanel")
        self.history = _optional("widgets.history_panel", "HistoryPanel")
        self.jobs = _optional("widgets.jobs_panel", "JobsPanel")
        docks = []
        for key, title, widget, area in (
            ("labels", "Labels", self.labels, right),
            ("caption", "Caption", self.caption, right),
            ("suggestions", "Suggestions", self.suggestions, right),
            ("history", "History", self.history, right),
            ("jobs", "Jobs", self.jobs, bottom),
        ):
            if widget is not None:
                docks.append(win._dock(key, title, widget, area))
        for widget in (self.labels, self.caption):  # room to spare goes to the suggestion
            if widget is not None:  # cards and the history (a dragged splitter still gives them more)
                policy = widget.sizePolicy()
                policy.setVerticalPolicy(QSizePolicy.Policy.Maximum)
                widget.setSizePolicy(policy)
        if self.labels is not None:
            self.labels.toggled.connect(void(lambda name, on: win.review.toggle_label(name, on=on)))
            self.labels.addRequested.connect(self._add_label)
            self.labels.renameRequested.connect(void(lambda old, new: self._label_change(old, new_name=new)))
            self.labels.recolorRequested.connect(void(lambda name, c: self._label_change(name, color=c)))
            self.labels.removeRequested.connect(self._remove_label)
            self.labels.keyRequested.connect(void(lambda name, key: self._label_change(name, shortcut=key)))
            self.labels.exclusiveRequested.connect(void(lambda name, on: self._label_change(name, exclusive=on)))
            self.labels.finished.connect(void(win.grid.setFocus))  # the keys back to the review
            self.labels.set_enabled_for_image(False)
            win.review.label_for_key = self.labels.name_for_key
            win.review.exclusive_labels = self.labels.exclusive_names
        if self.caption is not None:
            self.caption.captionCommitted.connect(self._caption_committed)
            self.caption.editFinished.connect(void(win.grid.setFocus))
            self.caption.set_editable(False)
        if self.suggestions is not None:
            self._wire_suggestions()
        if self.jobs is not None:
            self._wire_jobs()
        win.review.record_changed.connect(self._on_record_changed)
        win.review.labels_moved.connect(self._labels_moved)
        self._init_history()  # the History panel follows the image shown (:mod:`.history_actions`)
        self._usage_timer = QTimer(self, singleShot=True, interval=400)
        self._usage_timer.timeout.connect(self._update_usage)
        self._usage_loader = LatestOnly(self)
        self._usage_loader.done.connect(self._on_usage)
        self._init_cards()  # the suggestion cards: read off the GUI thread too
        self._init_taxonomy()
        self.bulk = BulkRefresh(self)  # the grid and panels after a job, read off the GUI thread
        self.image_reads = ImageReads(self)  # an image changed elsewhere: read off the GUI thread
        win.review.reread = self.image_reads.ask

    def update_usage_soon(self) -> None:
        """The label usage counts, once after a burst of changes (a teammate's too)."""
        self._usage_timer.start()

    def _update_usage(self) -> None:
        """The label panel's usage counts, read off the GUI thread (6-20 ms on a team's
        database, after every action and every teammate's change shown)."""
        project = self.win.project
        if self.labels is not None and project is not None:
            # one transaction (two sessions were 3 round trips more on a team's PostgreSQL)
            self._usage_loader.submit(lambda: (project, *project.labels_and_images()[:2]))

    def _labels_moved(self, moves: dict) -> None:
        """A review action committed: the chips' counts move with its result at once (they
        waited for the re-read 400 ms after the reviewer paused: "crack (0)" after 3 and
        Enter, all along a steady review). A re-read begun before the commit is dropped and
        asked again after the move; none follows the write (4 round trips a key on a team's
        PostgreSQL): a teammate's changes are the team watch's (it reads the counts again)."""
        if self.labels is not None and hasattr(self.labels, "move_usage"):
            dropped = self._usage_loader._running
            self._usage_loader.cancel()
            self.labels.move_usage(moves)
            if dropped:
                self._usage_timer.start()

    def shutdown(self) -> None:
        """Stop the usage reads' thread (the window is closing)."""
        self._usage_timer.stop()
        self._usage_loader.shutdown()
        self._history_reader.shutdown()
        self._cards_reader.shutdown()
        self.bulk.shutdown()
        self.image_reads.shutdown()
        self.shutdown_taxonomy()
        self.shutdown_repair()

    def _on_usage(self, result, error) -> None:
        if error is not None:
            log.warning("label usage: %s", error)
            return
        project, defs, usage = result
        if self.labels is not None and project is self.win.project:
            if hasattr(self.labels, "shows") and self.labels.shows(defs):
                self.labels.set_usage(usage)  # the same chips: their counts in place
            else:
                self.labels.set_labels(defs, usage)
            if self.record is not None:
                self.labels.set_checked(self.record.labels)
            self.name_label_keys()

    # --- project and current image --------------------------------------------------
    def set_project(self, project, reads=None) -> None:
        """``reads``: the taxonomy and its usage as read on the opener's thread (a
        :class:`~.open_reads.FirstReads`), else read here."""
        self.record = None
        if project is None:  # (closing: the chips stay, hidden with the docks; the next
            self.set_record(None)  # project's replace them, those of the same one are kept)
            self.name_label_keys(project_open=False)  # (win.project is still the closing one)
            return  # the closing project's taxonomy and usage were read again here (30-40 ms at 100k)
        self.reload_labels(*((reads.labels, reads.usage) if reads is not None else ()))

    #: the open image's (id, suggestions, judged) as read off the GUI thread, while the
    #: team watch shows it (set_record reads nothing then)
    fetched: Optional[tuple] = None

    def reload_labels(self, defs=None, usage=None, say: bool = True) -> Optional[str]:
        """The taxonomy into the label panel, the grid's colours and the filter bar, from
        ``defs`` and ``usage`` when read off the GUI thread (the team watch), else from the
        project. Returns the name of the label filtered by when it was removed, said on
        the status bar unless ``say`` is False (the caller says it in its own line)."""
        project = self.win.project
        if project is None:
            if self.labels is not None:
                self.labels.set_labels([])
            return None
        if defs is None:
            defs, usage = project.labels(), None
        if self.labels is not None:
            self.labels.set_labels(defs, project.label_usage() if usage is None else usage)
        self.win.model.reload_labels(defs)
        if self.history is not None:
            self.history.set_label_order([d.name for d in sorted(defs, key=lambda d: (d.position, d.name))])
        self.name_label_keys()
        gone = self.win.filter_bar.set_labels(defs)
        if gone is not None and say:  # the grid lists any label again: not without a word
            self.win.statusBar().showMessage(filter_gone_text(gone), 10000)
        return gone

    def name_label_keys(self, project_open: bool = True) -> None:
        """Review ▸ Toggle label: each key's entry names its label ("Toggle label 1:
        scratch") or says it has none (the menu read "Toggle label 1" … "9" whatever the
        taxonomy); plain "Toggle label N" with no project open."""
        shown = self.labels if project_open and self.win.project is not None else None
        for n in range(1, 10):
            act = self.win.review.actions().get(f"label_{n}")
            if act is None:
                continue
            name = shown.name_for_key(str(n)) if shown is not None else None
            if shown is None:
                act.setText(f"Toggle label {n}")
            else:
                act.setText(f"Toggle label {n}: {name}" if name else f"Toggle label {n} (no label on this key)")

    def flush_caption(self) -> bool:
        """Save a caption being typed (the project or the window is closing, an action
        follows); False when it could not be (the editor keeps it, marked unsaved)."""
        if self.caption is not None and self.caption.is_dirty() and self._caption_id is not None:
            try:
                self.caption.commit()
            except Exception:  # the failure was reported by the review controller
                log.warning("the caption being typed could not be saved", exc_info=True)
            return not self.caption.is_dirty()
        return True

    def flush_edits(self) -> bool:
        """Save what is being typed on the image shown: the caption editor's text, and a
        suggestion card's edit (decided as edited). Before Accept, Reject, Undo, Redo:
        False (the action waits) when something typed could not be saved."""
        ok = self.flush_caption()
        if self.record is not None:
            ok = self._flush_card_edits(self.record.id) and ok
        return ok

    def _save_typing(self, leaving, rec) -> bool:
        """Moving from ``leaving`` to ``rec``: save what was typed on ``leaving`` (a card's
        edit, the caption editor's text). False when it could not be and the selection
        goes back to ``leaving`` (its panels stay), the text kept there, unsaved: moving
        on showed the next image's caption over the typed one, lost."""
        saved = self._flush_card_edits(leaving.id)
        if saved and self.caption is not None and self.caption.is_dirty() and \
                self._caption_id is not None and (rec is None or rec.id != self._caption_id):
            saved = self.flush_caption()
        if saved:
            return True
        row = self.win.model.row_of(leaving.id)
        if row is None:  # no longer in the view: moving on cannot be undone
            if self.caption is not None and self.caption.is_dirty():
                self.win.show_error(f"The caption typed for {visible_name(leaving.relpath)} could not be saved: "
                                    f"\u201c{self.caption.text().strip()}\u201d")
            return True
        self.win.statusBar().showMessage(
            f"Stayed on {visible_name(leaving.relpath)}: what you typed could not be saved and is kept, unsaved. "
            "Try again (Ctrl+Enter, or move on), or Esc to drop it.", 10000)
        self._going_back = leaving.id
        QTimer.singleShot(0, self, lambda: self._go_back(leaving.id))
        return False

    _going_back = None  # the image the selection goes back to (its typing not saved)

    def _go_back(self, image_id: int) -> None:
        self._going_back = None
        row = self.win.model.row_of(image_id)
        cur = self.win.review.current
        if row is not None and (cur is None or cur.id != image_id):
            self.win.grid.select_row(row)

    def set_record(self, rec) -> None:
        leaving = self.record
        if self._going_back is not None and leaving is not None and leaving.id == self._going_back and \
                (rec is None or rec.id != leaving.id):
            return  # the image moved to shown again (read afresh) before the way back: not saved twice
        if leaving is not None and (rec is None or rec.id != leaving.id) and not self._save_typing(leaving, rec):
            return  # back to ``leaving`` in a moment: its panels stay
        if leaving is None and (rec is None or rec.id != self._caption_id):
            self.flush_caption()  # (no image was shown: the project was set afresh)
        self.record = rec
        project = self.win.project
        if self.labels is not None:
            self.labels.set_enabled_for_image(rec is not None)
            self.labels.set_checked(rec.labels if rec else ())
        if self.caption is not None:
            # the same image shown afresh (another reviewer changed it) while one types:
            # the typed text stays; saving it is the reviewer's own change
            typing = self.caption.is_dirty() and rec is not None and rec.id == self._caption_id
            self._caption_id = rec.id if rec else None
            if not typing:
                self.caption.set_caption(rec.caption if rec else None)
            else:  # the stored caption may have changed under the typed text
                self.caption.set_saved(rec.caption)
            self.caption.set_editable(rec is not None)
        self.unread = None
        fetched = self.fetched
        # the image shown again after an action on it: ``early``, as the action will leave it
        # (not committed yet: the commit's record follows, read for then), else its cards and
        # its trail read together (a session each was two round trips more on a server)
        again = leaving is not None and rec is not None and leaving.id == rec.id and project is not None \
            and (fetched is None or fetched[0] != rec.id)
        early = again and self.win.review.shown_early(rec)
        together = again and not early and self.history is not None and self._history_for is not None \
            and self._history_for[0] == rec.id and not self._history_timer.isActive()
        if rec is not None and fetched is not None and fetched[0] == rec.id:  # read off the GUI thread
            self._drop_cards_read()
            self._fresh_trail_next = self._trail_read_follows(rec, project, early, together)
            try:
                self._show_cards(rec, fetched[1], fetched[2])
            finally:
                self._fresh_trail_next = False
        elif early:
            pass  # its cards stay (and one read under way goes on) until the commit's record
        elif rec is not None and project is not None and (self.suggestions is not None or self.history is not None):
            # another image, on a database far away (the last read was slow): its trail read
            # in the cards' transaction, after them (a session each was a round trip more).
            # Near (a read in a few ms), it is read once the reviewer pauses, as before: read
            # at once, it took the GIL while the cards were laid out (their paint 14 -> 18-28 ms)
            later = self._cards_slow and self.history is not None \
                and (self._history_for is None or self._history_for[0] != rec.id)
            self._load_cards(rec, project, history=together, later=later)  # (shown at once when the database answers in a few ms)
        else:
            self._drop_cards_read()
            self._show_cards(rec, [], [])
        if self.history is not None:
            self._history_follows(rec, project, early, together)

    #: (image id, why) when the open image's suggestions or history could not be read
    unread: Optional[tuple] = None

    def read_again(self) -> None:
        """The database answers again: show the open image afresh if its panels could not
        be read (the team watch calls this after each look it got an answer to)."""
        cur = self.win.review.current
        if self.unread is not None and cur is not None and self.unread[0] == cur.id:
            self.unread = None
            self.win.review.show_from_database(cur.id)

    def _on_record_changed(self, rec) -> None:
        if not self.win.review.change_of(rec)[0]:  # (this window's writes move the counts: _labels_moved)
            self._usage_timer.start()  # label usage counts: once after a burst of changes
        if rec is self.record:
            return  # just shown (the review's current_changed came first, with this record)
        if self.record is not None and rec is not None and rec.id == self.record.id:
            self.set_record(rec)

    # --- caption -------------------------------------------------------------------------
    def edit_caption(self) -> None:
        if self.caption is not None and self.record is not None:
            dock = self.caption.parentWidget()
            if isinstance(dock, QDockWidget) and not dock.isVisible():
                dock.show()
            self.caption.begin_edit()

    def _caption_committed(self, text: str) -> None:
        image_id = self._caption_id
        if image_id is None:
            return
        saved = self.record.caption if self.record is not None and self.record.id == image_id else None

        def failed() -> None:
            # not stored (the database refused or was unreachable): the typed text stays,
            # marked unsaved, instead of looking saved (or being replaced by a re-read); a
            # write refused after the reviewer went on takes them back to it (review_writes)
            if self._caption_id == image_id:
                self.caption.keep_unsaved(text, saved)

        self.win.review.set_caption(text, image_id=image_id, on_failed=failed)

    # --- jobs' rows (the suggestion cards are SuggestionActions) -------------------------------
    def refresh_after_bulk(self) -> None:
        """After a job wrote many rows (suggestions, an import, a repair): grid, counts,
        labels and the current image, read off the GUI thread (:mod:`.bulk_refresh`)."""
        self.bulk.after_job()

    LIVE_EVERY_S = 2.0  # while a job writes suggestions: how often the grid and panels catch up
    _live_at = 0.0  # when they last did

    def refresh_during_job(self) -> None:
        """A job is storing rows as it goes: at most every :data:`LIVE_EVERY_S`, the grid's
        badges (re-fetched off the GUI thread), the counts, and the current image's
        suggestion cards while it shows none (a card being edited is never rebuilt)."""
        win = self.win
        now = time.monotonic()
        if win.project is None or now - self._live_at < self.LIVE_EVERY_S:
            return
        self._live_at = now
        win.model.refresh_all()
        win.update_counts()
        if win.review.current is not None and self.suggestions is not None and self.suggestions.is_empty():
            self.bulk.current_only()  # (read off the GUI thread)

