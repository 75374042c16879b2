"""Defect repair dialog: paint a mask, run a repair in the background, compare
before/after (slider or toggle, and the three engines side by side), accept to save a
new file in ``repaired/`` with provenance.  The original is never touched. Accept
saves on a worker: the :class:`~.repair_saving.RepairSaving` mixin; the before/after
comparison is the :class:`BeforeAfterView` widget (``qt/widgets/before_after.py``).
"""
from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Optional

import numpy as np
import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QGridLayout,
                               QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from ...core.imaging import reader
from ...core.imaging.aspect import display_scale
from ...core.imaging.reader import read_image
from ...core.repair import DEFAULT_DETAIL
from ...core.repair.apply import MASK_DIR, repair_folder
from ..screen import fit_to_screen
from ..widgets.before_after import BeforeAfterView
from ..widgets.mask_editor import MaskEditor, canvas_images
from ..workers import JobManager
from .repair_loading import LoadingMixin
from .repair_render import render_after, render_images
from .repair_saving import STALE_MESSAGE, RepairSaving, StatusLabel

log = logging.getLogger(__name__)

METHOD_NAMES = {"gan": "GAN (learned)", "telea": "Telea (OpenCV)", "ns": "Navier-Stokes (OpenCV)"}


class RepairDialog(LoadingMixin, RepairSaving, QDialog):
    """``RepairDialog(image_path, project=None, checkpoint=None, out_dir=None, device="auto")``;
    ``device``: where the GAN runs (the Settings' Device, as suggestions and training take it).
    ``window``: the (center, width) the image is shown through, the viewer's when the reviewer
    chose one (None: as the file shows it); the repair's pixels are the same either way.

    Emits ``repaired(RepairResult)`` after a repair is accepted and saved. With
    ``background=True`` it shows at once and reads the image on a worker
    (:mod:`.repair_loading`): ``loaded_ok`` when it is in, ``load_failed(message)`` when
    it cannot be read; without, it reads it before it returns (and raises as the read does)."""

    repaired = Signal(object)
    loaded_ok = Signal()
    load_failed = Signal(str)

    def __init__(self, image_path, project=None, *, checkpoint=None, out_dir=None, actor: str = "user",
                 jobs: Optional[JobManager] = None, parent: Optional[QWidget] = None, frame: int = 0,
                 background: bool = False, device: str = "auto", window=None) -> None:
        super().__init__(parent)
        self.device = device or "auto"
        self.image_path = Path(image_path)
        self.frame = int(frame)  # the page (TIFF) or frame (DICOM) repaired: the one the viewer shows
        self.project = project
        self.checkpoint = checkpoint
        self.out_dir = out_dir
        self.actor = actor
        self.jobs = jobs or JobManager(self)
        self._own_jobs = jobs is None
        # the project's pixel limit (the max_image_pixels setting it was opened with), as
        # `repair apply` reads it: the built-in one opened a file over the project's limit
        # and refused one under a larger setting; over it, ImageReadError names the file
        # and the limit (the window says it)
        self.max_pixels = getattr(project, "max_pixels", None) or reader.DEFAULT_MAX_PIXELS
        self.data = None  # the image read (ImageData), once loaded
        read = self._reader = partial(_read, self.image_path, self.frame, self.max_pixels, out_dir, project, window)
        got = None if background else read()  # (raises as the read does)
        self.setWindowTitle(f"Repair — {self.image_path.name}")
        self.results: dict = {}  # method -> RepairResult (preview, not saved)
        self._rendered: dict = {}  # method -> (after QImage, thumbnail QImage), made on the worker
        self.result = None
        self._job = None  # the running (or last) repair job
        self._job_slots: list = []  # (signal, slot) connected to self._job, disconnected when it is dropped
        self._job_state = None  # (generation, mask) the running job was started with
        self._generation = 0  # bumped by every edit of the mask or the settings
        self._results_mask: Optional[np.ndarray] = None  # the mask self.results were computed with
        self._closed = False
        self._save_job = None  # the job saving an accepted repair
        self._save_slots: list = []
        self._save_done = threading.Event()

        self.editor = MaskEditor(np.zeros((1, 1), np.uint8), self)  # the image's, once it is loaded
        # Import… starts in the masks of earlier repairs of this image's folder, else beside the image
        # (those of a repair output's repairs are beside it, where this one's goes); whether the
        # project's records name it a repair output is read with the image (Import… is off till then)
        self.editor.import_dirs = (repair_folder(self.image_path, out_dir) / MASK_DIR, self.image_path.parent)
        self.editor.max_pixels = self.max_pixels  # Import… holds a mask to the setting
        self.editor.changed.connect(self._mask_changed)
        self.method = QComboBox(self)
        for k, v in METHOD_NAMES.items():
            self.method.addItem(v, k)
        self.method.currentIndexChanged.connect(self._show_current)
        self.side_by_side = QCheckBox("All engines side by side", self)
        self.detail = QDoubleSpinBox(self)
        self.detail.setRange(0.0, 1.5)  # as `llmvis repair apply --detail`
        self.detail.setSingleStep(0.25)
        self.detail.setDecimals(2)
        self.detail.setValue(DEFAULT_DETAIL)
        self.detail.setToolTip("Texture detail taken from the surrounding pixels and added to the fill.\n"
                               "0 = the engine's plain, smooth fill (closest to the truth on average);\n"
                               "1 = as textured as the surround (looks real, a little further from the truth).")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the texture detail: the same seed gives the same pixels.")
        self.detail.valueChanged.connect(lambda *_: self._mask_changed())
        self.seed.valueChanged.connect(lambda *_: self._mask_changed())
        self.run_btn = QPushButton("Repair", self)
        self.run_btn.clicked.connect(self.run_repair)
        self.status = StatusLabel(f"Loading {self.image_path.name}…", self)
        self.editor.canvas.placeholder = self.status.text()

        self.view = BeforeAfterView(self)
        self.view.share(self.editor.canvas.viewport)  # zoom and pan the editor and the view together
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.valueChanged.connect(lambda v: self.view.set_split(v / 100.0))
        self.toggle = QCheckBox("Show original", self)
        self.toggle.toggled.connect(self._toggle)
        self.thumbs = {}
        # the engines' previews: shown only when they are asked for (three black tiles
        # stood under the view with "side by side" unchecked)
        self.thumbs_box = QWidget(self)
        grid = QGridLayout(self.thumbs_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, k in enumerate(METHOD_NAMES):
            cap = QLabel(METHOD_NAMES[k], self)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            img = QLabel(self)
            img.setMinimumSize(120, 90)
            img.setAlignment(Qt.AlignmentFlag.AlignCenter)
            img.setStyleSheet("background:#282828")
            grid.addWidget(img, 0, i)
            grid.addWidget(cap, 1, i)
            self.thumbs[k] = img

        right = QWidget(self)
        rl = QVBoxLayout(right)
        top = QHBoxLayout()
        top.addWidget(QLabel("Engine:"))
        top.addWidget(self.method, 1)
        top.addWidget(self.run_btn)
        rl.addLayout(top)
        # the settings, the slider and the two check boxes on rows of their own: on one
        # row with "All engines side by side" the dialog could not fit a 1024-px screen
        opts = QHBoxLayout()
        opts.addWidget(QLabel("Texture detail:"))
        opts.addWidget(self.detail)
        opts.addSpacing(8)
        opts.addWidget(QLabel("Seed:"))
        opts.addWidget(self.seed)
        opts.addStretch(1)
        rl.addLayout(opts)
        rl.addWidget(self.view, 1)
        sl = QHBoxLayout()
        sl.addWidget(QLabel("Before"))
        sl.addWidget(self.slider, 1)
        sl.addWidget(QLabel("After"))
        rl.addLayout(sl)
        checks = QHBoxLayout()
        checks.addWidget(self.toggle)
        checks.addSpacing(12)
        checks.addWidget(self.side_by_side)
        checks.addStretch(1)
        rl.addLayout(checks)
        rl.addWidget(self.thumbs_box)
        self.thumbs_box.setVisible(False)
        self.side_by_side.toggled.connect(self.thumbs_box.setVisible)
        rl.addWidget(self.status)

        split = QSplitter(self)
        split.addWidget(self.editor)
        split.addWidget(right)
        split.setSizes([500, 500])
        self.buttons = QDialogButtonBox(self)
        self.accept_btn = self.buttons.addButton("Accept and save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_to_btn = self.buttons.addButton("Save to…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_to_btn.setToolTip("Save the repair shown in another folder (this dialog only)")
        self.save_to_btn.setEnabled(False)
        self.save_to_btn.clicked.connect(lambda: self.save_repair_to())
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save_repair)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)
        fit_to_screen(self, 1000, 640)  # fits a 1024x768 screen; less on a smaller (or 2x) one
        # Tab: the mask editor, then the right column top to bottom, then the buttons
        # (the order the widgets were made in jumped from the engine to the slider and back)
        chain = [self.method, self.run_btn, self.detail, self.seed, self.slider, self.toggle, self.side_by_side,
                 self.save_to_btn, self.accept_btn, self.buttons.button(QDialogButtonBox.StandardButton.Cancel)]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)
        self._set_acceptable(False)  # nothing to accept yet: Enter presses Repair
        self.editor.setEnabled(False)  # no painting or Repair until the image is in
        self.run_btn.setEnabled(False)
        if got is not None:
            self._take_loaded(got)
        else:
            self._start_load(read)

    def _take_loaded(self, got) -> None:
        """The image is read (``(ImageData, CanvasImages)``): editor and view show it."""
        self.data, images, masks = got
        self.editor.import_dirs = (masks, self.image_path.parent)
        self.setWindowTitle(f"Repair — {self.image_path.name}{self._page_text(' ({} {} of {})')}")
        self.editor.set_images(images)
        self.view.set_images(images.image, None, images.scale)  # (the editor's image: one copy of the pixels)
        self.loaded = True
        self.editor.setEnabled(True)
        self.run_btn.setEnabled(self._job is None)
        self.status.setText(self._idle_message())
        self.loaded_ok.emit()

    # --- helpers
    def _page_text(self, fmt: str = "{} {} of {}") -> str:
        """"page 2 of 3" for a multi-page image ("frame" for DICOM); "" for a single one."""
        frames = int(getattr(getattr(self.data, "meta", None), "frames", 1) or 1)
        if frames <= 1:
            return ""
        kind = "frame" if self.data.meta.format == "DICOM" else "page"
        return fmt.format(kind, self.frame + 1, frames)

    def _page_note(self) -> str:
        page = self._page_text()
        return f" Only {page} is repaired; it is saved as its own file." if page else ""

    def _display(self, pixels: np.ndarray) -> np.ndarray:
        """A repair's pixels rendered as the "before" image was (:func:`.repair_render.render_after`:
        alpha composited on white, the image's window, inversion and S-curve; the pixels left
        as they were exactly as before). (The after of an RGBA image was drawn without its
        alpha, and that of a gray + alpha one was an invalid 0x0 image.)"""
        return render_after(self.data, pixels)

    def _mask_changed(self) -> None:
        """The mask or a setting changed: every preview is stale, and so is a running repair
        (started with the old mask or settings): it is stopped and its results are never shown."""
        if not self.loaded:  # (the settings, changed while the image is read: nothing is stale)
            return
        self._generation += 1
        self.results.clear()
        self._rendered.clear()
        self._results_mask = None
        for img in self.thumbs.values():
            img.clear()
        self._set_acceptable(False)
        self.view.set_images(self.view.before, None)
        if self._job is not None and self._job.is_active:
            self._job.cancel()
            self.status.setText(STALE_MESSAGE)
        else:  # what was said (a failed or finished repair: "the mask is empty"...) is stale too
            self.status.setText(self._idle_message())

    def _idle_message(self) -> str:
        from ...core.repair.mask_file import LARGE_MASK

        canvas = self.editor.canvas
        if not canvas.masked_pixels:  # kept up to date stroke by stroke
            return "Paint over the defect, then Repair." + self._page_note()
        if canvas.coverage() > LARGE_MASK:  # an inverted mask (imported, or read inverted)
            return (f"The mask covers {canvas.coverage():.0%} of the image: inverted? Invert turns it "
                    f"over; Repair fills all of it." + self._page_note())
        return "Press Repair to fill the painted region." + self._page_note()

    def _toggle(self, on: bool) -> None:
        self.view.show_original = on
        self.view.update()

    def _show_current(self) -> None:
        meth = self.method.currentData()
        res = self.results.get(meth)
        if res is not None and meth not in self._rendered:
            self._rendered[meth] = render_images(self.data, res.pixels)
        self.view.set_images(self.view.before, self._rendered[meth][0] if res is not None else None)
        self._set_acceptable(res is not None)

    # --- repair in the background
    def _methods(self) -> list:
        cur = self.method.currentData()
        if self.side_by_side.isChecked():
            return [cur] + [k for k in METHOD_NAMES if k != cur]
        return [cur]

    def run_repair(self) -> None:
        from ...core.repair import RepairError
        from ...core.repair.apply import repair_file
        from ...core.tasks import Progress

        if self._closed or not self.loaded:
            return
        mask = self.editor.mask().copy()
        methods = self._methods()
        self._drop_job(cancel=True)  # a repair still running is superseded by this one

        def work(token, progress, path=self.image_path, mask=mask, methods=methods, ck=self.checkpoint,
                 detail=self.detail.value(), seed=self.seed.value(), frame=self.frame, limit=self.max_pixels,
                 data=self.data, device=self.device):
            out, rendered = {}, {}
            device, moved = _runnable(device) if "gan" in methods else (device, "")
            for i, meth in enumerate(methods):
                progress(Progress("repair", i, len(methods), METHOD_NAMES[meth]))
                try:
                    out[meth] = repair_file(path, mask, method=meth, checkpoint=ck, save=False, token=token,
                                            detail=detail, seed=seed, frame=frame, max_pixels=limit, device=device)
                except RepairError as exc:
                    out[meth] = exc
                else:  # rendered here: on the GUI thread it froze the window (3 s for 6000x4000)
                    if moved and meth == "gan":
                        out[meth].notes.insert(0, moved)
                    token.check()
                    rendered[meth] = render_images(data, out[meth].pixels)
            return out, rendered

        self.run_btn.setEnabled(False)
        self.status.setText("Repairing…")
        job = self.jobs.start("Repair", work)
        self._job = job
        self._job_state = (self._generation, mask)
        self._job_slots = [
            (job.signals.result, lambda got, j=job: self._job_result(j, *got)),
            (job.signals.error, lambda e, j=job: self._job_error(j, e)),
            (job.signals.cancelled, lambda j=job: self._job_cancelled(j)),
            (job.signals.finished, lambda j=job: self._job_finished(j)),
        ]
        for signal, slot in self._job_slots:
            signal.connect(slot)

    def _alive(self) -> bool:
        return not self._closed and shiboken6.isValid(self)

    def _is_current(self, job) -> bool:
        """True when ``job`` is this open dialog's job and was started with the mask and
        settings shown now (no edit since)."""
        return (self._alive() and job is self._job and self._job_state is not None
                and self._job_state[0] == self._generation)

    def _job_result(self, job, out: dict, rendered: dict) -> None:
        if self._is_current(job):
            self._results_mask = self._job_state[1]
            self._on_results(out, rendered)

    def _job_error(self, job, exc) -> None:
        if self._is_current(job):
            self._on_error(str(exc))

    def _job_cancelled(self, job) -> None:
        if self._is_current(job):  # stopped from the Jobs panel
            self.status.setText("Repair cancelled.")

    def _job_finished(self, job) -> None:
        if not self._alive() or job is not self._job:
            return
        stale = self._job_state is not None and self._job_state[0] != self._generation
        self._drop_job(cancel=False)
        self.run_btn.setEnabled(True)
        if stale:
            self.status.setText(STALE_MESSAGE)

    def _drop_job(self, cancel: bool) -> None:
        """Forget the current job: no handler of this dialog runs for it any more; with
        ``cancel``, it is also stopped if it still runs."""
        job, slots = self._job, self._job_slots
        self._job, self._job_slots, self._job_state = None, [], None
        if job is None:
            return
        if cancel and job.is_active:
            job.cancel()
        for signal, slot in slots:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def _on_results(self, out: dict, rendered: Optional[dict] = None) -> None:
        errors = [f"{METHOD_NAMES[k]}: {_with_advice(v, self.checkpoint)}" for k, v in out.items()
                  if isinstance(v, Exception)]
        for k, v in out.items():
            if not isinstance(v, Exception):
                self.results[k] = v
                self._rendered[k] = (rendered or {}).get(k) or render_images(self.data, v.pixels)
                self.thumbs[k].setPixmap(QPixmap.fromImage(self._rendered[k][1]))
        self._show_current()
        gan = self.results.get("gan")
        where = ""
        if gan is not None and "gan" in out:  # (the GPU out of memory: which, why, and that the CPU finished)
            said = "; ".join(gan.notes) or f"the GAN ran on {_device_name(gan.params.get('device'))}"
            where = f" {said[:1].upper()}{said[1:]}."
        self.status.setText("; ".join(errors) if errors else
                            f"Compare with the slider; Accept saves a new file.{where}{self._page_note()}")

    def _on_error(self, msg: str) -> None:
        self.status.setText(f"Repair failed: {msg}")

    # --- accept: saved on a worker by the RepairSaving mixin (:mod:`.repair_saving`)
    def reject(self) -> None:  # noqa: D401 - QDialog API
        if self.saving:  # Cancel, Escape or the close button while the file is written: it is finished first
            self.status.setText("Saving… (the dialog closes when the file is saved)")
            return
        super().reject()

    def closeEvent(self, e) -> None:  # noqa: N802 - Qt API
        if self.saving:
            e.ignore()
            self.status.setText("Saving… (the dialog closes when the file is saved)")
            return
        super().closeEvent(e)  # rejects (-> done) when visible
        if e.isAccepted():
            self._shut()

    def done(self, r: int) -> None:  # noqa: D401 - QDialog API
        self._shut()
        super().done(r)

    def _shut(self) -> None:
        """Closing (Accept, Cancel, the window's close button): stop the running repair and
        disconnect from it, so that no handler ever runs against a closed (deleted) dialog."""
        if self._closed:
            return
        self._closed = True
        self._forget_load()  # a read still running: its outcome goes nowhere
        self._drop_job(cancel=True)
        if self._save_job is not None:  # (a save is never cancelled: it ends, or has ended, on its own)
            self._end_save(self._save_job)
        if self._own_jobs:
            self.jobs.shutdown()


