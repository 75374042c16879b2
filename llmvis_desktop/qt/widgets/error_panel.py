"""ErrorPanel: what the ImageViewer shows in place of an image it cannot read.

``ErrorPanel()``; ``set_error(path, reason)`` fills it in. Its ``reason`` and ``path``
labels are selectable (the viewer's ``error_text()`` reads them back).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from .. import style


class ErrorPanel(QFrame):
    """A panel in the error colours: "Cannot show this image", the reason, the path, a hint."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("errorPanel")
        self.setStyleSheet(
            f"#errorPanel {{ background: {style.ERROR_BG}; border: 1px solid {style.ERROR_FG};"
            f" border-left: 6px solid {style.ERROR_FG}; border-radius: 4px; }}"
            f" QLabel {{ background: transparent; border: none; color: {style.TEXT}; }}"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(8)
        self.title = QLabel("Cannot show this image")
        self.title.setStyleSheet(f"color: {style.ERROR_FG}; font-size: 15pt; font-weight: bold;")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(f"color: {style.ERROR_FG}; font-size: 12pt; font-weight: bold;")
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = QLabel()
        self.path.setWordWrap(True)
        self.path.setStyleSheet(f"color: {style.TEXT_MUTED}; font-family: monospace;")
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel("The file is left untouched. Its annotations can still be edited; "
                      "press Right / J to go on with the next image.")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {style.TEXT_MUTED};")
        for w in (self.title, self.reason, self.path, hint):
            lay.addWidget(w)

    def set_error(self, path: str, reason: str) -> None:
        self.reason.setText(reason)
        self.path.setText(str(path))

