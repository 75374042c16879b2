"""ExportImportDialog: export or import annotations in any interchange format.

Public API
----------
``ExportImportDialog(project, parent=None, mode="export", jobs=None, actor=None, settings_key=None,
settings=None)``
    ``mode`` is ``"export"`` or ``"import"`` (a combo at the top switches it).
    ``actor``: a callable giving the reviewer's name, asked when an import starts (the
    history records its changes as ``import:<file> by <name>``).
    ``settings_key``: the project setting the form's choices are kept under (format,
    paths, reviewed-only, the other export options, split, seed, import-as); each run
    saves them and the next dialog starts from them (:mod:`.interchange_choices`). None:
    nothing is remembered.
    ``settings``: the project's settings, read off the GUI thread (None: read here).
    ``jobs``: the main window's :class:`~llmvis_desktop.qt.workers.JobManager`; the export
    or import is one of its jobs, so the Jobs panel shows it (progress, rate, ETA, Cancel)
    and the window's shutdown cancels it and waits for it. Without one (the dialog on its
    own), the dialog keeps a private manager.
Methods
    ``start()``            runs what the form says (the Run button calls it)
    ``cancel()``           asks the running job to stop (the Cancel button; the Jobs panel's
                           Cancel does the same)
    ``is_running() -> bool``
    ``last_report``        the ExportReport / ImportReport of the last job, or None
    ``last_error``         the one-line error of the last failed job, or None
    ``last_cancelled``     whether the last job was cancelled
Signals
    ``finished_job(object)``  the report (or None after an error/cancel), on the GUI thread
    ``job_started(object, str)``  the Job and its mode ("export"/"import"), as it starts:
                           the window follows the job itself (an import that ends after the
                           dialog was closed still refreshes the grid)

The core function never touches a widget; the job's signals (progress, result, error,
cancelled) arrive on the GUI thread and feed the dialog's progress bar and summary.
Closing the dialog leaves a job of the window's manager running: the Jobs panel shows it
and can cancel it; closing the project or the window cancels it and waits for it. A
private manager's job is cancelled and waited for when the dialog closes.

The form (its widgets, the rows each format uses, Browse, the options it asks for, the
choices kept) is :class:`.interchange_form.InterchangeForm`; running it is this module.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.interchange import (
    FORMATS,
    InterchangeError,
    WrongFormat,
    export_path,
    export_project,
    import_file,
    output_files,
)
from ...core.interchange.target import check_file_target
from ...core.tasks import Progress
from ...core.wording import plural
from ..screen import fit_to_screen
from ..workers import Job, JobManager
from .interchange_choices import save_choices
from .interchange_form import IMAGES_8BIT_NAME, IMAGES_8BIT_TEXT, InterchangeForm

__all__ = ["IMAGES_8BIT_NAME", "IMAGES_8BIT_TEXT", "ExportImportDialog"]


class ExportImportDialog(InterchangeForm, QDialog):
    finished_job = Signal(object)
    job_started = Signal(object, str)

    def __init__(self, project, parent: Optional[QWidget] = None, mode: str = "export",
                 jobs: Optional[JobManager] = None, actor: Optional[Callable[[], str]] = None,
                 settings_key: Optional[str] = None, settings: Optional[dict] = None) -> None:
        super().__init__(parent)
        self.project = project
        self._actor = actor  # who an import is recorded as, asked when it starts (None: the OS user)
        self._settings_key = settings_key
        self._read_settings = settings  # the project's, read off the GUI thread (None: read here)
        self.setWindowTitle("Export / import annotations")
        self.last_report = None
        self.last_error: Optional[str] = None
        self.last_cancelled = False
        self._own_jobs = jobs is None
        self._jobs = JobManager(self, max_threads=1) if jobs is None else jobs
        self._job: Optional[Job] = None
        self._confirmed_out: Optional[Path] = None  # an existing file the save dialog agreed to replace

        form = self._build_form()

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")  # nothing run yet ("0%" read as a run begun and stalled)
        # shown only while a job runs (:meth:`_set_busy`): idle, the empty bar read as a
        # text field to type in; the summary below says how a run ended
        self.progress.hide()
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setMaximumBlockCount(500)
        self.summary.setPlaceholderText("The result appears here.")

        self.run_button = QPushButton("Export")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.run_button, self.cancel_button, close):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.export_box)
        layout.addWidget(self.import_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.fmt.currentIndexChanged.connect(self._mode_changed)
        self._restore()
        self.mode.setCurrentIndex(1 if mode == "import" else 0)
        self._mode_changed()
        fit_to_screen(self, 560, 560)

    # --- running --------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._job is not None and self._job.is_active

    def start(self) -> None:
        if self.is_running():
            return
        text = self.path.text().strip()
        if not text:
            self._show_error("choose a path first")
            return
        path = Path(text).expanduser()
        fmt = self.current_format()
        project = self.project
        title = FORMATS[fmt].title.split(" (")[0]  # "CSV", "COCO JSON": short, for the Jobs panel
        if self.current_mode() == "export":
            opts = self.options()
            # a file name typed with no extension gets the format's: the field shows it,
            # the summary line says it was added
            path, added = export_path(fmt, path)
            if added:
                self.path.setText(str(path))
            force = self._may_replace(fmt, path)
            if force is None:
                return
            name = f"Export {title} to {path.name or path}"

            def fn(token, progress):
                report = export_project(project, fmt, path, opts, token, progress, force=force)
                if added:
                    report.suffix_added = added
                return report
        else:
            if FORMATS[fmt].parse is None:
                self._show_error(f"the {title} format is export only")
                return
            as_, overwrite = self.as_.currentData(), self.overwrite.isChecked()
            name = f"Import {title} from {path.name or path}"
            who = self._actor() if self._actor is not None else None
            member = self.archive_member()

            def fn(token, progress):
                return import_file(project, fmt, path, as_, overwrite, token, progress, actor=who, member=member)

        key, choices = self._settings_key, self.choices()

        def saving(token, progress, run=fn):  # the choices saved on the job's thread (0.2 s on a team's PostgreSQL)
            save_choices(project, key, choices)
            return run(token, progress)

        try:
            job = self._jobs.start(name, saving)
        except RuntimeError as exc:  # the window is closing: its job manager is shut down
            self._show_error(str(exc))
            return
        self.last_report = None
        self.last_error = None
        self.last_cancelled = False
        # lambdas bound to this job: a late signal of an earlier job, or one arriving after the
        # dialog was deleted (closed with WA_DeleteOnClose), is ignored
        job.signals.progress.connect(lambda p, j=job: self._for(j, self._on_progress, p))
        job.signals.result.connect(lambda r, j=job: self._for(j, self._on_result, r))
        job.signals.error.connect(lambda e, j=job: self._for(j, self._on_error, _one_line(e, self.project),
                                                             isinstance(e, InterchangeError)))
        job.signals.cancelled.connect(lambda j=job: self._for(j, self._on_cancelled))
        self._job = job
        self._set_busy(True)
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.setFormat("")
        self.summary.setPlainText(f"{self.run_button.text()}ing {fmt} … It is also shown in the Jobs panel: "
                                  f"closing this window leaves it running there (Cancel it there or here)."
                                  if not self._own_jobs else f"{self.run_button.text()}ing {fmt} …")
        self.job_started.emit(job, self.current_mode())

    def _for(self, job: Job, slot, *args) -> None:
        if shiboken6.isValid(self) and job is self._job:
            slot(*args)

    def _may_replace(self, fmt: str, path: Path) -> Optional[bool]:
        """Whether the export may replace its existing output file(s): True after the save
        dialog or a question agreed, False when none exists, None (refused, shown) when the
        target is the project's database or an image, or the reviewer said no."""
        existing = [f for f in output_files(fmt, path) if f.exists()]
        if not existing:
            return False
        try:
            for f in existing:  # the project's database and images are never replaced
                check_file_target(self.project, f, force=True)
        except InterchangeError as exc:
            self._show_error(str(exc))
            return None
        if existing == [path] and path == self._confirmed_out:
            return True
        if self._confirm_replace(existing):
            return True
        self._show_error(f"{existing[0]}: exists and was not replaced; choose another path")
        return None

    def _confirm_replace(self, files: list[Path]) -> bool:
        names = "\n".join(str(f) for f in files)
        answer = QMessageBox.question(self, "Replace existing file?", f"Replace the existing file(s)?\n{names}",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy and self._runnable())
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        for w in (self.mode, self.fmt, self.path, self.export_box, self.import_box):
            w.setEnabled(not busy)

    def _on_progress(self, p: Progress) -> None:
        done, total = int(p.done), int(p.total or 0)
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.progress.setFormat(f"{p.stage}: %v / %m")

    def _finish(self) -> None:
        self._job = None
        self._set_busy(False)
        self._mode_changed()

    def _on_result(self, report) -> None:
        self.last_report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("done")
        lines = [report.summary() + f" ({report.seconds:.2f} s)"]
        for c in getattr(report, "conflicts", [])[:200]:
            lines.append(f"conflict: {c}")
        if getattr(report, "conflicts", None):
            lines.append("Conflicting images were left untouched; tick 'Overwrite' to replace them.")
            if any(getattr(c, "existing_time", None) is not None for c in report.conflicts):
                lines.append("Images changed here after the file's record keep the newer value even with "
                             "'Overwrite' (llmvis import --overwrite --overwrite-newer replaces them).")
        lines += [f"warning: {w}" for w in report.warnings[:200]]
        more = len(report.warnings) - 200 + getattr(report, "warnings_dropped", 0)
        if more > 0:
            lines.append(f"… and {more:,} more {plural(more, 'warning')} (llmvis export --json lists them)")
        self.summary.setPlainText("\n".join(lines))
        self._finish()
        self.finished_job.emit(report)

    def _on_error(self, message: str, refused: bool = True) -> None:
        """A job that raised: "Refused: ..." when the core refused it (a file that climbs
        out, a folder not empty), "Export failed: ..." when it failed (a full disk)."""
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("failed")
        self._show_error(message)
        if not refused:
            self.summary.setPlainText(f"{self.run_button.text()} failed: {message}")
        self._finish()
        self.finished_job.emit(None)

    def _on_cancelled(self) -> None:
        importing = self.current_mode() == "import"
        self.last_cancelled = True
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("cancelled")
        self.summary.setPlainText("Import cancelled; nothing was imported." if importing else "Export cancelled.")
        self._finish()
        self.finished_job.emit(None)

    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.summary.setPlainText(f"Refused: {message}")

    def _stop(self) -> None:
        """Closing: a job of the window's manager goes on (the Jobs panel shows it and can
        cancel it; closing the project or the window cancels it and waits for it); a
        private manager's job is cancelled and waited for."""
        if self._own_jobs:
            self.cancel()
            self._jobs.cancel_all()
            self._jobs.wait()
        elif self.is_running() and isinstance(self.parent(), QWidget):
            bar = getattr(self.parent(), "statusBar", None)
            if callable(bar):
                bar().showMessage(f"{self._job.name} goes on in the Jobs panel (Cancel it there).", 8000)

    def done(self, code: int) -> None:  # close/reject (Esc, Close)
        self._stop()
        super().done(code)

    def closeEvent(self, event) -> None:
        self._stop()
        super().closeEvent(event)


def _one_line(exc: BaseException, project=None) -> str:
    from ...core.errors import database_state, first_line

    if isinstance(exc, WrongFormat):  # what the file looks like: the format to choose
        return f"{exc}; choose \u201c{FORMATS[exc.looks_like].title.split(' (')[0]}\u201d as the Format"
    if isinstance(exc, (InterchangeError, OSError)):
        return str(exc)
    if database_state(exc):  # its disk full, locked...: in words, naming its file
        from ...core.store.engine import describe_url

        return first_line(exc, database=describe_url(project.db_url) if project is not None else None)
    return f"{type(exc).__name__}: {exc}"
