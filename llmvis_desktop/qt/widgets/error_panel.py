"""ErrorPanel: what the ImageViewer shows in place of an image it cannot read.

``ErrorPanel()``; ``set_error(path, reason)`` fills it in. Its ``reason`` and ``path``
labels are selectable (the viewer's ``error_text()`` reads them back).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QVBoxLayout

from ...core.wording import visible_name
from .. import style


class ErrorPanel(QFrame):
    """A panel in the error colours: "Cannot show this image", the reason, the path, a hint."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("errorPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(8)
        self.title = QLabel("Cannot show this image")
        self.title.setWordWrap(True)  # a narrow viewer wraps it (it set the window's minimum width)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = QLabel()
        self.path.setWordWrap(True)
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = hint = QLabel("The file is left untouched. Its annotations can still be edited; "
                      "press Right / J to go on with the next image.")
        hint.setWordWrap(True)
        for w in (self.title, self.reason, self.path, hint):
            lay.addWidget(w)
        self.follow_palette()

    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark): the light
        theme's pink panel, or a dark red one with light text (the pink panel, its dark
        text, stood as a light island in a dark window). From the application's palette:
        its own is tinted by its style sheet (the pink ground read as a light theme)."""
        c = style.NoticeColors(QApplication.palette())
        self.setStyleSheet(
            f"#errorPanel {{ background: {c.error_bg}; border: 1px solid {c.error_fg};"
            f" border-left: 6px solid {c.error_fg}; border-radius: 4px; }}"
            f" QLabel {{ background: transparent; border: none; color: {c.text}; }}"
        )
        self.title.setStyleSheet(f"color: {c.error_fg}; font-size: 15pt; font-weight: bold;")
        self.reason.setStyleSheet(f"color: {c.error_fg}; font-size: 12pt; font-weight: bold;")
        self.path.setStyleSheet(f"color: {c.muted}; font-family: monospace;")
        self.hint.setStyleSheet(f"color: {c.muted};")

    def set_error(self, path: str, reason: str) -> None:
        self._reason, self._path = str(reason), str(path)
        self.reason.setText(breakable(self._reason))
        self.path.setText(breakable(visible_name(self._path)))  # a newline, a tab in the name: escaped

    def reason_text(self) -> str:
        return getattr(self, "_reason", "")

    def path_text(self) -> str:
        return getattr(self, "_path", "")


#: a word-wrapped label cannot break inside a word: a 200-character file name made the
#: panel, hence the window, at least that wide. Zero-width spaces let it break after
#: these characters and every RUN characters of a longer run.
_BREAK_AFTER = "/\\_-."
_RUN = 24


def breakable(text: str) -> str:
    out, run = [], 0
    for ch in text:
        out.append(ch)
        run = 0 if ch.isspace() else run + 1
        if ch in _BREAK_AFTER or run >= _RUN:
            out.append("\u200b")
            run = 0
    return "".join(out)

