"""Filter and sort bar above the grid; everything it selects is evaluated in SQL.

Emits ``changed(ImageFilter, sort, descending)`` (text typing is debounced).
Status choices: all / unreviewed (new + suggested) / each status / repair outputs (the
images a linked repair wrote, left out of the unreviewed ones); label: any /
unlabeled / one label (with a status choice of suggested images, the images where a
pending card suggests it too: "Suggested" + "dent" listed none, images to review
carrying no label yet); folder: all / one subfolder of the project (its subfolders'
images too; shown only when the project has subfolders); caption: any / has caption /
no caption; a has-repair toggle; a text box
matching caption or path.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Optional

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QStyle, QStyleOptionComboBox,
                               QToolButton, QVBoxLayout, QWidget)

from ..core.store.records import REPAIR_OUTPUTS, UNREVIEWED, ImageFilter
from ..core.wording import plural
from .widgets.elided_label import ElidedLabel

STATUS_CHOICES: list[tuple[str, tuple[str, ...]]] = [
    ("All images", ()),
    ("Unreviewed", ("new", "suggested")),
    ("New", ("new",)),
    ("Suggested", ("suggested",)),
    ("Reviewed", ("reviewed",)),
    ("Rejected", ("rejected",)),
    ("Errors", ("error",)),
    ("Missing", ("missing",)),
    # the images a linked repair wrote (repaired copies), whatever their status: not a
    # status, kept in the same choice (and the saved view's "statuses") as ["repair_output"]
    ("Repair outputs", (REPAIR_OUTPUTS,)),
]
SORT_CHOICES: list[tuple[str, str]] = [
    ("Name", "name"),
    ("Modified", "mtime"),
    ("Uncertainty (review queue)", "uncertainty"),
    ("Score", "score"),
    ("Status", "status"),
]
CAPTION_CHOICES: list[tuple[str, Optional[bool]]] = [
    ("Any caption", None),
    ("Has caption", True),
    ("No caption", False),
]
# the label choice's item roles: the choice's kind, apart from the label's name (a label
# named "__unlabeled__" or "__any__" was taken for the Unlabeled / Any label choice), and
# the label's id (a rename keeps the choice: it was looked up by name and reset)
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
ANY_LABEL, UNLABELED, ONE_LABEL = "any", "unlabeled", "label"
# the search box's length: a pasted 30,000 "é" made SQLite refuse the LIKE pattern
MAX_SEARCH = 1000


class _FitCombo(QComboBox):
    """A combo box that shows its current choice whole: its minimum width and size
    hint are the current text's (up to ``max_chars`` characters; the popup lists the
    choices whole). (Shrunk to a fixed 64 px the filter bar read "All ima", "Any la".)

    Enter or Esc on the closed box emits ``done``: the choice stays and the bar hands the
    keys back to the grid, as its search box does (a reviewer who chose the sort "Uncertainty"
    from the keyboard had to Tab through the rest of the bar to press N again)."""

    done = Signal()

    def __init__(self, max_chars: int = 24, **kwargs) -> None:
        super().__init__(**kwargs)
        self._max_chars = max_chars
        self.currentIndexChanged.connect(lambda _i: self.updateGeometry())

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            event.accept()
            self.done.emit()
            return
        super().keyPressEvent(event)

    def _width_for(self, text: str) -> int:
        fm = self.fontMetrics()
        if len(text) > self._max_chars:
            text = text[: self._max_chars]
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        size = QSize(fm.horizontalAdvance(text) + 12, fm.height())  # + the text field's own margins
        return self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt, size, self).width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._width_for(self.currentText()), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The current choice's width too: at the longest choice's ("Uncertainty (review
        queue)") the sort box took the search box's and the count's room."""
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())


def _min_width(w: QWidget) -> int:
    """What a layout gives ``w`` at least: its minimumWidth() counts too (the search box's
    90 px, whose minimumSizeHint() is 28: the bar asked for 62 px less than its first row
    needs, and the status combo was squeezed to "Unreviewe")."""
    return max(w.minimumWidth(), w.minimumSizeHint().width())