def _read(path: Path, frame: int, max_pixels: int, out_dir=None, project=None, window=None):
    """The dialog's image (shown through ``window`` when one is given), its editor's images,
    and where Import… starts (on a worker when opened in the background: the project's
    repair records are read for it, two database reads that were on the GUI thread as the
    dialog was built)."""
    data = read_image(path, frame=frame, max_pixels=max_pixels,
                      window=tuple(window) if window is not None else None)
    try:
        masks = repair_folder(path, out_dir, project) / MASK_DIR
    except Exception as exc:  # (the records unreadable: the folder its path alone gives)
        log.warning("repair records of %s: %s", path, exc)
        masks = repair_folder(path, out_dir) / MASK_DIR
    return data, canvas_images(data.display, display_scale(data.meta)), masks


def _with_advice(exc: Exception, checkpoint) -> str:
    """``exc`` in words; a checkpoint that cannot be loaded (damaged, another architecture)
    with what to do about it: the dialog's checkpoint is the project's trained one."""
    from ...core.repair.checkpoint import CheckpointError, damaged_project_checkpoint

    if isinstance(exc, CheckpointError) and checkpoint is not None:
        return f"{exc}. {damaged_project_checkpoint(checkpoint, 'dialog')}"
    return str(exc)


def _runnable(device: str) -> tuple[str, str]:
    """(where the GAN runs, why not on ``device``): the Settings' Device when this machine
    has it; else the CPU, and why (a setting of "cuda" on a machine without a GPU now, or
    whose driver failed, made every GAN preview fail)."""
    from ...core.suggest.device import DeviceError, resolve

    try:
        resolve(device)
    except DeviceError as exc:
        return "cpu", f"{exc}, so the GAN ran on the CPU (Settings \u25b8 Device)"
    return device, ""


def _device_name(device) -> str:
    if not device or device == "cpu":
        return "the CPU"
    if str(device).startswith("cuda"):
        try:
            import torch

            return f"the GPU ({torch.cuda.get_device_name(torch.device(device))})"
        except Exception:
            return f"the GPU ({device})"
    return "the Apple GPU (mps)" if device == "mps" else str(device)
