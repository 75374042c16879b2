"""The suggest controller's local models: the captioner/labeler chosen in the model
manager, run as a job, and the models the session's model thread keeps loaded.

:class:`ModelJobsMixin` is part of :class:`.suggest_controller.SuggestController` (it
uses the controller's ``win``, ``models_job``, ``model_dialog``, ``asker``,
``update_actions`` and ``models_done``). It owns:

- the project's choice (project settings ``captioner`` / ``labeler``, as the window
  keeps them: :meth:`.SettingsReads.cached`, no database read), ``_chosen``;
- the Models dialog (one at a time; it closes with the project it writes into);
- "Run models" (``core.suggest.batch.run_suggest``) on all images, the filtered ones, or
  those not yet suggested, on the session's shared model thread, and its report,
  cancellation and error;
- unloading from the model thread the models the open project no longer uses
  (``free_unused_models``), deferred while a model or ask job runs, and every model
  at the reviewer's word (the Models dialog's "Unload now": ``unload_models_now``).
"""
from __future__ import annotations

import logging
import sys
from typing import Optional

from PySide6.QtCore import Qt

from ..core.suggest.learned_encoder import SETTING as ENCODER_SETTING
from .settings_reads import OPTINS
from .workers import void

log = logging.getLogger(__name__)

LONG_REPORT = 120  # characters: a longer suggest report is said short, whole in the Jobs panel
_WORKER_MODULE = __name__.rsplit(".", 2)[0] + ".core.suggest.worker"  # the session's model thread
#: the Run menu's entries that redo images the models did already (menus.py)
REDO_MENUS = {"all": "All images", "filtered": "The filtered images"}
NO_MODEL_TIP = "Choose a captioner or labeler in Suggestions ▸ Models… first."


