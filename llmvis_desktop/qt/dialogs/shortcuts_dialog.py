"""ShortcutsDialog: every keyboard shortcut, in one table, grouped by where it acts.

Public API
----------
``shortcut_rows(window=None) -> list[tuple[str, str, str]]``  (section, key, action).
    With the main window, the keys are read from its real actions (its menus, and the
    actions it holds outside them), so the list cannot drift from the bindings; the
    keys that are no action (the mouse, the caption editor, Esc in the grid...) come
    from ``OTHER_KEYS``. Without a window: ``DEFAULT_ROWS``, the same list written out.
``SHORTCUTS: list[tuple[str, str]]``  (key, action) of ``DEFAULT_ROWS``, for callers that
    want the keys without a window. Keys use ``QKeySequence`` portable text where one
    exists ("Ctrl+Shift+Z"); "1-9" means each digit key.
``ShortcutsDialog(parent: QWidget | None = None)``  a non-modal-friendly QDialog
    (``show()`` or ``exec()``) with a filter field; ``table`` is its QTableWidget
    (focusable: arrows, Page Up/Down scroll it; Tab leaves it). When ``parent`` is the
    main window its rows are ``shortcut_rows(parent)``; ``rows`` holds them.

Key choices: the review flow owns Left/Right/J/K/N/Enter/Delete/digits; the viewer
uses F (fit; on a strip, F again fits its short side), 0 (1:1, not a label key), +/- (zoom) and Shift+arrows (pan).
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..screen import fit_to_screen

#: what the review actions do, in more words than their menu text (by their key in
#: ``ReviewController.actions()``)
REVIEW_WORDS = {
    "accept": "Accept the suggestions shown (labels; the caption unless the image has one), "
              "mark the image reviewed, next image; once you set its labels by hand (1-9, a chip), "
              "it keeps yours (the other label cards rejected)",
    "reject": "Reject the suggestions shown, mark the image rejected, next image",
    "mark_reviewed": "Mark the image reviewed (stay on it)",
    "skip": "Skip: next image, left as it is",
    "next": "Next image",
    "prev": "Previous image",
    "next_unreviewed": "Next unreviewed image",
    "edit_caption": "Edit the caption",
    "undo": "Undo the last review action",
    "redo": "Redo",
}
#: menu actions whose text says too little (by their menu text, without & and the dots)
MENU_WORDS = {
    "Find": "Search captions and paths (the filter bar)",
    "Keyboard shortcuts": "This help",
    "Re-index folder": "Re-index the folder (new, changed and missing files)",
    "Suggest labels from reviewed images (learned)": "Learned label suggestions from the reviewed images",
    "Export": "Export annotations",
    "Fit image": "Fit the image in the viewer; on a line-scan strip, again: fit its short side "
                 "(scroll along its length), and again: the whole strip",
    "Import": "Import annotations",
    "Repair defect": "Repair defect (the repair dialog, for the image shown)",
    "Go to the first suggestion card": "Go to the first pending suggestion card: its Accept focused "
                                       "(Space accepts; Tab / Shift+Tab: the cards' buttons; Esc: the grid)",
    "Go to the question box (Ask the image)": "Go to the \u201cAsk the image\u201d box under the suggestion "
                                               "cards (type a question, Enter asks it; Esc: the grid)",
    "Go to \u201c+ Add label\u201d": "Go to \u201c+ Add label\u201d in the Labels panel (type a name, Enter adds "
                                       "it; Enter or Esc: the keys back to the review)",
}

#: keys that are no action of the window: where they act, the key, what it does
OTHER_KEYS: list[tuple[str, str, str]] = [
    ("Grid and filter", "Esc", "Show all images again (clears the filter), in the grid"),
    ("Grid and filter", "Enter / Esc", "In the search box: back to the grid"),
    ("Grid and filter", "Ctrl+Wheel", "Thumbnail size, in the grid"),
    ("Focus", "Tab / Shift+Tab", "Move between the filter bar, grid, viewer and panels"),
    ("Focus", "Single keys", "The single keys above act when the grid or the viewer has the focus; "
                               "a focused text box, combo box, list, button or chip keeps its own keys"),
    ("Caption editor", "Ctrl+Enter", "Commit the caption edit"),
    ("Caption editor", "Esc", "Cancel the caption edit"),
    ("Labels panel", "Space / Enter", "Toggle the focused label chip"),
    ("Labels panel", "Right-click", "On a chip: rename, colour, number key, remove"),
    ("Labels panel", "Enter", "In \u201c+ Add label\u201d: add the label typed"),
    ("Viewer (mouse)", "Wheel", "Zoom about the cursor"),
    ("Viewer (mouse)", "Shift+Arrows", "Pan the image"),
    ("Viewer (mouse)", "Left / middle drag", "Pan the image"),
    ("Viewer (mouse)", "Right drag", "Window / level (16-bit, DICOM)"),
    ("Repair dialog", "B / E / R", "Brush / eraser / rectangle (a click of the brush or eraser: one dot)"),
    ("Repair dialog", "X", "Swap brush and eraser"),
    ("Repair dialog", "[ / ]", "Smaller / larger brush"),
    ("Repair dialog", "Delete / Backspace", "Clear the mask (undoable)"),
    ("Repair dialog", "Ctrl+I", "Invert the mask (undoable)"),
    ("Repair dialog", "Enter", "Repair the painted region; once a repair is shown: accept and save it"),
    ("Repair dialog", "Ctrl+Z / Ctrl+Shift+Z", "Undo / redo on the mask (stroke, rectangle, clear, invert, import)"),
    ("Repair dialog", "Wheel / Ctrl+= / Ctrl+-", "Zoom the mask and the before / after (the wheel: about the cursor)"),
    ("Repair dialog", "Ctrl+0 / Ctrl+1", "Fit the image / actual pixels (1:1)"),
    ("Repair dialog", "Middle drag / Space+drag", "Pan the image"),
]

#: the window's action keys written out, for the dialog without a window: row for row
#: what ``shortcut_rows(window)`` reads from the real bindings (sections, keys, words,
#: order; checked by tests/qt/test_shortcuts_fallback_window.py)
DEFAULT_ACTION_ROWS: list[tuple[str, str, str]] = [
    ("File", "Ctrl+O", "Open folder"),
    ("File", "F5", MENU_WORDS["Re-index folder"]),
    ("File", "Ctrl+Shift+E", MENU_WORDS["Export"]),
    ("File", "Ctrl+Shift+I", MENU_WORDS["Import"]),
    ("Edit", "Ctrl+Z", REVIEW_WORDS["undo"]),
    ("Edit", "Ctrl+Shift+Z / Ctrl+Y", REVIEW_WORDS["redo"]),
    ("Edit", "F2 / E", REVIEW_WORDS["edit_caption"]),
    ("Edit", "Ctrl+F", MENU_WORDS["Find"]),
    ("Edit", "Ctrl+,", "Settings"),
    ("Review", "Enter", REVIEW_WORDS["accept"]),
    ("Review", "Delete", REVIEW_WORDS["reject"]),
    ("Review", "R", REVIEW_WORDS["mark_reviewed"]),
    ("Review", "S", REVIEW_WORDS["skip"]),
    ("Review", "Right / J", REVIEW_WORDS["next"]),
    ("Review", "Left / K", REVIEW_WORDS["prev"]),
    ("Review", "N", REVIEW_WORDS["next_unreviewed"]),
    ("Review", "1-9", "Toggle the label with that number key (shown on its chip)"),
    ("Review", "Ctrl+Shift+L", MENU_WORDS["Go to \u201c+ Add label\u201d"]),
    ("Suggestions", "Ctrl+L", MENU_WORDS["Suggest labels from reviewed images (learned)"]),
    ("Suggestions", "Ctrl+Shift+A", "Go to the answer box (Ask the image)"),
    ("Suggestions", "Ctrl+Shift+Q", MENU_WORDS["Go to the question box (Ask the image)"]),
    ("Suggestions", "Ctrl+Shift+S", MENU_WORDS["Go to the first suggestion card"]),
    ("Image", "[ / ]", "Previous / next frame (multi-frame DICOM, multi-page TIFF)"),
    ("Image", "Ctrl+R", "Repair defect (the repair dialog, for the image shown)"),
    ("View", "Ctrl+= / Ctrl+-", "Larger / smaller thumbnails"),
    ("View", "F", MENU_WORDS["Fit image"]),
    ("View", "0", "Actual pixels (1:1)"),
    ("View", "+ / =", "Zoom in"),
    ("View", "-", "Zoom out"),
    ("View", "W", "Next window/level preset"),
    ("View", "Shift+W", "Previous window/level preset"),
    ("Help", "F1 / ?", MENU_WORDS["Keyboard shortcuts"]),
]
DEFAULT_ROWS = DEFAULT_ACTION_ROWS + OTHER_KEYS
SHORTCUTS: list[tuple[str, str]] = [(k, a) for _s, k, a in DEFAULT_ROWS]

_KEY_NAMES = {"Del": "Delete", "Return": "Enter"}


def key_text(action) -> str:
    """The action's keys as the table shows them ("Right / J"; Return and Enter: one)."""
    names = []
    for seq in action.shortcuts():
        text = seq.toString(QKeySequence.SequenceFormat.NativeText)
        text = _KEY_NAMES.get(text, text)
        if text and text not in names:
            names.append(text)
    return " / ".join(names)


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("\u2026.").strip()


