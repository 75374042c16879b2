"""Wires the side panels (labels, caption, suggestions, history, jobs) and the
dialogs to the project and the review controller.

Panels are standalone widgets that show plain data and emit user intent; this
controller turns intent into review-controller calls (so everything is undoable and
audited) and feeds the panels the current image's data. A panel whose module is not
available is left out, never a reason for the window to fail.
"""
from __future__ import annotations

import importlib
import logging
from typing import Optional

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMessageBox

from .workers import void

HISTORY_DELAY_MS = 120

log = logging.getLogger(__name__)


def _optional(module: str, cls: str, *args):
    try:
        mod = importlib.import_module(f"llmvis_desktop.qt.{module}")
        return getattr(mod, cls)(*args)
    except (ImportError, AttributeError) as exc:
        log.info("panel %s.%s unavailable: %s", module, cls, exc)
        return None


class RepairCommand(QUndoCommand):
    """An accepted repair, already saved and recorded: undo unlinks it (asking whether to
    delete the repaired file too); redo relinks it (an appended ``rerepair`` event). A repair
    whose file was deleted on undo cannot be redone (run the repair again).

    ``image_id``/``before``/``after`` let the review controller's undo treat it like its own
    commands: an empty state writes nothing; the work happens in :meth:`undo`."""

    def __init__(self, ctl: "PanelController", repair_id: int, image_id: int, output_path) -> None:
        super().__init__(f"Repair ({Path(str(output_path)).name})")
        self.ctl = ctl
        self.repair_id = repair_id
        self.image_id = image_id
        self.before: dict = {}
        self.after: dict = {}
        self.unlinked = False
        self._pushing = True
        self._restoring = False

    def redo(self) -> None:
        if self._pushing or self._restoring:  # the repair is already there
            self._pushing = self._restoring = False
            return
        if self.unlinked:
            self.ctl.relink_repair(self)

    def undo(self) -> None:
        if self.unlinked:
            return
        if not self.ctl.unlink_repair(self):
            # cancelled or failed: the repair stays, so put the stack back where it was
            self._restoring = True
            stack = self.ctl.win.review.undo_stack
            QTimer.singleShot(0, lambda: stack.redo() if self._restoring and stack.canRedo() else None)