class ModelJobsMixin:
    def _chosen(self) -> tuple[Optional[str], Optional[str]]:
        project = self.win.project
        if project is None:
            return None, None
        try:
            # (read at every Suggestions menu shown, twice per run: a round trip each on a
            # team's PostgreSQL, on the GUI thread, until kept)
            s = self.win.project_ctl.opened_settings(project)
        except Exception:
            return None, None
        return s.get("captioner"), s.get("labeler")

    def _prompts(self, project, captioner: bool, labeler: bool) -> tuple[Optional[str], str]:
        """(caption prompt, label template) a job of the chosen models runs with: the
        project's (Suggestions ▸ Caption prompt and label template…, `llmvis settings`),
        as the window holds them; the defaults where it sets none."""
        from ..core.suggest.prompts import job_prompts

        try:
            settings = self.win.project_ctl.opened_settings(project)
        except Exception as exc:  # (as the choice itself was read: an open whose read failed)
            log.warning("the project's prompts: %s", exc)
            settings = {}
        return job_prompts(settings, captioner, labeler)

    def open_models(self) -> None:
        if self.win.project is None:
            return
        if self._raise_models():
            return
        # opened once the project's settings were read off the GUI thread (0.5 s on a team's
        # PostgreSQL 50 ms away, read twice as it opened)
        self.win.project_ctl.settings_reads.read("models", self._show_models)

    def _raise_models(self) -> bool:
        dlg = getattr(self, "model_dialog", None)
        if dlg is None:
            return False
        dlg.show()  # one manager: the open one comes to the front
        dlg.raise_()
        dlg.activateWindow()
        return True

    def _show_models(self, settings) -> None:
        """``settings``: the project's, read on a worker (None: the dialog reads them)."""
        from .dialogs.model_manager import ModelManagerDialog

        if self.win.project is None or self._raise_models():
            return
        cfg = self.win.config
        project, reads = self.win.project, self.win.project_ctl.settings_reads
        # its writes kept as they are made (the next job uses the choice at once) and written on
        # the settings' writer (on a team's PostgreSQL 25 ms away a click held the window 153-165 ms)
        dlg = ModelManagerDialog(project, cfg.model_dirs, cfg.device, self.win,
                                 opt_in_changed=self._opt_in_changed, settings=settings,
                                 unload_now=self.unload_models_now,
                                 write=lambda key, value, what, refused: reads.set(
                                     project, key, value, on_failed=lambda exc: self._model_setting_refused(
                                         dlg, key, what, refused, exc)))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.modelChosen.connect(void(lambda _role, _path: (self.update_actions(), self.asker.refresh(),
                                                           self.free_unused_models())))
        dlg.encoder.chosen.connect(self._encoder_chosen)
        self.model_dialog = dlg
        # (a later manager may be open by the time this one is deleted)
        dlg.destroyed.connect(lambda *_: self.model_dialog is dlg and setattr(self, "model_dialog", None))
        dlg.show()

    def _encoder_chosen(self, value: str, words: str) -> None:
        """The Models dialog chose the learned suggester's encoder ("": the handcrafted
        features): the open project's suggester is built again with it at its next job (the
        features are cached per encoder: none of the other's are read for it)."""
        from .learned_holder import encoder_chosen_text

        holder = getattr(self, "_holder", None)
        if holder is not None:
            holder.drop(value)
        job = getattr(self, "learned_job", None)
        self.win.statusBar().showMessage(encoder_chosen_text(words, job is not None and job.is_active), 10000)

    def _follow_encoder(self) -> None:
        """A teammate (or `llmvis settings`) chose another encoder for the learned suggester:
        the open project's is built again with it at its next job, and the status bar says so."""
        from pathlib import Path

        from .learned_holder import encoder_chosen_text

        holder = getattr(self, "_holder", None)
        now = self.win.project_ctl.settings_reads.value(self.win.project, ENCODER_SETTING) or ""
        if holder is not None and holder.follow(now):
            job = getattr(self, "learned_job", None)
            self.win.statusBar().showMessage(encoder_chosen_text(
                Path(now).name if now else "", job is not None and job.is_active, setting=True), 10000)

    def _model_setting_refused(self, dlg, key: str, what: str, refused, exc: BaseException) -> None:
        """A choice made in the Models dialog was refused (the window's copy is back to what
        is stored): the actions and the Ask box follow, and the dialog says so (the status
        bar, when it was closed meanwhile)."""
        if key == ENCODER_SETTING and getattr(self, "_holder", None) is not None:
            self._holder.drop(None)  # (the learned suggester's encoder: as stored)
        self.update_actions()
        self.asker.refresh()
        if getattr(self, "model_dialog", None) is dlg:
            refused(exc, self.win.project_ctl.settings_reads.value(self.win.project, key, dlg.UNKNOWN))
            return
        from sqlalchemy.exc import OperationalError

        from .db_messages import describe_db_error

        why = describe_db_error(exc) if isinstance(exc, OperationalError) else str(exc) or type(exc).__name__
        self.win.show_error(f"Models: {what} was not saved: {why}")

    def _opt_in_changed(self, on: bool) -> bool:
        """The Models dialog ticked or unticked an opt-in of the project's: the Ask box
        follows, and a model loaded with an opt-in now unticked is unloaded (it would only be
        refused when next used). True when that was queued at once, False when it waits for
        the running model job."""
        self.asker.refresh()
        holder = getattr(self, "_holder", None)
        if not on and holder is not None:
            holder.recheck()  # its encoder may have been a `.bin` one opted in
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
                self._unload_after(job)
            return False
        keep, optins = [], {}
        if self.win.project is not None:
            try:
                s = self.win.project_ctl.opened_settings(self.win.project)
            except Exception as exc:  # unknown choices: none kept (loaded again when used)
                log.warning("models to keep loaded: %s", exc)
            else:
                keep = [p for p in (s.get("captioner"), s.get("labeler")) if p]
                optins = dict(s.get(OPTINS) or {})
        # kept: a model the project chooses, for the device jobs use, with the opt-ins this
        # project saved for it (one loaded with another project's opt-ins is not)
        worker.unload_unused(keep, list(self.win.config.model_dirs), optins=optins, device=self.win.config.device)
        return True

    def unload_models_now(self) -> str:
        """The Models dialog's "Unload now": every loaded model leaves memory (the GPU's too),
        unless a model job or a question is running (it uses them); says what it did."""
        worker_module = sys.modules.get(_WORKER_MODULE)
        worker = worker_module.started_shared() if worker_module is not None else None
        loaded = worker.loaded_models() if worker is not None else ()
        if not loaded:
            return "No model is loaded."
        busy = [j for j in (self.models_job, getattr(self.asker, "ask_job", None)) if j is not None and j.is_active]
        if busy:
            return ("Nothing was unloaded: a model job is running and uses the models; cancel it in the Jobs "
                    "panel, or unload once it is done.")
        names = ", ".join(dict.fromkeys(info.name for info, *_ in loaded))
        worker.unload_unused([])  # (queued to the model thread: the window does not wait)
        return (f"Unloaded from memory: {names}. A chosen model loads again when it is next used "
                f"(a job, a question).")

    def _unload_after(self, job) -> None:
        """Run :meth:`free_unused_models` once ``job`` has ended: connected once per job
        (connected at each ask while the job ran, its end unloaded once per ask, plus once
        for run_models' own connection, each time reading the settings on the GUI thread)."""
        if not getattr(job, "unloads_after", False):
            job.unloads_after = True
            job.signals.finished.connect(self.free_unused_models)

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
        ticked = getattr(self.win, "act_include_repairs", None)
        include_repairs = bool(ticked is not None and ticked.isChecked())  # repaired copies: left out unless asked
        dirs, device = list(self.win.config.model_dirs), self.win.config.device
        from ..core.config import person

        started_by = person(None, self.win.config)  # kept with each suggestion (no dialog for a name)
        prompt, template = self._prompts(project, bool(cap), bool(lab))

        def job(token, progress):
            from ..core.suggest.batch import resolve_spec, run_suggest
            from ..core.suggest.worker import shared_worker

            # a model whose folder is gone stays its spec: run_suggest reports it as that
            # model's failure and stores the other model's suggestions
            captioner, labeler = resolve_spec(cap, dirs), resolve_spec(lab, dirs)
            return run_suggest(project, captioner, labeler, flt=flt, only_unsuggested=only_unsuggested,
                               device=device, worker=shared_worker(), token=token, progress=progress,
                               started_by=started_by, model_dirs=dirs, include_repairs=include_repairs,
                               prompt=prompt, label_template=template, project_prompt=True)

        label = {"all": "all images", "filtered": "filtered images", "unsuggested": "images not yet suggested"}
        self._models_scope = scope  # what its cancel says: a redo is finished by the same run
        from ..core.suggest.prompts import described

        asked = described(prompt, template)  # the Jobs panel's line says which prompt made its cards
        self.models_job = self.win.jobs.start(
            f"Model suggestions ({label.get(scope, scope)}{'; ' + asked if asked else ''})", job)
        # rows are committed as the job goes: the grid and the current image catch up meanwhile,
        # once some are (a report with none stored, the job's start or its models loading,
        # re-read the current image on the GUI thread and waited for its cards: 30-40 ms
        # while the session's first job set up)
        self.models_job.signals.progress.connect(
            void(lambda p: getattr(p, "done", 0) and self.win.panel_ctl.refresh_during_job()))
        self.models_job.signals.result.connect(self._on_models_result)
        self.models_job.signals.error.connect(self._on_models_error)
        self.models_job.signals.finished.connect(self.update_actions)
        self._unload_after(self.models_job)  # the choice may have changed
        self.models_job.signals.cancelled.connect(self._on_models_cancelled)
        self.update_actions()

    def _on_models_result(self, report) -> None:
        from ..core.suggest.unreadable_note import in_window

        report.messages[:] = [in_window(msg) for msg in report.messages]  # no terminal command in the window
        notes = "".join(f"; {msg}" for msg in report.messages)  # what was not done, or not as asked
        whole = report.summary() + notes
        if self.models_job is not None:  # the Jobs panel's line for the job says it whole
            # (with its plain notes: the project's prompt a captioner took none of)
            self.models_job.done_text = whole + "".join(f"; {msg}" for msg in report.notes)
        if len(whole) > LONG_REPORT:  # (330 characters were cut off in the status bar)
            more = f"; {len(report.messages)} note{'s' if len(report.messages) > 1 else ''}" if notes else ""
            whole = report.summary().split(" (", 1)[0] + more + " \u2014 the whole report is in the Jobs panel"
        from .job_actions import waited_words

        # its wait for the database (the Jobs panel's line says it with the plain notes)
        self.win.statusBar().showMessage("Model suggestions: " + whole + waited_words(self.win, report.waited_s),
                                         15000)
        for msg in report.messages:
            log.warning("suggest: %s", msg)
        if report.model_failures:  # the other model's suggestions are stored; say which one failed
            self.win.show_error("Model suggestions: " + report.summary() + "\n\n"
                                + "\n".join(report.model_failures.values()))
        self.win.panel_ctl.refresh_after_bulk()
        self.models_done.emit(report)

    def _on_models_cancelled(self) -> None:
        from ..core.suggest.report import cancelled_words

        job = self.models_job
        done = job.last_progress.done if job is not None and job.last_progress is not None else 0
        # what the job's commits stored, the batches finished after the cancel included (its last
        # progress report, cut by the cancel, said 8 of 24 stored: "at least 8" beside "suggested 24");
        # a cancel while the models loaded says it too (0: it said "the images done (at least 0) are kept")
        stored = getattr(getattr(job, "cancelled_by", None), "stored_images", None)
        n = stored if stored is not None else done
        said = cancelled_words(n)
        if stored is None and done:  # (a job that did not say what it stored: its last report)
            said = said.replace("; ", "; at least ", 1)
        menu = REDO_MENUS.get(getattr(self, "_models_scope", "unsuggested"))
        # a redo whose images not reached have no suggestions from these models (a folder never
        # suggested before): they kept none, and a run on images not yet suggested finishes it
        earlier_left = getattr(getattr(job, "cancelled_by", None), "earlier_left", None)
        if menu is not None and earlier_left == 0:
            said += (" (the images not reached had none from these models yet)" if n else "")
            menu = None
        if menu is None:
            said += "; running it again on images not yet suggested goes on from there"
        else:  # the images not reached have the models' earlier suggestions: "not yet suggested" skips them
            said += (" (redone), the others keep their earlier suggestions" if n
                     else ": every image keeps its earlier suggestions")
            said += f"; Run captioner/labeler on \u25b8 {menu} again redoes them all"
        self.win.statusBar().showMessage(f"Model suggestions {said}", 15000)
        self.win.panel_ctl.refresh_after_bulk()

    def _on_models_error(self, exc) -> None:
        self.win.show_error(f"Model suggestions stopped: {exc}")
        self.win.panel_ctl.refresh_after_bulk()  # finished batches are committed
        self.models_done.emit(exc)
