"""ErrorBox: the window's non-modal warning box (``MainWindow.show_error``).

It was a QMessageBox: its label wraps only between words, and a long file name is one
word (``a_very_long_file_name_..._lot_2026-11-29T19-13-04_part_000123456789.png``), so
the box, at most 800 px wide, cut the message in the middle of the path and hid the rest
(the reason after it), with no way to read or copy it. The text is now in a read-only
text view that wraps between words where it can and inside a word where it must, sized
to the text and to the screen (a scroll bar past 60% of the screen's height); the text
can be selected and copied (Ctrl+A, Ctrl+C) as it is, with no break characters added.

Public API: ``ErrorBox(parent)``; ``setText(text)`` / ``text()``; ``body`` (the text view).
It is shown without taking the keyboard (the review keys stay with the window).
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

#: the text's width: at most this (device-independent px), less on a narrow screen ...
TEXT_MAX_WIDTH = 560
#: ... and at least this, so a short message does not make a sliver of a box
TEXT_MIN_WIDTH = 280


class ErrorBox(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("llmvis")
        self.setWindowModality(Qt.WindowModality.NonModal)
        # shown without taking the keyboard: the next review key went to its OK button
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._text = ""
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning, None, self)
                       .pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.body = QTextEdit()
        self.body.setReadOnly(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        pal = self.body.palette()  # the box's own colour, as a message box's text has
        pal.setColor(QPalette.ColorRole.Base, pal.color(QPalette.ColorRole.Window))
        self.body.setPalette(pal)
        self.body.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.body.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # no caret
        self.body.document().setDocumentMargin(2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.body, 0, Qt.AlignmentFlag.AlignTop)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(row, 1)
        lay.addWidget(buttons)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QMessageBox's name
        self._text = str(text)
        self.body.setPlainText(self._text)
        self._fit()

    def _fit(self) -> None:
        """The text view as wide as the text's longest line (within the limits and the
        screen) and as tall as the wrapped text (within 60% of the screen)."""
        screen = (self.parentWidget() or self).screen().availableGeometry()
        max_w = max(TEXT_MIN_WIDTH, min(TEXT_MAX_WIDTH, screen.width() - 160))
        doc = self.body.document().clone(self)
        doc.setDefaultFont(self.body.font())
        doc.setTextWidth(-1)
        width = min(max_w, max(TEXT_MIN_WIDTH, math.ceil(doc.idealWidth())))
        doc.setTextWidth(width)
        height = math.ceil(doc.size().height())
        doc.deleteLater()
        max_h = max(80, int(screen.height() * 0.6))
        scroll = self.body.verticalScrollBar().sizeHint().width() if height > max_h else 0
        self.body.setFixedSize(width + scroll, min(height, max_h))
        self.adjustSize()
