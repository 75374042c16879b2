"""Filter and sort bar above the grid; everything it selects is evaluated in SQL.

Emits ``changed(ImageFilter, sort, descending)`` (text typing is debounced).
Status choices: all / unreviewed (new + suggested) / each status; label: any /
unlabeled / one label; a has-repair toggle; a text box matching caption or path.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from ..core.store.records import ImageFilter
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
]
SORT_CHOICES: list[tuple[str, str]] = [
    ("Name", "name"),
    ("Modified", "mtime"),
    ("Uncertainty (review queue)", "uncertainty"),
    ("Score", "score"),
    ("Status", "status"),
]
ANY_LABEL = "__any__"
UNLABELED = "__unlabeled__"


class _ShrinkCombo(QComboBox):
    """A combo box as wide as its longest choice when there is room, down to
    ``min_width`` when not (its text is cut then): the bar's combos at their full width
    made the main window at least ~800 px wider than the viewer and the docks."""

    def __init__(self, min_width: int = 64, **kwargs) -> None:
        super().__init__(**kwargs)
        self._min_width = min_width

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        base = super().minimumSizeHint()
        return QSize(min(base.width(), self._min_width), base.height())


class FilterBar(QWidget):
    changed = Signal(object, str, bool)  # ImageFilter | None, sort, descending
    finished = Signal()  # Esc or Enter in the search box: the grid should take the keys back

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(4)
        self.status = _ShrinkCombo(objectName="filterStatus")
        for text, statuses in STATUS_CHOICES:
            self.status.addItem(text, statuses)
        self.label = _ShrinkCombo(objectName="filterLabel")
        self.label.setMinimumContentsLength(10)
        self.repair = QCheckBox("Has repair", objectName="filterRepair")
        self.text = QLineEdit(objectName="filterText", placeholderText="Search caption or path…")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(70)
        self.sort = _ShrinkCombo(objectName="sortCombo")
        self.sort.setToolTip("Sort order")
        # as wide as "Uncertainty" (the popup lists the whole names): the search box
        # gets the room first
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sort.setMinimumContentsLength(11)
        for text, key in SORT_CHOICES:
            self.sort.addItem(text, key)
        self.desc = QToolButton(objectName="sortDesc", checkable=True, text="↓")
        self.desc.setToolTip("Descending")
        self.count_label = ElidedLabel(objectName="filterCount", min_width=40)
        lay.addWidget(self.status)
        lay.addWidget(self.label)
        lay.addWidget(self.repair)
        lay.addWidget(self.text, 1)
        lay.addWidget(QLabel("Sort:"))
        lay.addWidget(self.sort, 0)
        lay.addWidget(self.desc)
        lay.addWidget(self.count_label)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self._emit)
        self.status.currentIndexChanged.connect(self._emit)
        self.label.currentIndexChanged.connect(self._emit)
        self.repair.toggled.connect(self._emit)
        self.sort.currentIndexChanged.connect(self._emit)
        self.desc.toggled.connect(self._emit)
        self.text.textChanged.connect(lambda _t: self._timer.start())
        self.text.returnPressed.connect(self._emit)
        self.text.returnPressed.connect(self.finished.emit)
        self.text.installEventFilter(self)
        self._quiet = False
        self.set_labels([])

    def set_labels(self, names: list[str]) -> None:
        """Fill the label choice (keeps the current one when it still exists)."""
        keep = self.label.currentData()
        self._quiet = True
        self.label.clear()
        self.label.addItem("Any label", ANY_LABEL)
        self.label.addItem("Unlabeled", UNLABELED)
        for n in names:
            self.label.addItem(n, n)
        i = self.label.findData(keep)
        self.label.setCurrentIndex(i if i >= 0 else 0)
        self._quiet = False
        if i < 0 and keep not in (None, ANY_LABEL):
            self._emit()  # the label filtered by was renamed or removed: the grid shows any label again

    def set_count(self, shown: int, total: int) -> None:
        self.count_label.setText(f"{shown:,} of {total:,}" if shown != total else f"{total:,} images")

    def current(self) -> tuple[Optional[ImageFilter], str, bool]:
        label = self.label.currentData()
        text = self.text.text().strip() or None
        flt = ImageFilter(
            statuses=tuple(self.status.currentData() or ()),
            label=label if label not in (ANY_LABEL, UNLABELED, None) else None,
            unlabeled=label == UNLABELED,
            text=text,
            has_repair=True if self.repair.isChecked() else None,
        )
        if flt == ImageFilter():
            flt = None
        return flt, self.sort.currentData() or "name", self.desc.isChecked()

    def reset(self) -> None:
        self._quiet = True
        self.status.setCurrentIndex(0)
        self.label.setCurrentIndex(0)
        self.repair.setChecked(False)
        self.text.clear()
        self._timer.stop()
        self.sort.setCurrentIndex(0)
        self.desc.setChecked(False)
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
        self.repair.setChecked(False)
        self.text.clear()
        self._quiet = False
        self._emit()

    def _emit(self, *_args) -> None:
        if self._quiet:
            return
        self._timer.stop()
        self.changed.emit(*self.current())