def _merge(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Pairs written as one row: the digit keys, [ and ], the thumbnail size, zoom."""
    out, seen = [], set()
    pairs = {("Previous frame", "Next frame"): ("[ / ]", "Previous / next frame (multi-frame DICOM, multi-page TIFF)"),
             ("Larger thumbnails", "Smaller thumbnails"): (None, "Larger / smaller thumbnails")}
    by_text = {a: (s, k) for s, k, a in rows}
    for section, key, action in rows:
        if action in seen:
            continue
        for (one, two), (pair_key, words) in pairs.items():
            if action == one and two in by_text:
                key = pair_key or f"{key} / {by_text[two][1]}"
                seen.add(two)
                action = words
        out.append((section, key, action))
    return out


def shortcut_rows(window=None) -> list[tuple[str, str, str]]:
    """(section, key, action) of every key: read from ``window``'s actions when given."""
    if window is None or not hasattr(window, "menuBar") or not hasattr(window, "review"):
        return list(DEFAULT_ROWS)
    review = window.review.actions()
    words = {id(a): REVIEW_WORDS[k] for k, a in review.items() if k in REVIEW_WORDS}
    labels = {id(a) for k, a in review.items() if k.startswith("label_")}
    rows: list[tuple[str, str, str]] = []
    listed: set[int] = set()

    def add(section: str, act) -> None:
        if id(act) in listed or act.isSeparator():
            return
        listed.add(id(act))
        if id(act) in labels:
            if not any(k == "1-9" for _s, k, _a in rows):
                rows.append((section, "1-9", "Toggle the label with that number key (shown on its chip)"))
            return
        keys = key_text(act)
        if keys:
            text = _clean(act.text())
            rows.append((section, keys, words.get(id(act)) or MENU_WORDS.get(text, text)))

    def walk(section: str, menu: QMenu) -> None:
        for act in menu.actions():
            if act.menu() is not None:
                walk(section, act.menu())
            else:
                add(section, act)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(_clean(top.text()), top.menu())
    for act in window.actions():  # window-wide keys outside the menus
        add("Other", act)
    return _merge(rows) + OTHER_KEYS


class ShortcutsDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter\u2026")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Key", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # focusable and scrollable from the keyboard (arrows, Page Up/Down); Tab leaves it
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableWidget::item { padding: 2px 10px 2px 6px; }")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setBold(True)
        bold = QFont(self.font())
        bold.setBold(True)
        self._row_section: list[Optional[str]] = []  # per table row: None for a section's title row
        section = None
        for sec, key, action in self.rows:
            if sec != section:
                section = sec
                r = self.table.rowCount()
                self.table.insertRow(r)
                title = QTableWidgetItem(sec)
                title.setFont(bold)
                title.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(r, 0, title)
                self.table.setSpan(r, 0, 1, 2)
                self._row_section.append(None)
            r = self.table.rowCount()
            self.table.insertRow(r)
            k = QTableWidgetItem(key)
            k.setFont(mono)
            self.table.setItem(r, 0, k)
            a = QTableWidgetItem(action)
            a.setToolTip(action)
            self.table.setItem(r, 1, a)
            self._row_section.append(sec)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())  # wrapped actions

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        fit_to_screen(self, 720, 760)
        self.table.resizeRowsToContents()

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        shown_sections = set()
        for r, sec in enumerate(self._row_section):
            if sec is None:
                continue
            key, action = self.table.item(r, 0).text(), self.table.item(r, 1).text()
            hit = not needle or needle in key.lower() or needle in action.lower() or needle in sec.lower()
            self.table.setRowHidden(r, not hit)
            if hit:
                shown_sections.add(sec)
        for r, sec in enumerate(self._row_section):
            if sec is None:
                self.table.setRowHidden(r, self.table.item(r, 0).text() not in shown_sections)
