"""Ask the reviewer's name once, at first start (it is written into every history event).

Public API
----------
``ask_reviewer_name(parent=None, current: str = "") -> str | None``
    modal; returns the trimmed, whitespace-collapsed name, or None when cancelled.
``ReviewerDialog(parent=None, current="")``  the dialog itself: ``name() -> str``;
    OK is enabled only while the name is non-empty.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from .. import style


class ReviewerDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None, current: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is reviewing?")
        intro = QLabel(
            "<b>Your name or initials</b><br>"
            "It is recorded with every accept, edit and reject, so the team can see who "
            "reviewed what and when. It stays on this machine; change it later in Settings."
        )
        intro.setWordWrap(True)
        self.edit = QLineEdit(current)
        self.edit.setPlaceholderText("e.g. Alice Martin or AM")
        self.edit.setMaxLength(80)
        self.hint = QLabel("A name is required.")
        self.hint.setStyleSheet(f"color: {style.error_color(self.palette())};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.edit)
        lay.addWidget(self.hint)
        lay.addWidget(self.buttons)
        self.edit.textChanged.connect(self._validate)
        self._validate()
        self.setMinimumWidth(420)

    def name(self) -> str:
        return " ".join(self.edit.text().split())

    def _validate(self) -> None:
        ok = bool(self.name())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.hint.setVisible(not ok)

    def accept(self) -> None:  # noqa: D102
        if self.name():
            super().accept()


def ask_reviewer_name(parent: Optional[QWidget] = None, current: str = "") -> Optional[str]:
    dlg = ReviewerDialog(parent, current)
    if dlg.exec() == QDialog.DialogCode.Accepted and dlg.name():
        return dlg.name()
    return None
