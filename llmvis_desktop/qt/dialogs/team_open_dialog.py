"""File ▸ Open team project…: an image folder and the team's database, opened without a
terminal.

The dialog asks for the folder (Browse…), the database URL (e.g.
``postgresql+psycopg://user@host/db``) and the password in a field of its own: a
password pasted into the URL is moved into that field, so the URL text (shown,
remembered in the recent projects) never holds it. "Test connection" runs
:func:`~llmvis_desktop.core.store.db_check.check_database` off the GUI thread and says
what it found. Open (Enter) hands folder and URL, the password put back in, to
``win.open_project`` — the path ``llmvis-desktop FOLDER --db URL`` takes; Esc cancels.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.store import db_check
from ...core.store.db_location import url_without_password
from ..latest_only import LatestOnly

URL_PLACEHOLDER = "postgresql+psycopg://user@host/database"


class TeamOpenDialog(QDialog):
    def __init__(self, folder: str = "", db_url: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamOpenDialog")
        self.setWindowTitle("Open team project")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        intro = QLabel("Open an image folder whose reviews the team keeps in a shared database "
                       "(PostgreSQL). The password is used for this session only and never saved.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.folder_edit = QLineEdit(folder, objectName="teamFolder")
        self.folder_edit.setPlaceholderText("the folder that holds the images (a network share)")
        self.browse_button = QPushButton("&Browse…", objectName="teamBrowse")
        self.browse_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        folder_label = QLabel("Image &folder:")
        folder_label.setBuddy(self.folder_edit)  # (a row of two widgets: Alt+F needs its buddy named)
        form.addRow(folder_label, row)
        self.url_edit = QLineEdit(objectName="teamUrl")
        self.url_edit.setPlaceholderText(URL_PLACEHOLDER)
        form.addRow("&Database URL:", self.url_edit)
        self.password_edit = QLineEdit(objectName="teamPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("if the server asks for one (else ~/.pgpass or PGPASSWORD)")
        form.addRow("&Password:", self.password_edit)
        lay.addLayout(form)
        self.url_edit.setText(db_url)
        self.test_button = QPushButton("&Test connection", objectName="teamTest")
        self.test_button.setAutoDefault(False)
        self.result_label = QLabel("", objectName="teamResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.result_label, 1)
        lay.addLayout(test_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setDefault(True)  # Enter in any field opens; Esc cancels (QDialog)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.browse_button.clicked.connect(self._browse)
        self.test_button.clicked.connect(self.test_connection)
        self.url_edit.editingFinished.connect(self._take_password_out)
        for edit in (self.folder_edit, self.url_edit, self.password_edit):
            edit.textEdited.connect(self._forget_result)
            edit.textChanged.connect(self._update_open)  # (Browse… fills the folder too)
        self.tester = LatestOnly(self)  # the connection is tried off the GUI thread
        self.tester.done.connect(self._tested)
        self.last_check: Optional[db_check.DbCheck] = None
        self._take_password_out()
        self._update_open()
        (self.url_edit if folder and not db_url else self.folder_edit).setFocus()

    # --- the values ------------------------------------------------------------------------
    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def url(self) -> str:
        """The URL as typed, without a password."""
        return self.url_edit.text().strip()

    def password(self) -> str:
        return self.password_edit.text()

    def full_url(self) -> str:
        """The URL to connect with: the password put in."""
        return db_check.url_with_password(self.url(), self.password())

    def _take_password_out(self) -> None:
        """A password pasted into the URL goes to the password field: the URL shown and
        remembered never holds it."""
        url = self.url()
        secret = db_check.password_of(url) if url else None
        if secret:
            self.password_edit.setText(secret)
            self.url_edit.setText(url_without_password(url))
        self._update_open()

    def _update_open(self) -> None:
        self.open_button.setEnabled(bool(self.folder()) and bool(self.url()))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Image folder of the team project", self.folder())
        if folder:
            self.folder_edit.setText(folder)
            self._forget_result()

    # --- Test connection --------------------------------------------------------------------
    def test_connection(self) -> None:
        self._take_password_out()
        if not self.url():
            self._say("Write the database URL first, e.g. " + URL_PLACEHOLDER, error=True)
            return
        self.test_button.setEnabled(False)
        self.last_check = None  # (until this test's answer)
        self._say("Connecting…")
        self.tester.submit(db_check.check_database, self.url(), self.folder(), self.password() or None)

    def _tested(self, result, error) -> None:
        self.test_button.setEnabled(True)
        if error is not None:
            self.last_check = None
            self._say(f"The test failed: {error}", error=True)
            return
        self.last_check = result
        self._say(result.message, error=not result.opens, warn=result.kind == db_check.OTHER_FOLDER)
        if result.needs_password:
            self.password_edit.setFocus()
            self.password_edit.selectAll()

    def _forget_result(self, *_):
        self._update_open()
        if self.last_check is not None or self.result_label.text():
            self.last_check = None
            self.result_label.setText("")

    def _say(self, text: str, error: bool = False, warn: bool = False) -> None:
        mark = "\u26a0 " if (error or warn) else ("\u2713 " if text.startswith("Connected") else "")
        self.result_label.setText(mark + text)

    def accept(self) -> None:
        self._take_password_out()
        if not (self.folder() and self.url()):
            return
        if self.last_check is not None and self.last_check.kind == db_check.FOREIGN:
            self.url_edit.setFocus()  # (Open would add llmvis's tables to another program's database)
            self._say(self.last_check.message, error=True)
            return
        super().accept()

    def done(self, result: int) -> None:  # noqa: D401 - Qt API
        self.tester.cancel()  # (a test still running: its answer goes nowhere)
        super().done(result)


def open_team_dialog(win) -> TeamOpenDialog:
    """The dialog, non-modal on ``win``; Open opens through ``win.open_project`` as
    ``--db`` does. Pre-filled with the open project's folder and database when it has one."""
    folder, url = "", ""
    project = getattr(win, "project", None)
    if project is not None:
        folder = str(project.root)
        url = win.config.database_for(folder) or ""
    dlg = TeamOpenDialog(folder, url, win)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.accepted.connect(lambda: win.open_project(dlg.folder(), dlg.full_url()))
    win.team_open_dialog = dlg
    dlg.open()
    return dlg
