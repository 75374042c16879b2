"""Image ▸ Repair defect… and Image ▸ Train repair model…: the repair dialog, its
undoable result (:class:`~.repair_undo.RepairCommand`, written off the GUI thread:
:mod:`.repair_undo`) and the repair-training job.

:class:`RepairActions` is a mixin of :class:`~.panel_controller.PanelController`: it
uses the host's ``win`` (the main window), ``record`` (the current image) and
``refresh_after_bulk()``, and keeps the open dialog and the training job on the host
(``repair_dialog``, ``train_job``).
"""
from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Optional

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from ..core.wording import visible_name
from .repair_undo import RepairCommand, RepairUndo
from .workers import KeptRunnable, RunnableKeeper, void

log = logging.getLogger(__name__)


class RepairActions(RepairUndo):
    """Repair menu actions of the panel controller (see the module docstring); the undo and
    redo of an accepted repair: :class:`~.repair_undo.RepairUndo`."""

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
        frame, on_screen = self._page_on_screen(rec)
        viewer = getattr(win, "viewer", None)  # the reviewer's window/level (a faint scratch seen through it)
        window = viewer.chosen_window() if on_screen and hasattr(viewer, "chosen_window") else None
        # shown at once, the image read on a worker (read here, a 24 MP photo froze the window 0.5 s)
        dlg = RepairDialog(win.project.path_of(rec), win.project, checkpoint=ck if ck.is_file() else None,
                           out_dir=out_dir, actor=win.reviewer(), jobs=win.jobs, parent=win, frame=frame,
                           background=True, device=getattr(win.config, "device", "auto") or "auto", window=window)
        if not on_screen:
            dlg.loaded_ok.connect(partial(self._repairing_page_1, dlg, rec.relpath))
        dlg.load_failed.connect(partial(self._repair_unreadable, dlg))  # an unreadable image: say so, never crash
        self._warm_engine(dlg.checkpoint)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # the project and the image are bound now: the result of this dialog is pushed on this
        # project's undo stack, for this image, whatever is open or shown when it is accepted
        dlg.repaired.connect(partial(self._repaired, project=win.project, image_id=rec.id))
        dlg.destroyed.connect(partial(self._repair_dialog_gone, dlg))
        dlg.finished.connect(partial(self._back_to_window, dlg))
        self.repair_dialogs = [*self.open_repair_dialogs(), dlg]
        self.repair_dialog = dlg
        dlg.show()

    def _back_to_window(self, dlg, *_) -> None:
        """The repair dialog closed (accepted, cancelled, its close button): the main window
        is made the active window again, so N, Ctrl+Z and the other review keys work at once.
        Where the dialog was the active window, closing it left none (offscreen, and window
        managers that do not hand activation back to the parent): a key went nowhere until
        the window was clicked. Another window made active meanwhile keeps it."""
        win = self.win
        if not shiboken6.isValid(win) or not win.isVisible():
            return
        active = QApplication.activeWindow()
        if active is None or active is dlg or (shiboken6.isValid(dlg) and active is dlg.window()):
            win.raise_()
            win.activateWindow()

    def _repairing_page_1(self, dlg, relpath: str) -> None:
        if shiboken6.isValid(dlg) and int(getattr(dlg.data.meta, "frames", 1) or 1) > 1:
            self.win.statusBar().showMessage(f"{visible_name(relpath)} was not on screen yet: repairing its page 1 "
                                             f"(step to another page in the viewer, then open Repair again).", 8000)

    def _repair_unreadable(self, dlg, message: str) -> None:
        """The dialog's image could not be read: the dialog closes, the window says why."""
        if shiboken6.isValid(dlg):
            dlg.reject()
        self.win.show_error(f"Cannot open the repair dialog: {message}")

    def shutdown_repair(self) -> None:
        """The window closes: wait for a repair dialog's image read still running."""
        from .dialogs.repair_loading import join_loads

        join_loads()

    def _page_on_screen(self, rec) -> tuple[int, bool]:
        """(the page of ``rec`` to repair, 0-based; whether the viewer shows ``rec``). The page
        on screen is the one repaired, but only while the viewer shows ``rec``: just after
        another image was selected it still shows the last one (the new one is being read),
        whose page would be out of range or the wrong page of ``rec``; then page 1."""
        win = self.win
        viewer = getattr(win, "viewer", None)
        if viewer is None or not hasattr(viewer, "frames"):
            return 0, False
        if getattr(win, "viewer_image", None) != (win.project, rec.id):
            return 0, False
        shown, count = viewer.frames()
        return (shown if count > 1 else 0), True

    def _warm_engine(self, checkpoint) -> None:
        """Import torch and load the GAN's checkpoint on a worker while the user paints the
        mask (:func:`~..core.repair.apply.warm_engine`): the first preview of a session
        stalled the window 0.3-0.6 s doing it. On the jobs' pool (joined at shutdown), not
        a job of its own: nothing to show or cancel."""
        from ..core.repair.apply import warm_engine

        keeper = self.__dict__.setdefault("_warm_keeper", RunnableKeeper())
        keeper.start(self.win.jobs.pool, _Call(warm_engine, checkpoint))

    repair_dialog = None  # the repair dialog opened last (while it is open)
    repair_dialogs: list = []  # every open repair dialog

    def open_repair_dialogs(self) -> list:
        return [d for d in self.repair_dialogs if shiboken6.isValid(d)]

    def _repair_dialog_gone(self, dlg, *_) -> None:
        self.repair_dialogs = [d for d in self.repair_dialogs if d is not dlg]
        if self.repair_dialog is dlg:
            self.repair_dialog = self.repair_dialogs[-1] if self.repair_dialogs else None

    def close_repair_dialogs(self) -> int:
        """The project closes: its open repair dialogs close too (an unsaved repair is
        discarded; a saved one is already in the project). Returns how many were open."""
        dialogs = self.open_repair_dialogs()
        for dlg in dialogs:
            if getattr(dlg, "saving", False):  # an accepted repair being written: it ends in this project
                dlg.wait_saved()
                QCoreApplication.sendPostedEvents()  # its outcome (recorded, undoable; or why not)
            dlg.reject()
            dlg.close()
        self.repair_dialogs, self.repair_dialog = [], None
        return len(dialogs)

    def repair_checkpoint(self) -> Path:
        """The project's trained repair checkpoint (``llmvis repair train`` and Image ▸ Train write it)."""
        return self.win.project.root / ".llmvis" / "repair.safetensors"

    def _repaired(self, result, project=None, image_id: Optional[int] = None) -> None:
        """A repair dialog's ``repaired``: ``project`` and ``image_id`` are those it was opened
        for. Its undo command goes on the undo stack only while that project is the open one."""
        win = self.win
        out = getattr(result, "output_path", "")
        if project is not None and project is not win.project:
            log.warning("repair %s saved in a project no longer open (%s); not undoable here",
                        getattr(result, "repair_id", None), getattr(project, "root", "?"))
            win.statusBar().showMessage(
                f"Repair saved as {out} in the project it was opened for, which is no longer open; "
                f"it cannot be undone from here.", 10000)
            return
        win.statusBar().showMessage(f"Repair saved as {_shown_path(out, win.project)}", 8000)
        self.refresh_after_bulk()  # the new file is indexed by the repair; show it and the has-repair mark
        repair_id = getattr(result, "repair_id", None)
        if repair_id is not None and win.project is not None and image_id is not None:
            cmd = RepairCommand(self, repair_id, image_id, out)
            cmd.project = win.project
            win.review.undo_stack.push(cmd)

    # --- repair training ---------------------------------------------------------------------
    def train_repair(self) -> None:
        """Image ▸ Train repair model on this project…: fine-tune the project's checkpoint (or
        the shipped starter) on this project's images for a few minutes, as a cancellable job.
        The result replaces the project's checkpoint when training finishes, and when it is
        cancelled (the Jobs panel's Cancel, closing the window) after at least one step: the
        cancelled run started from that checkpoint, so what it trained is further along."""
        win = self.win
        if win.project is None:
            win.statusBar().showMessage("Open a project first.", 5000)
            return
        if self.train_job is not None and self.train_job.is_active:  # both would write one checkpoint
            win.statusBar().showMessage("The repair model is being trained already (see the Jobs panel).", 5000)
            return
        minutes, ok = QInputDialog.getDouble(
            win, "Train repair model", "Training time (minutes):", 5.0, 0.5, 600.0, 1)
        if not ok:
            return
        self.start_repair_training(minutes)

    train_job = None  # the repair-training job started last

    def start_repair_training(self, minutes: float, **train_kwargs):
        from ..core.repair import STARTER_CHECKPOINT

        win = self.win
        project = win.project
        ck = self.repair_checkpoint()
        start = ck if ck.is_file() else (STARTER_CHECKPOINT if STARTER_CHECKPOINT.is_file() else None)
        device = getattr(win.config, "device", "auto") or "auto"

        kept: dict = {}  # what a cancelled run left (its step), for the status bar message
        moved: dict = {}  # the Settings' Device this machine lacks: why the CPU trains instead
        earlier: dict = {}  # what an earlier, killed run left: resumed (its step) or discarded (why)

        def work(token, progress, project=project, ck=ck, start=start, minutes=minutes, device=device):
            from ..core.repair import RepairError
            from ..core.repair.checkpoint import ensure_writable
            from ..core.repair.out_lock import OutputLock, OutputLocked
            from ..core.tasks import Progress

            ensure_writable(ck)  # a read-only project folder: said before training, not after
            device, why = _training_device(device)  # ("cuda" without a GPU failed the job)
            if why:
                moved["message"] = why
                progress(Progress("device", 0, None, why))
            if start == ck:  # the project's model, damaged: said with what to do, before any work
                from ..core.repair.checkpoint import CheckpointError, damaged_project_checkpoint, load_checkpoint

                try:
                    load_checkpoint(ck)
                except CheckpointError as exc:
                    raise RepairError(f"{exc}. {damaged_project_checkpoint(ck, 'train')}") from None
            # one run per checkpoint, as `llmvis repair train` takes it: a CLI run on the
            # project meanwhile (or another window) would be overwritten by this one's result
            lock = OutputLock(ck)
            try:
                lock.acquire()
            except OutputLocked as exc:
                who = f" (pid {exc.pid})" if exc.pid else ""
                raise RepairError(f"another llmvis repair train{who} is training {ck}; "
                                  f"wait for it to finish, then train again") from None
            try:
                return _train(token, progress, device)
            finally:
                lock.release()

        def _train(token, progress, device):
            from ..core.repair.train import train
            from ..core.tasks import Cancelled, Progress

            tmp = ck.with_name("repair.training.safetensors")
            sidecars = (".json", ".preview.png")
            files = [tmp] + [tmp.with_suffix(x) for x in sidecars]
            # what an earlier run left (killed, crashed): its periodic saves are continued when
            # they load and were trained from this run's start; anything else is removed
            earlier.update(_leftover(tmp, start, sidecars))
            kw = dict(train_kwargs)
            kw.setdefault("save_every_s", GUI_SAVE_EVERY_S)  # a crash loses at most a minute
            kw.setdefault("tile", None)  # 64 px, or what a project of small crops holds (no setting for it here)
            if earlier.get("step"):
                kw["resume"] = True  # train() continues from ``out`` (tmp), optimiser state included
                kw["card_extra"] = {**(kw.get("card_extra") or {}), "from_checkpoint": earlier["start_sha"]}
            if earlier.get("message"):
                progress(Progress("resume", 0, None, earlier["message"]))
            try:
                res = train(project, minutes=minutes, from_ckpt=start, out=tmp, device=device, token=token,
                            progress=progress, **kw)
            except Cancelled:
                # train() saved what it had trained before it stopped: kept, as the CLI keeps it
                kept["step"] = _keep_cancelled(tmp, ck, sidecars)
                raise
            except BaseException:
                for p in files:
                    p.unlink(missing_ok=True)
                raise
            _put_in_place(tmp, ck, sidecars)
            return res

        job = win.jobs.start("Train repair model", work)
        job.signals.progress.connect(self._training_progress)
        job.signals.result.connect(void(lambda res: self._trained(res, earlier.get("message"), project,
                                                                  moved.get("message"))))
        job.signals.cancelled.connect(lambda: self._training_cancelled(kept.get("step"), project))
        job.signals.error.connect(lambda e: win.show_error(f"Repair training failed: {e}"))
        self.train_job = job
        return job

    def _training_cancelled(self, step: Optional[int], project=None) -> None:
        win = self.win
        if step:
            self._dialogs_use_trained(project)
        if self.train_job is not None:  # the Jobs panel's line: what it kept ("cancelled" said none)
            self.train_job.cancelled_text = (f"at step {step:,}; what it trained is kept" if step
                                             else "before any step was trained; the repair model is unchanged")
        if not shiboken6.isValid(win) or win.project is None:  # the window closed meanwhile
            log.info("repair training cancelled; %s", f"step {step} kept" if step else "nothing kept")
            return
        if step:
            msg = (f"Repair training cancelled at step {step}; what it trained is kept (training again "
                   f"continues from it), saved to {self.repair_checkpoint()}")
        else:
            msg = "Repair training cancelled before any step was trained; the repair model is unchanged."
        win.statusBar().showMessage(msg, 10000)

    def _training_progress(self, p) -> None:
        """The training job said what it did with an earlier run's leftover: in the status bar."""
        if getattr(p, "stage", "") in ("resume", "device") and shiboken6.isValid(self.win):
            self.win.statusBar().showMessage(p.message, 10000)

    def _dialogs_use_trained(self, project) -> None:
        """Training put a model at the project's checkpoint: the repair dialogs open on that
        project repair with it from their next Repair. A dialog opened before the project had
        a trained model was given none (the shipped starter) and went on repairing with the
        starter after the training, until it was closed and opened again. A preview shown
        stays (it was made with the model it records); the dialog says the model changed."""
        if project is None:
            return
        ck = project.root / ".llmvis" / "repair.safetensors"
        if not ck.is_file():
            return
        for dlg in self.open_repair_dialogs():
            if getattr(dlg, "project", None) is not project:
                continue
            dlg.checkpoint = ck
            if getattr(dlg, "loaded", False) and "gan" in getattr(dlg, "results", {}):
                dlg.status.setText("The repair model was trained meanwhile: Repair again to use it "
                                   "(the preview shown is the earlier model's).")

    def _trained(self, result, earlier: Optional[str] = None, project=None, on_cpu: Optional[str] = None) -> None:
        """Training ended: its model, and ``on_cpu`` (why the CPU trained it, the Settings'
        Device absent here), said first, before the checkpoint's path."""
        self._dialogs_use_trained(project)
        psnr = (getattr(result, "metrics", None) or {}).get("val_masked_psnr_db")
        step = getattr(result, "step", None)
        made = f"{step:,} steps" if isinstance(step, int) else "? steps"
        made += f", masked PSNR {psnr:.1f} dB" if isinstance(psnr, (int, float)) else ""
        if self.train_job is not None:  # the Jobs panel's line: what it made (it said "done" alone)
            self.train_job.done_text = f"a repair model of {made}" + (" (on the CPU: see the status bar)"
                                                                      if on_cpu else "")
        msg = f"Repair model trained ({made}); " + (f"{on_cpu} " if on_cpu else "")
        msg += f"Saved to {self.repair_checkpoint()}" if on_cpu else f"saved to {self.repair_checkpoint()}"
        self.win.statusBar().showMessage(msg + (f". {earlier}" if earlier else ""), 10000)


