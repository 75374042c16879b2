"""Accept in the repair dialog: the accepted repair is encoded and written on a worker
(a large TIFF's compression took seconds on the GUI thread); the dialog stays open,
its controls off, until the file is saved and recorded, or the failure is said.

:class:`RepairSaving` is a mixin of :class:`~.repair_dialog.RepairDialog`: it uses the
host's ``results``, ``method``, ``editor``, ``jobs``, ``status``, ``_closed``, the controls it
turns off, ``_results_mask``, ``_mask_changed`` and ``_alive``, and keeps the save job on the
host (``_save_job``, ``_save_slots``, ``_save_done``, set up by the dialog).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFileDialog, QLabel

STALE_MESSAGE = "The mask or the settings changed during the repair: run the repair again."


class StatusLabel(QLabel):
    """The dialog's word-wrapped status line. Its minimum height is that of its whole text
    at its width (at least two lines): a long message (why a save failed, with its path)
    was cut through, or, made whole by the layout, drawn over the rows above it."""

    def __init__(self, text: str, parent=None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # a path to copy
        self.setToolTip(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        m = super().minimumSizeHint()
        lines = 2 * self.fontMetrics().lineSpacing() + 2 * self.margin()
        return QSize(m.width(), max(lines, self.heightForWidth(max(self.width(), m.width()))))

    def resizeEvent(self, e) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(e)
        if e.oldSize().width() != e.size().width():  # another width wraps into another height
            self.updateGeometry()


class RepairSaving:
    """Accept and save of the repair dialog (see the module docstring)."""

    @property
    def saving(self) -> bool:
        """True while an accepted repair is being saved, until its outcome is shown (its
        controls are off meanwhile)."""
        return self._save_job is not None

    def wait_saved(self, timeout: float = 60.0) -> bool:
        """Block until a save in progress has ended (written and recorded, or failed); True
        when none is running now. For the project closing under an open dialog."""
        return self._save_job is None or self._save_done.wait(timeout)

    def save_repair(self) -> None:
        from ...core.repair import RepairError
        from ...core.repair.apply import repair_file

        if self._closed or self._save_job is not None:
            return
        meth = self.method.currentData()
        prev = self.results.get(meth)
        if prev is None:
            self.status.setText("Run the repair first.")
            return
        mask = self._results_mask
        if mask is None or not np.array_equal(mask, self.editor.mask()):
            # never pair pixels computed from one mask with another mask as provenance
            self._mask_changed()
            self.status.setText(STALE_MESSAGE)
            return
        done = self._save_done = threading.Event()
        source = self.editor.mask_source(mask)  # painted, or the file it was imported from

        def work(token, progress, path=self.image_path, mask=mask, meth=meth, ck=self.checkpoint,
                 out_dir=self.out_dir, project=self.project, actor=self.actor, prev=prev, frame=self.frame,
                 limit=getattr(self, "max_pixels", None), source=source):
            # repair_file writes the file first and records the repair only once it is written; a
            # project database another writer holds is waited for, said on the job's row (Cancel stops it)
            try:
                return repair_file(path, mask, method=meth, checkpoint=ck, out_dir=out_dir, project=project,
                                   actor=actor, detail=prev.params["detail"], seed=prev.params["seed"],
                                   result_pixels=prev.pixels, result_checkpoint_hash=prev.checkpoint_hash,
                                   mask_source=source, frame=frame, max_pixels=limit,
                                   source_sha256=prev.source_sha256 or None,  # the file the preview read
                                   device=prev.params.get("device", "auto"),  # where the preview ran
                                   token=token, progress=progress)
            except (RepairError, OSError) as exc:  # a read-only or full output folder: said in the dialog
                return exc
            finally:
                done.set()

        self._set_saving(True)
        self.status.setText("Saving…")
        job = self.jobs.start("Save repair", work)
        self._save_job = job
        self._save_slots = [
            (job.signals.result, lambda out, j=job: self._save_result(j, out)),
            (job.signals.error, lambda e, j=job: self._save_failed(j, e)),
            (job.signals.cancelled, lambda j=job: self._save_failed(j, None)),
        ]
        for signal, slot in self._save_slots:
            signal.connect(slot)

    def save_repair_to(self, folder: Optional[str] = None) -> None:
        """Save to…: ask for a folder (``folder`` given: that one), then save the repair shown
        there, as Accept does. For an output folder that cannot be written (a read-only
        share): the mask and the computed repair are kept, only the folder changes."""
        from ...core.repair.apply import resolve_out_dir

        if self._closed or self._save_job is not None:
            return
        if folder is None:
            start = resolve_out_dir(self.image_path, self.out_dir)
            while not start.is_dir() and start.parent != start:
                start = start.parent
            folder = QFileDialog.getExistingDirectory(self, "Save the repair in", str(start))
            if not folder:
                return
        self.out_dir = str(Path(folder))
        self.save_repair()

    def _set_acceptable(self, on: bool) -> None:
        """Accept and Save to… are on when a repair is shown to be saved. Enter presses
        Repair until then, and Accept once a repair is shown: Accept, the default button
        however greyed out, made Enter do nothing after painting a mask."""
        self.accept_btn.setEnabled(on)
        self.save_to_btn.setEnabled(on)
        self.accept_btn.setDefault(on)
        self.run_btn.setDefault(not on)

    def _set_saving(self, on: bool) -> None:
        for w in (self.editor, self.method, self.run_btn, self.detail, self.seed, self.side_by_side, self.buttons):
            w.setEnabled(not on)
        if not on:
            self._set_acceptable(self.results.get(self.method.currentData()) is not None)

    def _end_save(self, job) -> bool:
        """Forget the save job; False when it is not this open dialog's (closed meanwhile)."""
        if job is not self._save_job:
            return False
        for signal, slot in self._save_slots:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._save_job, self._save_slots = None, []
        return self._alive()

    def _save_result(self, job, out) -> None:
        if getattr(out, "waited_s", 0) >= 1 and self.project is not None:  # the Jobs row's end, as the CLI's
            from ...core.store.db_wait import waited_note
            from ...core.store.engine import describe_url

            job.done_text = waited_note(describe_url(self.project.db_url), out.waited_s)
        if not self._end_save(job):
            return
        if isinstance(out, Exception):
            self._save_failed(None, out)
            return
        self.result = out
        self._set_saving(False)
        self.repaired.emit(self.result)
        self.accept()

    def _save_failed(self, job, exc) -> None:
        if job is not None and not self._end_save(job):
            return
        self._set_saving(False)
        from ...core.repair import SourceChanged

        if isinstance(exc, SourceChanged):  # the preview is of the image as it was: never saved
            self._mask_changed()  # (every preview dropped, Accept off; the mask kept)
            said = str(exc).replace("; nothing was saved", "")  # ("Not saved" says it)
            self.status.setText(f"Not saved: {said}")
            self.reload_image()  # the "before" view showed the image as first opened
        elif exc is None:
            self.status.setText("Not saved: the save was cancelled; Accept saves it again.")
        else:  # the mask and the repair are kept: another try, or another folder
            self.status.setText(f"Not saved: {str(exc).rstrip('.')}. Accept tries again; Save to… saves it "
                                f"in another folder.")
