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
``learned_auto_retrain``), every 10 review actions that leave an image reviewed start a
retrain + suggest job in the background. The review controller has no dedicated
"reviewed" signal; its ``record_changed`` (one emit per committed action) is used.

Local models (``core.suggest.batch.run_suggest``): the captioner/labeler chosen in the
model manager (project settings ``captioner`` / ``labeler``), run on all images, the
filtered ones, or those not yet suggested, on the session's shared model thread.
"""
from __future__ import annotations

import logging
import sys
from typing import Optional

from PySide6.QtCore import QObject, Qt, Signal

from .ask_controller import AskController
from .learned_holder import LearnedHolder, learned_result_text, learned_status
from .widgets.elided_label import ElidedLabel
from .workers import LatestOnly, void

log = logging.getLogger(__name__)

RETRAIN_EVERY = 10
LONG_REPORT = 120  # characters: a longer suggest report is said short, whole in the Jobs panel
AUTO_SETTING = "learned_auto_retrain"
LEARNED_ACTION = "Suggestions \u25b8 Suggest labels from reviewed images"  # the menu's words, for "run ... again"
_WORKER_MODULE = __name__.rsplit(".", 2)[0] + ".core.suggest.worker"  # the session's model thread
NO_MODEL_TIP = "Choose a captioner or labeler in Suggestions ▸ Models… first."


class SuggestController(QObject):
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

    def _on_project_closed(self) -> None:
        self._holder = None
        self.learned_ready = None
        self.learned_message = ""
        self._status_loader.cancel()
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

        self._status_loader.shutdown()
        self.asker.shutdown()
        shutdown_shared()  # the model thread: no thread outlives the window
        reading.shutdown_shared()  # nor a reader process

    # --- learned suggester: readiness ----------------------------------------------------
    def refresh_learned_status(self) -> None:
        """Ask the suggester how ready it is, off the GUI thread (it reads every reviewed
        record; the first time, the suggester is built there too)."""
        if self._holder is not None:
            self._status_loader.submit(learned_status, self._holder)

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
        self.win.panel_ctl.set_suggestion_hint(text)
        self.status_changed.emit(text)

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
            from ..core.suggest.learned import NotReady
            from ..core.suggest.learned_store import stopped_by_full_disk

            sugg = holder.get()  # built here if the status loader has not yet
            ready, message = sugg.status()
            if not ready:
                raise NotReady(message)
            try:
                report = sugg.train(token, progress)
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
        gone = getattr(self.learned, "unknown_label_cards", 0)  # (a label renamed or removed meanwhile)
        self.win.statusBar().showMessage(
            learned_result_text(report, written)
            + (f"; {gone} cards of labels renamed or removed meanwhile left out" if gone else ""), 8000)
        self.win.panel_ctl.refresh_after_bulk()
        self.learned_done.emit(result)

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
        self.auto_retrain = bool(on)
        if self.win.project is not None:
            try:
                self.win.project.set_setting(AUTO_SETTING, self.auto_retrain)
            except Exception as exc:
                log.warning("cannot save %s: %s", AUTO_SETTING, exc)

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
        if rec.status != "reviewed":
            if self.learned_ready or was == "reviewed":  # an undone review, or a rejected
                self.refresh_learned_status()  # one, can leave it short of reviews again
            return
        if was == "reviewed":  # a label toggled, a refresh: not a new review, but what the
            self.refresh_learned_status()  # readiness counts (a label taken off: not ready)
            return
        self.reviews_since_train += 1
        # with every review, also once ready (it was every 10th: the line read "from 14
        # reviewed images; needs 1 more ..." after the 15th); read off the GUI thread and
        # coalesced (LatestOnly): a burst of reviews costs one read
        self.refresh_learned_status()
        if not self.auto_retrain or (self.learned_job is not None and self.learned_job.is_active):
            return
        sugg, n = self.learned, self.reviews_since_train
        # (not built yet: no model, and should_retrain of a count is only that count's)
        due = sugg.should_retrain(n, every=RETRAIN_EVERY) if sugg is not None else n >= RETRAIN_EVERY
        if due and self.learned_ready is not False:
            self.run_learned(auto=True)

    # --- local models --------------------------------------------------------------------------
    def _chosen(self) -> tuple[Optional[str], Optional[str]]:
        project = self.win.project
        if project is None:
            return None, None
        try:
            s = self.win.project_ctl.opened_settings(project)  # (read off the GUI thread at an open)
        except Exception:
            return None, None
        return s.get("captioner"), s.get("labeler")

    def update_actions(self) -> None:
        win = self.win
        has_project = win.project is not None
        cap, lab = self._chosen()
        # project-only actions: disabled on the welcome page (F5, training and the review
        # keys stayed enabled after a project was closed); "unavailable" ones (a feature
        # missing from this build) stay disabled
        for name in ("act_learned", "act_auto_retrain", "act_models", "act_evaluate", "act_export", "act_import",
                     "act_repair", "act_train_repair", "act_reindex", "act_prev_frame", "act_next_frame",
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

    def open_models(self) -> None:
        if self.win.project is None:
            return
        from .dialogs.model_manager import ModelManagerDialog

        dlg = getattr(self, "model_dialog", None)
        if dlg is not None:  # one manager: the open one comes to the front
            dlg.show()
            dlg.raise_()
            dlg.activateWindow()
            return
        cfg = self.win.config
        dlg = ModelManagerDialog(self.win.project, cfg.model_dirs, cfg.device, self.win,
                                 opt_in_changed=self._opt_in_changed)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.modelChosen.connect(void(lambda _role, _path: (self.update_actions(), self.asker.refresh(),
                                                           self.free_unused_models())))
        self.model_dialog = dlg
        # (a later manager may be open by the time this one is deleted)
        dlg.destroyed.connect(lambda *_: self.model_dialog is dlg and setattr(self, "model_dialog", None))
        dlg.show()

    def _opt_in_changed(self, on: bool) -> bool:
        """The Models dialog ticked or unticked an opt-in of the project's: the Ask box
        follows, and a model loaded with an opt-in now unticked is unloaded (it would only be
        refused when next used). True when that was queued at once, False when it waits for
        the running model job."""
        self.asker.refresh()
        return True if on else self.free_unused_models()

    def free_unused_models(self) -> bool:
        """Unload from the model thread the models the open project no longer uses (a
        captioner replaced or cleared, an opt-in it was loaded with unticked; all of them
        once the project is closed). After File ▸ Open, a model the new project also chooses
        stays loaded when it was loaded for the device jobs use and with the opt-ins this
        project saved for it; the others go. Not under a running model job: once it is done
        (then False; True when queued at once or nothing is loaded)."""
        worker_module = sys.modules.get(_WORKER_MODULE)
        if worker_module is None:  # never imported, so no model thread was started: nothing
            return True  # to unload (importing it, at every project opened, took 50 ms)
        worker = worker_module.started_shared()
        if worker is None:
            return True
        if self.win.project is None and self.win.project_ctl.opening():
            return True  # File ▸ Open under way: the project opened next decides (or its failure)
        busy = [j for j in (self.models_job, getattr(self.asker, "ask_job", None)) if j is not None and j.is_active]
        if busy:
            for job in busy:
                job.signals.finished.connect(self.free_unused_models)
            return False
        keep, optins = [], {}
        if self.win.project is not None:
            from ..core.suggest.batch import OPTINS_SETTING

            try:
                s = self.win.project.settings()
            except Exception as exc:  # unknown choices: none kept (loaded again when used)
                log.warning("models to keep loaded: %s", exc)
            else:
                keep = [p for p in (s.get("captioner"), s.get("labeler")) if p]
                optins = dict(s.get(OPTINS_SETTING) or {})
        # kept: a model the project chooses, for the device jobs use, with the opt-ins this
        # project saved for it (one loaded with another project's opt-ins is not)
        worker.unload_unused(keep, list(self.win.config.model_dirs), optins=optins, device=self.win.config.device)
        return True

    def close_models_dialog(self) -> None:
        """The manager writes its choices into the project it was opened on: it closes with
        that project (left open across File ▸ Open it wrote into the previous project)."""
        dlg, self.model_dialog = self.model_dialog, None
        if dlg is not None:
            dlg.close()

    def run_models(self, scope: str = "unsuggested") -> None:
        """scope: "all" (redo every image), "filtered" (the grid's filter), "unsuggested"."""
        project = self.win.project
        if project is None or (self.models_job is not None and self.models_job.is_active):
            return
        cap, lab = self._chosen()
        if not (cap or lab):
            self.win.statusBar().showMessage(NO_MODEL_TIP, 8000)
            return
        flt = self.win.model.filter if scope == "filtered" else None
        only_unsuggested = scope == "unsuggested"
        dirs, device = list(self.win.config.model_dirs), self.win.config.device
        from ..core.config import person

        started_by = person(None, self.win.config)  # kept with each suggestion (no dialog for a name)

        def job(token, progress):
            from ..core.suggest.batch import resolve_spec, run_suggest
            from ..core.suggest.worker import shared_worker

            # a model whose folder is gone stays its spec: run_suggest reports it as that
            # model's failure and stores the other model's suggestions
            captioner, labeler = resolve_spec(cap, dirs), resolve_spec(lab, dirs)
            return run_suggest(project, captioner, labeler, flt=flt, only_unsuggested=only_unsuggested,
                               device=device, worker=shared_worker(), token=token, progress=progress,
                               started_by=started_by, model_dirs=dirs)

        label = {"all": "all images", "filtered": "filtered images", "unsuggested": "images not yet suggested"}
        self.models_job = self.win.jobs.start(f"Model suggestions ({label.get(scope, scope)})", job)
        # rows are committed as the job goes: the grid and the current image catch up meanwhile
        self.models_job.signals.progress.connect(void(lambda _p: self.win.panel_ctl.refresh_during_job()))
        self.models_job.signals.result.connect(self._on_models_result)
        self.models_job.signals.error.connect(self._on_models_error)
        self.models_job.signals.finished.connect(self.update_actions)
        self.models_job.signals.finished.connect(self.free_unused_models)  # the choice may have changed
        self.models_job.signals.cancelled.connect(self._on_models_cancelled)
        self.update_actions()

    def _on_models_result(self, report) -> None:
        notes = "".join(f"; {msg}" for msg in report.messages)  # what was not done, or not as asked
        whole = report.summary() + notes
        if self.models_job is not None:  # the Jobs panel's line for the job says it whole
            self.models_job.done_text = whole
        if len(whole) > LONG_REPORT:  # (330 characters were cut off in the status bar)
            more = f"; {len(report.messages)} note{'s' if len(report.messages) > 1 else ''}" if notes else ""
            whole = report.summary().split(" (", 1)[0] + more + " \u2014 the whole report is in the Jobs panel"
        self.win.statusBar().showMessage("Model suggestions: " + whole, 15000)
        for msg in report.messages:
            log.warning("suggest: %s", msg)
        if report.model_failures:  # the other model's suggestions are stored; say which one failed
            self.win.show_error("Model suggestions: " + report.summary() + "\n\n"
                                + "\n".join(report.model_failures.values()))
        self.win.panel_ctl.refresh_after_bulk()
        self.models_done.emit(report)

    def _on_models_cancelled(self) -> None:
        job = self.models_job
        done = job.last_progress.done if job is not None and job.last_progress is not None else 0
        # (the last progress report can be a batch behind what was stored: "at least")
        self.win.statusBar().showMessage(f"Model suggestions cancelled: the images done (at least {done}) are "
                                         f"kept; running it again on images not yet suggested goes on from there",
                                         15000)
        self.win.panel_ctl.refresh_after_bulk()

    def _on_models_error(self, exc) -> None:
        self.win.show_error(f"Model suggestions stopped: {exc}")
        self.win.panel_ctl.refresh_after_bulk()  # finished batches are committed
        self.models_done.emit(exc)

    # --- evaluation ----------------------------------------------------------------------------
    def run_evaluation(self) -> None:
        project = self.win.project
        if project is None or (self.eval_job is not None and self.eval_job.is_active):
            return

        def job(token, progress):
            from ..core.suggest.evaluate import evaluate
            from ..core.tasks import Progress

            progress(Progress("evaluate", 0, 1, "reading decided suggestions"))
            report = evaluate(project)
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