def _shown_path(path, project) -> str:
    """A saved repair's file as the status bar names it: relative to the project's folder
    when inside it (``repaired/a.repaired.png``, as the grid and the history name it; the
    whole path of a deep share pushed the name itself past the bar's end), else whole;
    control characters escaped."""
    p = Path(path)
    root = getattr(project, "root", None)
    if root is not None:
        try:
            return visible_name(p.relative_to(root).as_posix())
        except ValueError:  # saved outside the project (Save to…, a repair_output elsewhere)
            pass
    return visible_name(str(p))


class _Call(KeptRunnable):
    def __init__(self, fn, *args) -> None:
        super().__init__()
        self.fn, self.args = fn, args

    def work(self) -> None:
        self.fn(*self.args)


#: how often Image ▸ Train repair model saves its progress (a killed run continues from it)
GUI_SAVE_EVERY_S = 60.0


def _training_device(device: str) -> tuple[str, str]:
    """(where the repair model trains, why not on ``device``): the Settings' Device when this
    machine has it; else the CPU, and why, as the repair dialog falls back
    (:func:`.dialogs.repair_dialog._runnable`): a Device of "cuda" on a machine without a
    GPU failed Image ▸ Train repair model with an error."""
    from ..core.suggest.device import DeviceError, resolve

    try:
        resolve(device)
    except DeviceError as exc:
        why = f"{exc}, so the repair model is trained on the CPU (Settings \u25b8 Device)."
        return "cpu", why[:1].upper() + why[1:]
    return device, ""


