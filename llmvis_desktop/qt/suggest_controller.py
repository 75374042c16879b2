"""Suggestion jobs for the main window: the learned suggester, local models and the
evaluation report; "Ask the image" is :class:`.ask_controller.AskController`
(``self.asker``).

Every long call runs through the window's :class:`~.workers.JobManager` (jobs panel:
progress, rate, ETA, cancel); nothing here touches the database on the GUI thread
except a single quick write after the user keeps an answer.

Learned suggester (``core.suggest.learned``): one :class:`LearnedSuggester` per open
project. "Suggest labels from reviewed images" trains it on every reviewed image and
writes suggestions for the new/suggested images it has not suggested for yet. While it
has too few reviewed images its ``status()`` sentence ("needs 12 more reviewed
images…") is shown in the status bar and in the suggestion panel's placeholder.
Auto-retrain: once the user has run it in a project (remembered in the project setting
``learned_auto_retrain``, which `llmvis settings` sets too), every 10 review actions that leave an image reviewed start a
retrain + suggest job in the background; once a fit is held, the team's reviews since it
count, read from the database (:mod:`.team_retrain`), not only this window's. The review controller has no dedicated
"reviewed" signal; its ``record_changed`` (one emit per committed action) is used.

Local models (``core.suggest.batch.run_suggest``): the captioner/labeler chosen in the
model manager (project settings ``captioner`` / ``labeler``), run on all images, the
filtered ones, or those not yet suggested, on the session's shared model thread; that
part, with the Models dialog and unloading unused models, is
:class:`.suggest_models.ModelJobsMixin`.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence

from ..core.suggest.learned_ready import AUTO_RETRAIN_SETTING as AUTO_SETTING
from ..core.suggest.learned_ready import RETRAIN_EVERY
from .ask_controller import AskController
from .learned_holder import LearnedHolder, learned_done_text, learned_result_text, learned_status
from .menu_states import update_menu_states
from .suggest_models import NO_MODEL_TIP, ModelJobsMixin
from .team_retrain import TeamReviewCount
from .widgets.elided_label import ElidedLabel
from .workers import LatestOnly, void

log = logging.getLogger(__name__)

#: the learned suggester's readiness, kept up with the review writes' records, is read again
#: this long after the last of them (a teammate's reviews, a file gone): once per pause
RECHECK_MS = 5000
LEARNED_ACTION = "Suggestions \u25b8 Suggest labels from reviewed images"  # the menu's words, for "run ... again"


class SuggestController(ModelJobsMixin, QObject):
    learned_done = Signal(object)  # (TrainReport, n written) or the exception
    models_done = Signal(object)  # SuggestReport or the exception
    evaluation_ready = Signal(object)  # the EvaluationDialog
    status_changed = Signal(str)

    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self._holder: Optional[LearnedHolder] = None  # the open project's learned suggester
        self._statuses: dict[int, str] = {}  # the last status seen per image: reviews are counted once
        self.learned_job = None
        self.models_job = None
        self.eval_job = None
        self.auto_retrain = False
        self.reviews_since_train = 0
        self.learned_ready: Optional[bool] = None
        self.learned_message = ""
        self.evaluation_dialog = None
        self.model_dialog = None
        self._status_loader = LatestOnly(self)
        self._status_loader.done.connect(self._on_status)
        self.team_reviews = TeamReviewCount(self)  # the team's reviews since the fit (team_retrain)
        self._recheck = QTimer(self, singleShot=True)
        self._recheck.timeout.connect(self.refresh_learned_status)
        # elided: its readiness text ("needs 10 more reviewed images (5 per label...") is
        # long, and a plain label made the window at least that wide
        self.status_label = ElidedLabel(objectName="learnedLabel", min_width=120)
        win.statusBar().addPermanentWidget(self.status_label)
        # it gives way to a message (the Suggestions panel says it too): at 1024 px its
        # long line left a message no room at all beside the counts
        win.statusBar().messageChanged.connect(lambda msg: self.status_label.setVisible(not msg))
        win.project_opened.connect(self._on_project_opened)
        win.project_closed.connect(self._on_project_closed)
        win.review.record_changed.connect(self._on_record_changed)
        win.review.current_changed.connect(self._on_shown)
        self.asker = AskController(win, self._chosen)  # "Ask the image"
        # a teammate chose other models (seen by the team watch): the menu, Ask box and models follow
        win.project_ctl.settings_reads.changed.connect(self._settings_changed)

    # --- project -----------------------------------------------------------------------
    @property
    def learned(self):
        """The open project's LearnedSuggester, or None (no project, or not built yet)."""
        return self._holder.suggester if self._holder is not None else None

    @learned.setter
    def learned(self, suggester) -> None:
        if self.win.project is not None and (self._holder is None or self._holder.project is not self.win.project):
            self._holder = LearnedHolder(self.win.project)
        if self._holder is not None:
            self._holder.set(suggester)

    def _on_project_opened(self, project) -> None:
        self._holder = LearnedHolder(project)  # its suggester is built off the GUI thread
        self.reviews_since_train = 0
        self._statuses.clear()
        try:
            self.auto_retrain = bool(self.win.project_ctl.opened_settings(project).get(AUTO_SETTING))
        except Exception:
            self.auto_retrain = False
        act = getattr(self.win, "act_auto_retrain", None)
        if act is not None:
            act.blockSignals(True)
            act.setChecked(self.auto_retrain)
            act.blockSignals(False)
        self.refresh_learned_status()
        self.asker.refresh()
        self.update_actions()
        self.free_unused_models()  # kept through the switch: those this project does not choose

    def _settings_changed(self) -> None:
        if self.win.project is not None:
            self._follow_auto_retrain()
            self._follow_encoder()  # (suggest_models)
            self.update_actions()
            self.asker.refresh()
            self.free_unused_models()

    def _follow_auto_retrain(self) -> None:
        """A teammate switched the retrain every 10 reviews on or off (a project setting,
        in the team's database): this window and its menu tick follow, as reopening would."""
        on = self.win.project_ctl.settings_reads.value(self.win.project, AUTO_SETTING)
        if on is None or bool(on) == self.auto_retrain:
            return
        self.auto_retrain = bool(on)
        act = getattr(self.win, "act_auto_retrain", None)
        if act is not None:
            act.blockSignals(True)
            act.setChecked(self.auto_retrain)
            act.blockSignals(False)

    def _on_project_closed(self) -> None:
        self._holder = None
        self.learned_ready = None
        self.learned_message = ""
        self._status_loader.cancel()
        self.team_reviews.cancel()
        self._recheck.stop()
        self.close_models_dialog()
        self.asker.closed()
        if not getattr(self.win.project_ctl, "switching", False):
            self.free_unused_models()  # no project: every loaded model
        # (File ▸ Open: the next project unloads those it does not choose, keeps the others)
        self.status_label.setText("")
        self.win.panel_ctl.set_suggestion_hint("")
        self.update_actions()

    def shutdown(self) -> None:
        from ..core.suggest import reading
        from ..core.suggest.worker import shutdown_shared

        from .window_shutdown import run_steps

        run_steps([("status loader", self._status_loader.shutdown),
                   ("team review count", self.team_reviews.shutdown),
                   ("asker", self.asker.shutdown),
                   ("model thread", shutdown_shared),  # no thread outlives the window
                   ("reader processes", reading.shutdown_shared)],  # nor a reader process
                  "suggestions shutdown")

    # --- learned suggester: readiness ----------------------------------------------------
    def refresh_learned_status(self) -> None:
        """Ask how ready the learned suggester is, off the GUI thread (it reads every
        reviewed record; the suggester itself is not built for it)."""
        if self._holder is not None:
            self._recheck.stop()
            self._holder.stale()
            self._status_loader.submit(learned_status, self._holder)

    def _follow_learned_status(self) -> None:
        """After a review: the readiness from the records seen since its last read (no
        database read: it was 4 round trips per Enter on a team's PostgreSQL), judged off
        the GUI thread; read again once the keys pause (:data:`RECHECK_MS`)."""
        if self._holder is not None:
            self._status_loader.submit(learned_status, self._holder, True)
            self._recheck.start(RECHECK_MS)

    def _on_status(self, result, error) -> None:
        if self.win.project is None:
            return
        if error is not None:
            log.warning("learned suggester status: %s", error)
            return
        holder, (ready, message) = result
        if holder is self._holder:  # not a late answer about a project closed meanwhile
            self._set_learned_status(ready, message)

    def _set_learned_status(self, ready: bool, message: str) -> None:
        self.learned_ready, self.learned_message = ready, message
        text = f"Learned suggester: {message}"
        self.status_label.setText(text)  # (an hourglass glyph is missing from common fonts)
        self.status_label.setToolTip(text)
        act = getattr(self.win, "act_learned", None)
        if act is not None:
            act.setStatusTip(text)
            act.setToolTip(text)
        self.win.panel_ctl.set_suggestion_hint(self._hint_with_key(text, ready, act))
        self.status_changed.emit(text)

    @staticmethod
    def _hint_with_key(text: str, ready: bool, act) -> str:
        """The Suggestions panel's line: when it is ready, the key that runs it, as the
        panel's other lines name theirs ("... from 15 reviewed images. Ctrl+L runs it.")."""
        key = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText) if act is not None else ""
        return f"{text}. {key} runs it." if ready and key else text

    # --- learned suggester: jobs -----------------------------------------------------------
    def run_learned(self, auto: bool = False) -> None:
        project, holder = self.win.project, self._holder
        if project is None or holder is None or (self.learned_job is not None and self.learned_job.is_active):
            return
        if not auto and self.learned_ready is False:
            # not ready (the status read off the GUI thread says how many more reviews it
            # needs): said at once; no failed job, no retraining switched on
            self.win.statusBar().showMessage(f"Learned suggester: {self.learned_message}", 10000)
            self.refresh_learned_status()
            return
        self._keep_up = not auto  # asked for once: kept up to date, once it ran

        def job(token, progress):
            from ..core.suggest.learned import NotReady, train_cancellable
            from ..core.suggest.learned_store import stopped_by_full_disk

            sugg = holder.get()  # built here if the status loader has not yet
            ready, message = sugg.status()
            if not ready:
                raise NotReady(message)
            try:
                report = train_cancellable(sugg, token, progress)  # (a cancel says nothing was stored)
                # the image on the reviewer's screen keeps the learned cards it shows: renewing
                # or withdrawing them under the reviewer refused the next Enter (read at each
                # batch's write); one showing none gets them
                return report, sugg.run(None, True, token, progress, hold=lambda: self._on_screen(project))
            except Exception as exc:  # a full disk in its own words (run's batches say it already)
                stopped = stopped_by_full_disk(project, exc, None)
                if stopped is None:
                    raise
                raise stopped from exc

        self.reviews_since_train = 0
        name = "Retrain learned suggester" if auto else "Learned suggestions"
        self.learned_job = self.win.jobs.start(name, job)
        # batches are committed as it goes: the image on screen shows its cards (not at the end)
        self.learned_job.signals.progress.connect(void(
            lambda p: getattr(p, "stage", "") == "suggest" and p.done and self.win.panel_ctl.refresh_during_job()))
        self.learned_job.signals.result.connect(self._on_learned_result)
        self.learned_job.signals.error.connect(self._on_learned_error)
        self.learned_job.signals.cancelled.connect(self._on_learned_cancelled)
        self.learned_job.signals.finished.connect(self.refresh_learned_status)

    def _on_screen(self, project) -> tuple:
        """The id of the image the reviewer has on screen when it shows pending learned
        cards, or none (called from the job's thread before each batch is stored: one
        attribute read and one short read session). An image without learned cards is not
        held: it gets them like the rest (holding it left it with none, and Enter then
        marked it reviewed with no labels); the panel shows them after that batch."""
        from ..core.suggest.learned import MODEL_PREFIX

        cur = getattr(self.win.review, "current", None)
        if cur is None or project is None or self.win.project is not project:
            return ()
        try:
            pending = project.suggestions(cur.id, pending_only=True)
        except Exception as exc:  # unsure: hold it, as before
            log.warning("learned suggester: cards of the image on screen: %s", exc)
            return (cur.id,)
        return (cur.id,) if any(s.model_id.startswith(MODEL_PREFIX) for s in pending) else ()

    def _on_learned_result(self, result) -> None:
        report, written = result
        if getattr(self, "_keep_up", False) and not self.auto_retrain:
            self.set_auto_retrain(True)  # the user asked for it once: keep it up to date
            act = getattr(self.win, "act_auto_retrain", None)
            if act is not None:
                act.blockSignals(True)
                act.setChecked(True)
                act.blockSignals(False)
        from ..core.suggest.learned_outcome import newer_fit_note, why_none

        gone = getattr(self.learned, "unknown_label_cards", 0)  # (a label renamed or removed meanwhile)
        # no suggestion: why (every image reviewed, or done already, none readable...), here and in the Jobs panel
        why = "" if written else why_none(getattr(self.learned, "outcome", None) or {})
        text = learned_result_text(report, written, why)
        if gone and not why:  # (the reason names them when they were all)
            text += f"; {gone} cards of labels renamed or removed meanwhile left out"
        newer = newer_fit_note(getattr(self.learned, "outcome", None) or {})
        if newer and not why:  # a teammate's newer fit holds some images: said (why names it when all)
            text += f"; {newer}"
        # the encoder on the CPU, not the device asked for (Settings ▸ Device): said once, here and in the Jobs panel
        cpu = self._holder.take_note() if self._holder is not None else ""
        text += f"; {cpu}" if cpu else ""
        from .job_actions import waited_words

        # its wait for the database another writer held, as `llmvis suggest --learned` ends with it
        waited = waited_words(self.win, (getattr(self.learned, "outcome", None) or {}).get("waited_s", 0.0))
        text += waited
        if self.learned_job is not None:  # the Jobs panel's line: what it made, or why none
            self.learned_job.done_text = learned_done_text(report, written, why) + (f"; {cpu}" if cpu else "") + waited
        self.win.statusBar().showMessage(text, 15000 if why or cpu or waited else 8000)
        self.win.panel_ctl.refresh_after_bulk()
        self.learned_done.emit(result)

    def _on_learned_cancelled(self) -> None:
        """Said as a model job's cancel is (it said nothing, the Jobs panel "cancelled")."""
        from .job_actions import cancel_text

        if self.learned_job is not None:
            self.win.statusBar().showMessage(f"Learned suggestions {cancel_text(self.learned_job)}", 10000)
            self.win.panel_ctl.refresh_after_bulk()

    def _on_learned_error(self, exc) -> None:
        from ..core.suggest.learned import NotReady
        from ..core.suggest.report import SuggestStopped

        if isinstance(exc, NotReady):
            self.win.statusBar().showMessage(f"Learned suggester: {exc}", 10000)
        elif isinstance(exc, SuggestStopped):  # a full disk: where, what was kept, how to finish
            text = exc.say(f"{LEARNED_ACTION} (Ctrl+L)")
            self.win.show_error(text[:1].upper() + text[1:])
        else:
            self.win.show_error(f"The learned suggester failed: {exc}")
        self.learned_done.emit(exc)

    def set_auto_retrain(self, on: bool) -> None:
        """Saved off the GUI thread; refused, the tick goes back and the status bar says why."""
        self.auto_retrain = on = bool(on)
        if self.win.project is not None:
            self.win.project_ctl.settings_reads.set(self.win.project, AUTO_SETTING, on,
                                                    on_failed=lambda exc: self._auto_retrain_refused(on, exc))

    def ask_strip_tiles(self) -> None:
        """Suggestions ▸ Line-scan strips: at most N tiles: the project's strip_max_tiles (as
        `llmvis settings FOLDER strip_max_tiles N` sets it), asked for and saved off the GUI thread."""
        from PySide6.QtWidgets import QInputDialog

        from llmvis_desktop.core.suggest.strip_tiles import DEFAULT_MAX_TILES, SETTING, max_tiles_of

        win = self.win
        if win.project is None:
            return
        stored = win.project_ctl.settings_reads.value(win.project, SETTING)  # (the window's copy: no read)
        now = DEFAULT_MAX_TILES if stored is None else max_tiles_of(None, stored)
        n, ok = QInputDialog.getInt(win, "Line-scan strips", "Label suggestions score a line-scan strip in at most "
                                    "this many tiles\n(more: a small defect stays larger, each tile costs a scoring):",
                                    now, 1, 100_000)
        if ok and n != now:
            win.project_ctl.settings_reads.set(win.project, SETTING, n, on_failed=lambda exc: win.show_error(
                f"The strip tile count ({n}) was not saved: {exc}"))

    def _auto_retrain_refused(self, on: bool, exc: BaseException) -> None:
        from sqlalchemy.exc import OperationalError

        from .review_controller import describe_db_error

        if self.auto_retrain == on:  # (not changed again meanwhile) as stored: the other way
            self.auto_retrain = not on
            act = getattr(self.win, "act_auto_retrain", None)
            if act is not None:
                act.blockSignals(True)
                act.setChecked(not on)
                act.blockSignals(False)
        why = describe_db_error(exc) if isinstance(exc, OperationalError) else str(exc) or type(exc).__name__
        self.win.show_error(f"\u201cRetrain the learned suggester every 10 reviews\u201d was not saved "
                            f"(it is {'off' if on else 'on'} again): {why}")

    def _on_shown(self, rec) -> None:
        """The image put on screen: its status before any action on it (the first change
        seen on one already reviewed, a label toggled or a job's refresh, was a review)."""
        if rec is not None and self.win.project is not None:
            self._statuses.setdefault(rec.id, rec.status)

    def _on_record_changed(self, rec) -> None:
        if rec is None or self.win.project is None or getattr(self.win, "_shut", False):
            return
        was = self._statuses.get(rec.id)
        if len(self._statuses) > 50_000:
            self._statuses.clear()
        self._statuses[rec.id] = rec.status
        if self._holder is not None:
            self._holder.note(rec)  # what the readiness counts, kept up with no read
        if rec.status != "reviewed":
            if self.learned_ready or was == "reviewed":  # an undone review, or a rejected
                self._follow_learned_status()  # one, can leave it short of reviews again
            return
        if was == "reviewed":  # a label toggled, a refresh: not a new review, but what the
            self._follow_learned_status()  # readiness counts (a label taken off: not ready)
            return
        self.reviews_since_train += 1
        # with every review, also once ready (it was every 10th: the line read "from 14
        # reviewed images; needs 1 more ..." after the 15th); read off the GUI thread and
        # coalesced (LatestOnly); from the records, with no read (read again once they pause)
        self._follow_learned_status()
        if not self.auto_retrain or (self.learned_job is not None and self.learned_job.is_active):
            return
        if self.team_reviews.check():  # a fit held: the team's reviews since it, read from the database
            return
        sugg, n = self.learned, self.reviews_since_train
        # (not built yet: no model, and should_retrain of a count is only that count's)
        due = sugg.should_retrain(n, every=RETRAIN_EVERY) if sugg is not None else n >= RETRAIN_EVERY
        if due and self.learned_ready is not False:
            self.run_learned(auto=True)

    # --- actions (the local models' jobs are ModelJobsMixin) ----------------------------------
    def update_actions(self) -> None:
        win = self.win
        has_project = win.project is not None
        cap, lab = self._chosen()
        # project-only actions: disabled on the welcome page (F5, training and the review
        # keys stayed enabled after a project was closed); "unavailable" ones (a feature
        # missing from this build) stay disabled
        for name in ("act_learned", "act_auto_retrain", "act_strip_tiles", "act_models", "act_prompts",
                     "act_evaluate", "act_export", "act_import", "act_repair", "act_train_repair", "act_reindex", "act_prev_frame", "act_next_frame",
                     "act_fit", "act_actual", "act_zoom_in", "act_zoom_out"):
            act = getattr(win, name, None)
            if act is not None:
                act.setEnabled(has_project and not act.property("unavailable"))
        for key, act in win.review.actions().items():
            if key not in ("undo", "redo"):  # those follow the undo stack
                act.setEnabled(has_project)
        running = self.models_job is not None and self.models_job.is_active
        for name in ("act_run_all", "act_run_filtered", "act_run_unsuggested"):
            act = getattr(win, name, None)
            if act is None:
                continue
            act.setEnabled(has_project and bool(cap or lab) and not running)
            if not (cap or lab):
                act.setToolTip(NO_MODEL_TIP)
            elif running:
                act.setToolTip("A model suggestion job is running (see the Jobs panel).")
            else:
                act.setToolTip("Runs " + " and ".join(f"{r} {p}" for r, p in (("captioner", cap), ("labeler", lab))
                                                      if p))
        # what was enabled above for any project, disabled again where it has nothing to act
        # on (no images, no current image, the same job running), each saying why
        update_menu_states(win)

    # --- evaluation ----------------------------------------------------------------------------
    def run_evaluation(self) -> None:
        project = self.win.project
        if project is None or (self.eval_job is not None and self.eval_job.is_active):
            return

        def job(token, progress):
            from ..core.suggest.evaluate import evaluate
            from ..core.tasks import Progress

            progress(Progress("evaluate", 0, 1, "reading decided suggestions"))
            # (the token stops it: closing the project cancels the job and waits for it)
            report = evaluate(project, token=token)
            progress(Progress("evaluate", 1, 1, "done"))
            return report

        self.eval_job = self.win.jobs.start("Evaluate suggestions", job)
        self.eval_job.signals.result.connect(self._show_evaluation)
        self.eval_job.signals.error.connect(void(lambda exc: self.win.show_error(f"Evaluation failed: {exc}")))

    def _show_evaluation(self, report) -> None:
        from .dialogs.evaluation_dialog import EvaluationDialog

        if self.evaluation_dialog is not None:
            self.evaluation_dialog.set_report(report)
        else:
            from .project_texts import folder_name

            dlg = EvaluationDialog(report, self.win, folder_name(self.win.project.root) if self.win.project else "")
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dlg.destroyed.connect(lambda *_: setattr(self, "evaluation_dialog", None))
            self.evaluation_dialog = dlg
        self.evaluation_dialog.show()
        self.evaluation_dialog.raise_()
        self.evaluation_ready.emit(self.evaluation_dialog)