class PanelController(QObject):
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
        if self.labels is not None:
            self.labels.toggled.connect(void(win.review.toggle_label))
            self.labels.addRequested.connect(self._add_label)
            self.labels.renameRequested.connect(void(lambda old, new: self._label_change(old, new_name=new)))
            self.labels.recolorRequested.connect(void(lambda name, c: self._label_change(name, color=c)))
            self.labels.removeRequested.connect(self._remove_label)
            self.labels.set_enabled_for_image(False)
            win.review.label_for_key = self.labels.name_for_key
        if self.caption is not None:
            self.caption.captionCommitted.connect(self._caption_committed)
            self.caption.editFinished.connect(void(win.grid.setFocus))
            self.caption.set_editable(False)
        if self.suggestions is not None:
            self._wire_suggestions()
        if self.jobs is not None:
            self._wire_jobs()
        win.review.record_changed.connect(self._on_record_changed)
        # the history panel follows the current image once the reviewer pauses: reading
        # and laying out an image's trail (2-8 ms) is not on the path of a key press
        self._history_timer = QTimer(self, singleShot=True, interval=HISTORY_DELAY_MS)
        self._history_timer.timeout.connect(self._show_history)
        self._history_for = None
        self._usage_timer = QTimer(self, singleShot=True, interval=400)
        self._usage_timer.timeout.connect(self._update_usage)

    def _update_usage(self) -> None:
        if self.labels is not None and self.win.project is not None:
            try:
                self.labels.set_labels(self.win.project.labels(), self.win.project.label_usage())
                if self.record is not None:
                    self.labels.set_checked(self.record.labels)
            except Exception as exc:
                log.warning("label usage: %s", exc)

    # --- project and current image --------------------------------------------------
    def set_project(self, project) -> None:
        self.record = None
        self.reload_labels()
        if project is None:
            self.set_record(None)

    def reload_labels(self) -> None:
        project = self.win.project
        if project is None:
            if self.labels is not None:
                self.labels.set_labels([])
            return
        defs = project.labels()
        if self.labels is not None:
            self.labels.set_labels(defs, project.label_usage())
        self.win.model.reload_labels()
        self.win.filter_bar.set_labels([d.name for d in defs])

    def set_record(self, rec) -> None:
        self.record = rec
        project = self.win.project
        if self.labels is not None:
            self.labels.set_enabled_for_image(rec is not None)
            self.labels.set_checked(rec.labels if rec else ())
        if self.caption is not None:
            if self.caption.is_dirty() and self._caption_id is not None and \
                    (rec is None or rec.id != self._caption_id):
                self.caption.commit()  # never lose typed text when moving on
            self._caption_id = rec.id if rec else None
            self.caption.set_caption(rec.caption if rec else None)
            self.caption.set_editable(rec is not None)
        suggestions = []
        if rec is not None and project is not None:
            try:
                suggestions = project.suggestions(rec.id)
            except Exception as exc:
                log.warning("suggestions: %s", exc)
        if self.suggestions is not None:
            self._show_suggestions(rec, suggestions)
        if self.history is not None:
            if rec is None or project is None:
                self._history_timer.stop()
                self._history_for = None
                self.history.clear()
            else:
                if self._history_for is None or self._history_for[0] != rec.id:
                    self.history.set_pending()  # never show the previous image's trail
                self._history_for = (rec.id, {s.id: s for s in suggestions})
                self._history_timer.start()

    def _show_history(self) -> None:
        project, pending = self.win.project, self._history_for
        if pending is None or project is None or self.history is None:
            return
        try:
            self.history.set_events(project.history(pending[0]), pending[1])
        except Exception as exc:
            log.warning("history: %s", exc)

    def flush_history(self) -> None:
        """Show the current image's history now (tests, and before a screenshot)."""
        if self._history_timer.isActive():
            self._history_timer.stop()
            self._show_history()

    def _on_record_changed(self, rec) -> None:
        self._usage_timer.start()  # label usage counts: once after a burst of actions
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
        self.win.review.set_caption(text, image_id=image_id)

    # --- taxonomy ---------------------------------------------------------------------------
    def _add_label(self, name: str, color: str) -> None:
        self._taxonomy(lambda p: p.add_label(name, color=color or None))

    def _label_change(self, name: str, **changes) -> None:
        self._taxonomy(lambda p: p.update_label(name, **changes))

    def _remove_label(self, name: str) -> None:
        self._taxonomy(lambda p: p.remove_label(name, self.win.reviewer(), force=True))

    def _taxonomy(self, fn) -> None:
        project = self.win.project
        if project is None:
            return
        try:
            fn(project)
        except Exception as exc:
            self.win.show_error(str(exc))
            return
        self.reload_labels()
        self.win.model.refresh_all()
        if self.record is not None:
            self.win.review._refresh(self.record.id)

    # --- suggestions ---------------------------------------------------------------------------
    def _wire_suggestions(self) -> None:
        panel = self.suggestions
        review = self.win.review
        panel.accepted.connect(void(lambda sid: review.decide_suggestion(sid, "accepted")))
        panel.rejected.connect(void(lambda sid: review.decide_suggestion(sid, "rejected")))
        panel.edited.connect(void(lambda sid, text: review.decide_suggestion(sid, "edited", text)))

    def set_suggestion_hint(self, hint: str) -> None:
        """Append a line (the learned suggester's readiness) to the panel's empty text."""
        self._suggestion_hint = hint
        panel = self.suggestions
        if panel is not None and hasattr(panel, "placeholder"):
            from .widgets.suggestion_panel import EMPTY_TEXT

            panel.placeholder.setText(EMPTY_TEXT + (f"\n\n{hint}" if hint else ""))

    def refresh_after_bulk(self) -> None:
        """After a job wrote many rows (suggestions, an import, a repair): grid, counts, panels."""
        win = self.win
        if win.project is None:
            return
        try:
            self.reload_labels()  # an import may have created labels
        except Exception as exc:
            log.warning("labels: %s", exc)
        win.model.refresh_all()
        win.requery()
        win.update_counts()
        cur = win.review.current
        if cur is not None:
            win.review._refresh(cur.id)  # new status, suggestion cards, history

    def _show_suggestions(self, rec, suggestions) -> None:
        panel = self.suggestions
        if rec is None:
            getattr(panel, "clear", lambda: None)()
        elif hasattr(panel, "set_suggestions"):
            panel.set_suggestions(suggestions)

    # --- jobs ----------------------------------------------------------------------------------
    def _wire_jobs(self) -> None:
        panel = self.jobs
        mgr = self.win.jobs
        mgr.job_added.connect(void(lambda job: panel.add_job(str(job.id), job.name)))
        mgr.job_changed.connect(self._job_changed)
        mgr.job_finished.connect(self._job_finished)
        panel.cancelRequested.connect(self._cancel_job)

    def _job_changed(self, job) -> None:
        p = job.last_progress
        if p is None or not job.is_active:
            return
        self.jobs.update_job(str(job.id), p.done, p.total, p.message, job.eta(), job.rate())

    def _job_finished(self, job) -> None:
        from .workers import STATE_CANCELLED, STATE_DONE

        if job.state == STATE_DONE:
            self.jobs.finish_job(str(job.id), True, "done")
        elif job.state == STATE_CANCELLED:
            self.jobs.finish_job(str(job.id), False, "cancelled")
        else:
            self.jobs.finish_job(str(job.id), False, f"failed: {job.error}")

    def _cancel_job(self, job_id: str) -> None:
        for job in self.win.jobs.jobs:
            if str(job.id) == str(job_id):
                job.cancel()

    # --- status bar and reviewer ---
    def show_job_status(self, job) -> None:
        active = self.win.jobs.active()
        if not active:
            self.win.job_label.setText("")
            self.win.job_bar.hide()
            return
        j = active[0]
        p = j.last_progress
        text = j.name + (f": {p.message}" if p and p.message else "")
        eta = j.eta()
        if eta is not None:
            text += f" (~{eta:.0f} s left)"
        self.win.job_label.setText(text)
        frac = j.fraction()
        self.win.job_bar.setRange(0, 0 if frac is None else 1000)
        if frac is not None:
            self.win.job_bar.setValue(int(frac * 1000))
        self.win.job_bar.show()

    def ask_reviewer(self) -> None:
        try:
            from .dialogs.reviewer_dialog import ask_reviewer_name
            name = ask_reviewer_name(self.win, self.win.config.reviewer)
        except ImportError:
            name, ok = QInputDialog.getText(self.win, "Reviewer", "Your name (recorded in the history):",
                                            text=self.win.config.reviewer)
            name = name if ok else None
        if name and name.strip():
            self.win.config.reviewer = name.strip()
            self.win._save_config()

    # --- dialogs -------------------------------------------------------------------------------
    def open_settings(self) -> None:
        win = self.win
        try:
            from .dialogs.settings_dialog import SettingsDialog
        except ImportError:
            QMessageBox.information(win, "Settings", "The settings dialog is not available in this build.")
            return
        dlg = SettingsDialog(win.config, win)
        if dlg.exec():
            cfg = dlg.result_config()
            win.config = cfg
            win._save_config()
            win.grid.set_thumb_size(cfg.thumbnail_size)

    def open_interchange(self, mode: str = "export") -> None:
        win = self.win
        if win.project is None:
            return
        from .dialogs.interchange_dialog import ExportImportDialog

        dlg = ExportImportDialog(win.project, win, mode=mode)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.finished_job.connect(void(lambda report, d=dlg: self._interchange_done(d, report)))
        dlg.destroyed.connect(lambda *_: setattr(self, "interchange_dialog", None))
        self.interchange_dialog = dlg
        dlg.show()  # non-modal: the job runs on the dialog's own pool

    def _interchange_done(self, dlg, report) -> None:
        if report is not None and dlg.current_mode() == "import":
            self.refresh_after_bulk()
            self.win.statusBar().showMessage("Import finished; the grid shows the imported annotations.", 6000)

    def open_repair(self) -> None:
        """Image ▸ Repair defect…: the repair dialog for the current image. The GAN uses the
        project's trained checkpoint (``.llmvis/repair.safetensors``, what ``llmvis repair train``
        writes) when there is one, else the shipped starter."""
        win = self.win
        rec = self.record
        if win.project is None or rec is None:
            win.statusBar().showMessage("Select an image to repair first.", 5000)
            return
        try:
            from .dialogs.repair_dialog import RepairDialog
        except ImportError:
            QMessageBox.information(win, "Repair", "The repair dialog is not available in this build.")
            return
        ck = self.repair_checkpoint()
        out_dir = getattr(win.config, "repair_output", "") or None
        try:
            dlg = RepairDialog(win.project.path_of(rec), win.project, checkpoint=ck if ck.is_file() else None,
                               out_dir=out_dir, actor=win.reviewer(), jobs=win.jobs, parent=win)
        except Exception as exc:  # an unreadable image: say so, never crash the window
            win.show_error(f"Cannot open the repair dialog: {exc}")
            return
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.repaired.connect(self._repaired)
        dlg.destroyed.connect(lambda *_: setattr(self, "repair_dialog", None))
        self.repair_dialog = dlg
        dlg.show()

    def repair_checkpoint(self) -> Path:
        """The project's trained repair checkpoint (``llmvis repair train`` and Image ▸ Train write it)."""
        return self.win.project.root / ".llmvis" / "repair.safetensors"

    def _repaired(self, result) -> None:
        self.win.statusBar().showMessage(f"Repair saved as {getattr(result, 'output_path', '')}", 8000)
        self.refresh_after_bulk()  # the new file is indexed by the repair; show it and the has-repair mark
        repair_id = getattr(result, "repair_id", None)
        if repair_id is not None and self.win.project is not None:
            image_id = self._repair_source()
            if image_id is not None:
                self.win.review.undo_stack.push(RepairCommand(self, repair_id, image_id, result.output_path))

    def _repair_source(self) -> Optional[int]:
        """The id of the image the open repair dialog repaired."""
        dlg = getattr(self, "repair_dialog", None)
        path = getattr(dlg, "image_path", None)
        project = self.win.project
        if path is not None:
            try:
                img = project.image_by_path(Path(path).resolve().relative_to(project.root.resolve()).as_posix())
                if img is not None:
                    return img.id
            except ValueError:
                pass
        return self.record.id if self.record is not None else None

    def unlink_repair(self, cmd: RepairCommand) -> bool:
        """Undo of an accepted repair: unlink it; delete the repaired file only if the user says so.
        False (nothing changed) on Cancel or an error."""
        win = self.win
        if win.project is None:
            return False
        ans = QMessageBox.question(
            win, "Undo repair",
            "The repair will be unlinked from its image (the history keeps a record).\n\n"
            "Also delete the repaired file?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.No)
        if ans not in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No):
            win.statusBar().showMessage("Undo of the repair cancelled; nothing changed.", 5000)
            return False
        delete = ans == QMessageBox.StandardButton.Yes
        try:
            win.project.unlink_repair(cmd.repair_id, win.reviewer(), delete_file=delete)
        except Exception as exc:
            win.show_error(f"Cannot undo the repair: {exc}")
            return False
        cmd.unlinked = True
        win.statusBar().showMessage(
            "Repair unlinked" + ("; the repaired file was deleted." if delete else "; the repaired file was kept."),
            8000)
        self.refresh_after_bulk()
        return True

    def relink_repair(self, cmd: RepairCommand) -> bool:
        """Redo of an undone repair: relink it. False (nothing changed) when the repaired file
        was deleted on undo or the relink fails; the command then stays unlinked, so a later
        undo is a no-op."""
        win = self.win
        if win.project is None:
            return False
        try:
            win.project.relink_repair(cmd.repair_id, win.reviewer())
        except Exception as exc:
            log.info("repair %s not relinked: %s", cmd.repair_id, exc)
            win.statusBar().showMessage(
                f"The undone repair is not restored ({exc}); open Image ▸ Repair defect… to repair again.", 8000)
            return False
        cmd.unlinked = False
        win.statusBar().showMessage("Repair restored (relinked to its image).", 8000)
        self.refresh_after_bulk()
        return True

    # --- repair training ---------------------------------------------------------------------
    def train_repair(self) -> None:
        """Image ▸ Train repair model on this project…: fine-tune the project's checkpoint (or
        the shipped starter) on this project's images for a few minutes, as a cancellable job.
        The result replaces the project's checkpoint only when training finishes."""
        win = self.win
        if win.project is None:
            win.statusBar().showMessage("Open a project first.", 5000)
            return
        minutes, ok = QInputDialog.getDouble(
            win, "Train repair model", "Training time (minutes):", 5.0, 0.5, 600.0, 1)
        if not ok:
            return
        self.start_repair_training(minutes)

    def start_repair_training(self, minutes: float, **train_kwargs):
        from ..core.repair import STARTER_CHECKPOINT

        win = self.win
        project = win.project
        ck = self.repair_checkpoint()
        start = ck if ck.is_file() else (STARTER_CHECKPOINT if STARTER_CHECKPOINT.is_file() else None)
        device = getattr(win.config, "device", "auto") or "auto"

        def work(token, progress, project=project, ck=ck, start=start, minutes=minutes, device=device):
            import os

            from ..core.repair.train import train

            ck.parent.mkdir(parents=True, exist_ok=True)
            tmp = ck.with_name("repair.training.safetensors")
            sidecars = (".json", ".preview.png")
            try:
                res = train(project, minutes=minutes, from_ckpt=start, out=tmp, device=device, token=token,
                            progress=progress, **train_kwargs)
            except BaseException:
                for p in [tmp] + [tmp.with_suffix(x) for x in sidecars]:
                    p.unlink(missing_ok=True)
                raise
            os.replace(tmp, ck)
            for x in sidecars:
                if tmp.with_suffix(x).is_file():
                    os.replace(tmp.with_suffix(x), ck.with_suffix(x))
            return res

        job = win.jobs.start("Train repair model", work)
        job.signals.result.connect(void(self._trained))
        job.signals.error.connect(lambda e: win.show_error(f"Repair training failed: {e}"))
        self.train_job = job
        return job

    def _trained(self, result) -> None:
        psnr = (getattr(result, "metrics", None) or {}).get("val_masked_psnr_db")
        msg = f"Repair model trained ({getattr(result, 'step', '?')} steps"
        msg += f", masked PSNR {psnr:.1f} dB)" if isinstance(psnr, (int, float)) else ")"
        self.win.statusBar().showMessage(msg + f"; saved to {self.repair_checkpoint()}", 10000)

    def show_shortcuts(self) -> None:
        win = self.win
        try:
            from .dialogs.shortcuts_dialog import ShortcutsDialog
            dlg = ShortcutsDialog(win)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        except ImportError:
            lines = [f"{a.shortcut().toString()}\t{a.text()}" for a in win.review.actions().values()]
            QMessageBox.information(win, "Keyboard shortcuts", "\n".join(lines))
            return
        dlg.show()  # non-modal: the reviewer can keep it open while working