class _CountLabel(ElidedLabel):
    """The count, shortened by dropping its last parts before it is cut: "94 listed · 91
    still match · 144 images", then "94 listed · 91 still match", then "94 listed"; the
    tooltip says it whole whenever less is shown (it read "94 listed · 91 s…")."""

    _texts: tuple[str, ...] = ()

    def set_texts(self, *texts: str, whole: Optional[str] = None) -> None:
        """``texts``: the longest first; ``whole``: a text the minimum width keeps whole
        (the queue's "94 listed · 91 still match"), else the minimum is 40 px."""
        self._texts = texts
        need = 40 if whole is None else min(200, self.fontMetrics().horizontalAdvance(whole) + 2 * self.margin() + 2)
        if need != self._min_width:
            self._min_width = need
            self.updateGeometry()
        self.setText(texts[0] if texts else "")
        self._update_tip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        if not self._texts or text != self._texts[0]:  # a plain text: cut when it must be
            self._texts = (text,)
            if self._min_width != 40:
                self._min_width = 40
                self.updateGeometry()
        super().setText(text)
        self._update_tip()

    def shown_text(self) -> str:
        width = max(0, self._text_rect().width())
        fm = self.fontMetrics()
        for text in self._texts[:-1]:
            if fm.horizontalAdvance(text) <= width:
                return text
        last = self._texts[-1] if self._texts else ""
        return fm.elidedText(last, Qt.TextElideMode.ElideRight, width)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def _update_tip(self) -> None:
        self.setToolTip(self.text() if self.text() and self.is_elided() else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._update_tip()


class FilterBar(QWidget):
    changed = Signal(object, str, bool)  # ImageFilter | None, sort, descending
    finished = Signal()  # Esc or Enter in the search box or a choice: the grid should take the keys back

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.status = _FitCombo(objectName="filterStatus")
        for text, statuses in STATUS_CHOICES:
            self.status.addItem(text, statuses)
        self.label = _FitCombo(objectName="filterLabel")
        self.label.setToolTip("Label filter: the images carrying the label; with the status Suggested or "
                              "Unreviewed, also those where a pending card suggests it")
        self.folder = _FitCombo(objectName="filterFolder")
        self.folder.setToolTip("Folder filter: the images under a folder of the project, its subfolders' "
                               "too (the count: images found there at the last index)")
        self.caption = _FitCombo(objectName="filterCaption")
        self.caption.setToolTip("Caption filter: the images with a caption, or those without one")
        for text, has in CAPTION_CHOICES:
            self.caption.addItem(text, has)
        self.repair = QCheckBox("Has repair", objectName="filterRepair")
        self.text = QLineEdit(objectName="filterText", placeholderText="Search caption or path…")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(90)
        self.text.setMaxLength(MAX_SEARCH)
        self.sort = _FitCombo(objectName="sortCombo")
        self.sort.setToolTip("Sort order")
        for text, key in SORT_CHOICES:
            self.sort.addItem(text, key)
        self.desc = QToolButton(objectName="sortDesc", checkable=True, text="↓")
        self.desc.setToolTip("Descending")
        self.count_label = _CountLabel(objectName="filterCount", min_width=40)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sort_label = QLabel("Sort:")
        # one row when the grid is wide enough for every part at its size hint, else
        # two (the filters; the sort and the count): on one row at 1024 px the combos,
        # the search box and the count were all cut ("All ima", "Any la", "66 i…")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 2, 4, 2)
        outer.setSpacing(2)
        self._row1, self._row2, self._row3 = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        for row in (self._row1, self._row2, self._row3):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            outer.addLayout(row)
        # the folder choice starts the second row (on the first, beside the status, the search
        # box was cut to "Search ca" in a 1280 px window's grid): on one row it follows the status
        self._first = [(self.status, 0), (self.label, 0), (self.repair, 0), (self.text, 1)]
        self._second = [(self.folder, 0), (self.caption, 0), (self.sort_label, 0), (self.sort, 0), (self.desc, 0), (self.count_label, 1)]
        self._rows: Optional[int] = None
        self._arrange(2)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self._emit)
        self.status.currentIndexChanged.connect(self._emit)
        self.label.currentIndexChanged.connect(self._emit)
        self.folder.currentIndexChanged.connect(self._emit)
        self.caption.currentIndexChanged.connect(self._emit)
        self.repair.toggled.connect(self._emit)
        self.sort.currentIndexChanged.connect(self._emit)
        self.desc.toggled.connect(self._emit)
        self.text.textChanged.connect(lambda _t: self._timer.start())
        self.text.returnPressed.connect(self._emit)
        self.text.returnPressed.connect(self.finished.emit)
        for box in (self.status, self.label, self.folder, self.caption, self.sort):
            box.done.connect(self.finished.emit)
        self.text.installEventFilter(self)
        self._quiet = False
        self.set_labels([])
        self.set_folders([])

    # --- one row or two ------------------------------------------------------------
    def _arrange(self, rows: int) -> None:
        """Lay the parts out on ``rows`` rows: 1, all of them; 2, the filters, then the folder,
        caption, sort and count; 3 (a narrow grid: on two rows at 1024 px the count was cut
        to "24 i…" beside the sort "Uncertainty (review queue)"), the folder and caption on
        a row of their own, the sort and count below."""
        if rows == self._rows:
            return
        self._rows = rows
        for row in (self._row1, self._row2, self._row3):  # the parts (and a stretch) taken out
            while row.count():
                row.takeAt(0)
        if rows == 1:  # the search box takes the room
            order = [self._first[0], self._second[0], self._first[1], self._second[1], *self._first[2:],
                     *self._second[2:]]
            for w, stretch in order:
                self._row1.addWidget(w, stretch if w is self.text else 0)
            return
        for w, stretch in self._first:
            self._row1.addWidget(w, stretch)
        split = 2 if rows == 3 else 0  # the folder and the caption: a row of their own
        for w, stretch in self._second[:split]:
            self._row2.addWidget(w, stretch)
        if split:
            self._row2.addStretch(1)
        for w, stretch in self._second[split:]:
            (self._row3 if split else self._row2).addWidget(w, stretch)

    def _rows_for(self, width: int) -> int:
        if width >= self._one_row_width():
            return 1
        parts = [w for w, _ in self._second if not w.isHidden()]
        m = self.layout().contentsMargins()
        second = sum(w.sizeHint().width() for w in parts) + 4 * (len(parts) - 1) + m.left() + m.right()
        return 2 if width >= second else 3

    def _one_row_width(self) -> int:
        parts = [w for w, _ in self._first + self._second if not w.isHidden()]
        m = self.layout().contentsMargins()
        # the combos with their current choice whole, a search box with room to type
        width = sum(w.sizeHint().width() for w in parts if w is not self.text)
        width += 120
        return width + 4 * (len(parts) - 1) + m.left() + m.right()

    def _narrowest_min(self) -> QSize:
        m = self.layout().contentsMargins()
        widths = []
        # (the narrowest: three rows, the folder and caption apart from the sort and count)
        for row in (self._first, self._second[:2], self._second[2:]):
            parts = [w for w, _ in row if not w.isHidden()]
            widths.append(sum(_min_width(w) for w in parts) + 4 * max(0, len(parts) - 1))
        return QSize(max(widths) + m.left() + m.right(), super().minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Three rows' minimum, whichever is shown (fewer rows are only used when they fit)."""
        return self._narrowest_min()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._arrange(self._rows_for(event.size().width()))
        super().resizeEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and self._rows is not None:
            self._arrange(self._rows_for(self.width()))  # a longer choice, a count
        return super().event(event)

    def set_labels(self, defs: list) -> Optional[str]:
        """Fill the label choice from the project's labels (``LabelDef``s). The choice kept
        is keyed by the label's id, so a renamed label stays chosen (under its new name,
        and the grid is filtered by that); a removed one falls back to "Any label". Returns
        the name of the label filtered by when it was removed (the caller says so), else None."""
        keep_kind, keep_id = self.label.currentData(KIND_ROLE), self.label.currentData(ID_ROLE)
        keep_name = self.label.currentData()
        shown = [(self.label.itemData(i, ID_ROLE), self.label.itemData(i)) for i in range(2, self.label.count())]
        if self.label.count() >= 2 and shown == [(d.id, d.name) for d in defs]:
            return None  # the same labels (a project opened again): the box not filled and sized anew
        self._quiet = True
        self.label.clear()
        self.label.addItem("Any label")
        self.label.setItemData(0, ANY_LABEL, KIND_ROLE)
        self.label.addItem("Unlabeled")
        self.label.setItemData(1, UNLABELED, KIND_ROLE)
        index = 1 if keep_kind == UNLABELED else 0
        for d in defs:
            self.label.addItem(d.name, d.name)  # the name in the user role (findData(name))
            i = self.label.count() - 1
            self.label.setItemData(i, ONE_LABEL, KIND_ROLE)
            self.label.setItemData(i, d.id, ID_ROLE)
            if keep_kind == ONE_LABEL and d.id == keep_id:
                index = i
        self.label.setCurrentIndex(index)
        self._quiet = False
        if keep_kind == ONE_LABEL and (index == 0 or self.label.currentData() != keep_name):
            self._emit()  # renamed: filtered by its new name; removed: any label again
            return keep_name if index == 0 else None
        return None

    def set_folders(self, folders: list) -> Optional[str]:
        """Fill the folder choice from the project's subfolders, ``(relative path, images
        under it)`` (:meth:`~llmvis_desktop.core.project.Project.folders`): "All folders"
        first, then each nested folder by its path ("cam2/night/ (300)"). Hidden when the
        project has none. A folder chosen that is gone falls back to All folders; its path
        is returned then (the caller says so), else None."""
        keep = self.folder.currentData() or ""
        shown = [(self.folder.itemData(i), self.folder.itemText(i)) for i in range(1, self.folder.count())]
        wanted = [(rel, f"{rel}/ ({n:,})") for rel, n in folders]
        if self.folder.count() >= 1 and shown == wanted:
            return None
        self._quiet = True
        self.folder.clear()
        self.folder.addItem("All folders", "")
        for rel, text in wanted:
            self.folder.addItem(text, rel)
        index = self.folder.findData(keep) if keep else 0
        self.folder.setCurrentIndex(max(0, index))
        self.folder.setVisible(bool(folders))
        self._quiet = False
        if keep and index < 0:
            self._emit()  # the folder is gone: all folders again
            return keep
        return None

    def set_count(self, shown: int, total: int, matching: Optional[int] = None) -> None:
        """``shown`` rows listed of ``total`` images; ``matching``: how many match the filter
        now. A filtered queue keeps an image reviewed meanwhile listed (the reviewer's place,
        until the filter is applied again): the count then says both, "6 listed · 3 still
        match · 8 images", not "6 of 8" for a "Suggested" view with 3 suggested left."""
        if matching is not None and matching != shown:
            listed = f"{shown:,} listed · {matching:,} still match"
            self.count_label.set_texts(f"{listed} · {total:,} images", listed, f"{shown:,} listed", whole=listed)
        elif shown != total:
            self.count_label.set_texts(f"{shown:,} of {total:,}", f"{shown:,}")
        else:
            self.count_label.set_texts(f"{total:,} {plural(total, 'image')}")

    def current(self) -> tuple[Optional[ImageFilter], str, bool]:
        kind = self.label.currentData(KIND_ROLE)
        text = self.text.text().strip() or None
        statuses = tuple(self.status.currentData() or ())
        outputs = statuses == (REPAIR_OUTPUTS,)  # the Repair outputs choice: no status asked
        statuses = () if outputs else statuses
        flt = ImageFilter(
            statuses=statuses,
            label=self.label.currentData() if kind == ONE_LABEL else None,
            label_suggested=kind == ONE_LABEL and "suggested" in statuses,
            unlabeled=kind == UNLABELED,
            text=text,
            has_repair=True if self.repair.isChecked() else None,
            path_prefix=self.folder.currentData() or None,
            has_caption=self.caption.currentData(),
            # a review queue (Unreviewed, New, Suggested) leaves out the linked repairs'
            # outputs: a repaired copy is reviewed at its source, as N skips it
            repair_output=True if outputs else False if statuses and set(statuses) <= set(UNREVIEWED) else None,
        )
        if flt == ImageFilter():
            flt = None
        return flt, self.sort.currentData() or "name", self.desc.isChecked()

    def reset(self) -> None:
        self._quiet = True
        self.status.setCurrentIndex(0)
        self.label.setCurrentIndex(0)
        self.folder.setCurrentIndex(0)
        self.caption.setCurrentIndex(0)
        self.repair.setChecked(False)
        self.text.clear()
        self._timer.stop()
        self.sort.setCurrentIndex(0)
        self.desc.setChecked(False)
        self._quiet = False

    @contextmanager
    def held(self):
        """Choices set inside emit no ``changed`` (a reopen's saved sort and filter)."""
        self._quiet = True
        try:
            yield self
        finally:
            self._timer.stop()
            self._quiet = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        """Esc in the search box clears it and hands the keys back to the grid."""
        if obj is self.text and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                and event.key() == Qt.Key.Key_Escape and not event.modifiers():
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # the key press comes here, not to a window shortcut
                return False
            self.text.clear()
            self._emit()
            self.finished.emit()
            return True
        return super().eventFilter(obj, event)

    def is_filtering(self) -> bool:
        return self.current()[0] is not None

    def clear_filters(self) -> None:
        """All images again (the sort is kept)."""
        self._quiet = True
        self.status.setCurrentIndex(0)
        self.label.setCurrentIndex(0)
        self.folder.setCurrentIndex(0)
        self.caption.setCurrentIndex(0)
        self.repair.setChecked(False)
        self.text.clear()
        self._quiet = False
        self._emit()

    def _emit(self, *_args) -> None:
        if self._quiet:
            return
        self._timer.stop()
        self.changed.emit(*self.current())