def _put_in_place(tmp: Path, ck: Path, sidecars: tuple) -> None:
    from ..core.repair.checkpoint import move_checkpoint

    move_checkpoint(tmp, ck, sidecars)  # interrupted anywhere, what is at ck still loads


def _keep_cancelled(tmp: Path, ck: Path, sidecars: tuple) -> Optional[int]:
    """A cancelled training run saved its checkpoint at ``tmp`` (core ``train()`` saves on
    cancel). It started from the project's checkpoint (or the starter), so when it trained
    at least one step and loads, it replaces the project's checkpoint ``ck``. Returns its
    step, or None when nothing was kept (``tmp`` is then removed)."""
    from ..core.repair.checkpoint import CheckpointError, load_checkpoint

    files = [tmp] + [tmp.with_suffix(x) for x in sidecars]
    step = None
    try:
        if tmp.is_file():
            step = load_checkpoint(tmp).step or None
        if step:
            _put_in_place(tmp, ck, sidecars)
    except (CheckpointError, OSError) as exc:
        log.warning("the cancelled repair training's checkpoint %s was not kept: %s", tmp, exc)
        step = None
    finally:
        for p in files:
            p.unlink(missing_ok=True)
    return step


def _leftover(tmp: Path, start: Optional[Path], sidecars: tuple) -> dict:
    """What an earlier training run left at ``tmp`` (its periodic saves; the run was killed
    before it could put them in place). When it loads and was trained from ``start`` (its
    card's ``from_checkpoint`` is ``start``'s hash), it is kept to be continued:
    ``{"step", "start_sha", "message"}``. Otherwise it is removed: ``{"message"}`` says why
    (``{}`` when there was nothing)."""
    from ..core.repair.checkpoint import CheckpointError, checkpoint_hash, load_checkpoint

    files = [tmp] + [tmp.with_suffix(x) for x in sidecars]
    if not tmp.is_file():
        for p in files:
            p.unlink(missing_ok=True)
        return {}
    try:
        left = load_checkpoint(tmp)
        start_sha = checkpoint_hash(start) if start is not None else None
    except (CheckpointError, OSError) as exc:
        log.warning("an earlier repair training's checkpoint %s is discarded: %s", tmp, exc)
        why = "it is damaged"
    else:
        if left.step and left.card.get("from_checkpoint") == start_sha:
            return {"step": left.step, "start_sha": start_sha,
                    "message": f"Repair training continues an interrupted run's saved progress (step {left.step})."}
        why = "it was trained from another model" if left.step else "it trained no step"
    for p in files:
        p.unlink(missing_ok=True)
    return {"message": f"An interrupted repair training's saved progress was discarded ({why}); "
                       f"this run starts from {start.name if start is not None else 'scratch'}."}
