"""ShortcutsDialog: every keyboard shortcut of the review flow, in one table.

Public API
----------
``SHORTCUTS: list[tuple[str, str]]``  (key, action), the single list the main window
    should bind from and this dialog shows. Keys use ``QKeySequence`` portable text
    where one exists ("Ctrl+Shift+Z"); "1-9" means each digit key.
``ShortcutsDialog(parent: QWidget | None = None)``  a non-modal-friendly QDialog
    (``show()`` or ``exec()``) with a filter field; ``table`` is its QTableWidget.

Key choices: the review flow owns Left/Right/J/K/N/Enter/Delete/digits; the viewer
uses F (fit), 0 (1:1, not a label key), +/- (zoom) and Shift+arrows (pan).
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS: list[tuple[str, str]] = [
    ("Right / J", "Next image"),
    ("Left / K", "Previous image"),
    ("N", "Next unreviewed image"),
    ("Enter", "Accept the suggestions shown (labels; the caption unless the image has one) and go on"),
    ("Delete", "Reject the suggestions"),
    ("F2 / E", "Edit the caption"),
    ("Ctrl+Enter", "Commit the caption edit"),
    ("Esc", "Cancel the caption edit"),
    ("1-9", "Toggle label 1 to 9"),
    ("R", "Mark reviewed"),
    ("S", "Skip (next image, leave unreviewed)"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z", "Redo"),
    ("Ctrl+Z / Ctrl+Shift+Z in the repair dialog", "Undo / redo on the mask (stroke, rectangle, clear, invert, import)"),
    ("F", "Fit the image in the viewer"),
    ("0", "Actual pixels (1:1)"),
    ("+ / -", "Zoom in / out"),
    ("Wheel", "Zoom about the cursor"),
    ("Shift+Arrows", "Pan the image"),
    ("Left / middle drag", "Pan the image"),
    ("Right drag", "Window / level (16-bit, DICOM)"),
    ("[ / ]", "Previous / next frame (multi-frame DICOM, multi-page TIFF)"),
    ("Ctrl+F", "Filter images by text"),
    ("Ctrl+O", "Open a folder"),
    ("?", "This help"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter\u2026")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)

        self.table = QTableWidget(len(SHORTCUTS), 2)
        self.table.setHorizontalHeaderLabels(["Key", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableWidget::item { padding: 2px 10px 2px 6px; }")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setBold(True)
        for r, (key, action) in enumerate(SHORTCUTS):
            k = QTableWidgetItem(key)
            k.setFont(mono)
            self.table.setItem(r, 0, k)
            self.table.setItem(r, 1, QTableWidgetItem(action))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(480, 640)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for r, (key, action) in enumerate(SHORTCUTS):
            hit = not needle or needle in key.lower() or needle in action.lower()
            self.table.setRowHidden(r, not hit)
