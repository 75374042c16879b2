"""The window's dialogs that the panel controller opens: Settings, Export/Import (one
non-modal dialog whose export or import is a job of the window), Keyboard shortcuts,
and the reviewer's name.

:class:`DialogActions` is a mixin of :class:`~.panel_controller.PanelController`: it
uses the host's ``win`` (the main window) and ``refresh_after_bulk()``, and keeps the
open Export/Import dialog on the host (``interchange_dialog``).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from .workers import void

#: imported on the settings read's worker before Export… / Import… opens
INTERCHANGE_DIALOG = f"{__package__}.dialogs.interchange_dialog"


class DialogActions:
    """Dialogs of the panel controller (see the module docstring)."""

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
            moved = cfg.thumbnail_cache_dir() != win.config.thumbnail_cache_dir()
            win.config = cfg
            win._save_config()
            win.grid.set_thumb_size(cfg.thumbnail_size)
            if moved:  # applied now (it took effect only at the next start, unsaid)
                note = win.use_thumbnail_cache()
                if note:
                    win.show_error(note)
                else:
                    win.statusBar().showMessage(f"Thumbnails are now cached in {cfg.thumbnail_cache_dir()}", 8000)

    def open_interchange(self, mode: str = "export") -> None:
        win = self.win
        if win.project is None:
            return
        if self._raise_interchange(mode):
            return
        # opened once the project's settings (the form's saved choices) were read off the GUI
        # thread: 0.2 s on a team's PostgreSQL 50 ms away; the worker imports the dialog's
        # module first (every format with it: 0.19 s on the GUI thread, the first time)
        win.project_ctl.settings_reads.read("interchange", lambda s: self._show_interchange(mode, s),
                                            modules=(INTERCHANGE_DIALOG,))

    def _raise_interchange(self, mode: str) -> bool:
        dlg = getattr(self, "interchange_dialog", None)
        if dlg is None:
            return False
        if not dlg.is_running():  # one dialog: the open one comes to the front
            dlg.mode.setCurrentIndex(dlg.mode.findData(mode))
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()
        return True

    def _show_interchange(self, mode: str, settings) -> None:
        """``settings``: the project's, read on a worker (None: the dialog reads them)."""
        from .dialogs.interchange_dialog import ExportImportDialog

        win = self.win
        if win.project is None or self._raise_interchange(mode):
            return
        # the export or import is a job of the window: the Jobs panel shows it (progress,
        # Cancel); closing the dialog leaves it running, closing the project or the window
        # cancels it and waits for it. The form's choices are kept in the project, for
        # each reviewer (as the review position is).
        key = f"interchange:{win.config.reviewer or 'anonymous'}"
        dlg = ExportImportDialog(win.project, win, mode=mode, jobs=win.jobs, actor=win.reviewer, settings_key=key,
                                 settings=settings)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.job_started.connect(self._interchange_started)
        dlg.destroyed.connect(lambda *_: setattr(self, "interchange_dialog", None))
        self.interchange_dialog = dlg
        dlg.show()  # non-modal

    def _interchange_started(self, job, mode: str) -> None:
        """Follow the job itself: an import that ends after its dialog was closed still
        refreshes the grid."""
        if mode == "import":
            job.signals.result.connect(void(lambda _report: self._interchange_done()))

    def _interchange_done(self) -> None:
        if self.win.project is None:
            return
        self.refresh_after_bulk()
        self.win.statusBar().showMessage("Import finished; the grid shows the imported annotations.", 6000)

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
