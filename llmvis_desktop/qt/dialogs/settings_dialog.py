"""SettingsDialog: edit the user preferences (``core.config.Config``).

Public API
----------
``SettingsDialog(cfg: Config, parent: QWidget | None = None)``
    the dialog never writes the file; after ``exec() == Accepted`` call
    ``result_config()`` and save it with ``core.config.save_config``.

Methods
    ``result_config() -> Config``  a new Config: the edited fields plus everything the
        dialog does not show (recent projects...) copied from ``cfg``. The pixel limit
        keeps its exact value when its spin box was not changed.
    ``errors() -> list[str]``      current validation problems (OK is disabled while any).
    ``warnings() -> list[str]``    non-blocking notes (a model folder that does not exist).

Fields: reviewer name (required), model folders (list; Add… via QFileDialog, Remove),
device (auto / cpu / cuda / mps), thumbnail size (px), thumbnail cache folder (empty =
platform default), decompression-bomb limit in megapixels (min 1).
"""
from __future__ import annotations

import dataclasses
import os
from typing import Optional

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.config import THUMBNAIL_SIZE_MAX, THUMBNAIL_SIZE_MIN, Config, cache_dir

from .. import style

DEVICES = ("auto", "cpu", "cuda", "mps")
DEVICE_LABELS = {
    "auto": "auto (GPU when present, else CPU)",
    "cpu": "cpu",
    "cuda": "cuda (NVIDIA GPU)",
    "mps": "mps (Apple GPU)",
}
THUMB_MIN, THUMB_MAX = THUMBNAIL_SIZE_MIN, THUMBNAIL_SIZE_MAX  # the sizes the grid shows
MP = 1_000_000


#: what the model folders' list says while it is empty: a blank box read as a list that
#: failed to load, and did not say where models are found meanwhile
NO_MODEL_DIRS = ("None added: the Models dialog lists the models in the Hugging Face cache. "
                 "Add\u2026 a folder of downloaded models to list them too.")


class _FolderList(QListWidget):
    """The model folders; while empty, it says so (``empty_text``) in its muted colour."""

    empty_text = NO_MODEL_DIRS

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if self.count():
            return
        with QPainter(self.viewport()) as p:
            p.setPen(QColor(style.muted_color(self.palette())))
            p.drawText(self.empty_rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                                              | Qt.TextFlag.TextWordWrap), self.empty_text)

    def empty_rect(self) -> QRect:
        return self.viewport().rect().adjusted(6, 4, -6, -4)

    def empty_text_fits(self) -> bool:
        """Whether the empty text, wrapped, fits the list's box (tests)."""
        r = self.empty_rect()
        need = self.fontMetrics().boundingRect(r, int(Qt.TextFlag.TextWordWrap), self.empty_text)
        return need.height() <= r.height() and need.width() <= r.width()


class _DefaultPathEdit(QLineEdit):
    """A folder field whose placeholder names the default folder: elided in its middle to
    the field's width, its end kept (cut at the right by Qt, a long default read
    "default: C:\\Users\\…" with the folder's own name gone); the whole in the tooltip."""

    def __init__(self, text: str, default: str) -> None:
        super().__init__(text)
        self.default_text = default
        self.setToolTip(default)
        self._elide()

    def _elide(self) -> None:
        m = self.textMargins()
        room = self.contentsRect().width() - m.left() - m.right() - 8  # (the frame's and Qt's own margins)
        self.setPlaceholderText(self.fontMetrics().elidedText(self.default_text, Qt.TextElideMode.ElideMiddle,
                                                               max(40, room)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._elide()


class SettingsDialog(QDialog):
    def __init__(self, cfg: Config, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._cfg = cfg
        self.setMinimumWidth(560)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)

        self.reviewer_edit = QLineEdit(cfg.reviewer)
        self.reviewer_edit.setPlaceholderText("your name or initials (recorded with every review)")
        form.addRow("Reviewer:", self.reviewer_edit)

        self.model_list = _FolderList()
        self.model_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.model_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.model_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for d in cfg.model_dirs:
            self._append_dir(d)
        self.model_list.setMinimumHeight(84)
        self.model_list.setMaximumHeight(120)
        self.add_model_button = QPushButton("Add\u2026")
        self.add_model_button.clicked.connect(self._add_model_dir)
        self.remove_model_button = QPushButton("Remove")
        self.remove_model_button.clicked.connect(self._remove_model_dirs)
        self.model_list.itemSelectionChanged.connect(self._validate)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_model_button)
        buttons.addWidget(self.remove_model_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.model_list, 1)
        row.addLayout(buttons)
        form.addRow("Model folders:", row)

        self.device_combo = QComboBox()
        for d in DEVICES:
            self.device_combo.addItem(DEVICE_LABELS[d], d)
        i = self.device_combo.findData(cfg.device)
        self.device_combo.setCurrentIndex(i if i >= 0 else 0)
        form.addRow("Device:", self.device_combo)

        self.thumb_spin = QSpinBox()
        self.thumb_spin.setRange(THUMB_MIN, THUMB_MAX)
        self.thumb_spin.setSingleStep(16)
        self.thumb_spin.setSuffix(" px")
        self.thumb_spin.setValue(min(THUMB_MAX, max(THUMB_MIN, cfg.thumbnail_size)))
        form.addRow("Thumbnail size:", self.thumb_spin)

        self.cache_edit = _DefaultPathEdit(cfg.cache_location, f"default: {cache_dir() / 'thumbnails'}")
        self.cache_button = QPushButton("Browse\u2026")
        self.cache_button.clicked.connect(self._browse_cache)
        crow = QHBoxLayout()
        crow.addWidget(self.cache_edit, 1)
        crow.addWidget(self.cache_button)
        form.addRow("Thumbnail cache:", crow)

        self.pixels_spin = QDoubleSpinBox()
        self.pixels_spin.setDecimals(1)
        self.pixels_spin.setRange(1.0, 100_000.0)
        self.pixels_spin.setSingleStep(10.0)
        self.pixels_spin.setSuffix(" MP")
        self.pixels_spin.setValue(max(1.0, cfg.max_image_pixels / MP))
        self._pixels_shown = self.pixels_spin.value()
        self.pixels_spin.setToolTip(
            "Images larger than this are not decoded (protection against decompression bombs);\n"
            "they are listed with an error instead."
        )
        form.addRow("Largest image:", self.pixels_spin)

        self.repair_edit = QLineEdit(cfg.repair_output)
        self.repair_edit.setPlaceholderText("default: repaired/ beside the original")
        self.repair_edit.setToolTip(
            "Where accepted repairs are saved. Empty: a repaired/ folder beside the original;\n"
            "a relative folder is taken beside the original; an absolute folder is used as is.\n"
            "The original is never overwritten."
        )
        self.repair_button = QPushButton("Browse\u2026")
        self.repair_button.clicked.connect(self._browse_repair)
        rrow = QHBoxLayout()
        rrow.addWidget(self.repair_edit, 1)
        rrow.addWidget(self.repair_button)
        form.addRow("Repair output:", rrow)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.RichText)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message_label)
        lay.addStretch(1)
        lay.addWidget(self.buttons)

        self.reviewer_edit.textChanged.connect(self._validate)
        self.cache_edit.textChanged.connect(self._validate)
        self.repair_edit.textChanged.connect(self._validate)
        self._validate()

    # --- public API ----------------------------------------------------------------------
    def result_config(self) -> Config:
        dirs = [self.model_list.item(i).text() for i in range(self.model_list.count())]
        if abs(self.pixels_spin.value() - self._pixels_shown) < 1e-9:
            max_pixels = self._cfg.max_image_pixels
        else:
            max_pixels = int(round(self.pixels_spin.value() * MP))
        max_pixels = max(MP, max_pixels)
        return dataclasses.replace(
            self._cfg,
            reviewer=" ".join(self.reviewer_edit.text().split()),
            model_dirs=dirs,
            device=self.device_combo.currentData(),
            thumbnail_size=self.thumb_spin.value(),
            cache_location=self.cache_edit.text().strip(),
            repair_output=self.repair_edit.text().strip(),
            max_image_pixels=max_pixels,
            recent_projects=list(self._cfg.recent_projects),
            project_databases=dict(self._cfg.project_databases),
        )

    def errors(self) -> list[str]:
        errs = []
        if not self.reviewer_edit.text().strip():
            errs.append("Reviewer name is required: it is recorded with every review action.")
        cache = self.cache_edit.text().strip()
        if cache:
            path = os.path.expanduser(cache)
            if os.path.exists(path) and not os.path.isdir(path):
                errs.append(f"Thumbnail cache \u201c{cache}\u201d is a file, not a folder.")
            elif not os.path.isabs(path):
                errs.append("Thumbnail cache must be an absolute folder path.")
        repair = self.repair_edit.text().strip()
        if repair:
            path = os.path.expanduser(repair)
            if os.path.isabs(path) and os.path.exists(path) and not os.path.isdir(path):
                errs.append(f"Repair output \u201c{repair}\u201d is a file, not a folder.")
        return errs

    def warnings(self) -> list[str]:
        notes = []
        for i in range(self.model_list.count()):
            d = self.model_list.item(i).text()
            if not os.path.isdir(os.path.expanduser(d)):
                notes.append(f"Model folder \u201c{d}\u201d does not exist (it is kept; maybe a drive is not mounted).")
        return notes

    # --- internals ------------------------------------------------------------------------
    def _validate(self) -> None:
        errs = self.errors()
        notes = self.warnings()
        lines = [f"<span style='color:{style.ERROR_FG};'>\u2716 {_esc(e)}</span>" for e in errs]
        lines += [f"<span style='color:{style.STATUS_COLORS['missing']};'>\u26a0 {_esc(n)}</span>" for n in notes]
        self.message_label.setText("<br>".join(lines))
        self.message_label.setVisible(bool(lines))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not errs)
        self.remove_model_button.setEnabled(bool(self.model_list.selectedItems()))
        self.reviewer_edit.setStyleSheet(
            "" if self.reviewer_edit.text().strip() else f"QLineEdit {{ border: 1px solid {style.ERROR_FG}; }}"
        )

    def _add_model_dir(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Add a model folder")
        if d:
            self.add_model_dir(d)

    def add_model_dir(self, path: str) -> None:
        existing = {self.model_list.item(i).text() for i in range(self.model_list.count())}
        if path and path not in existing:
            self._append_dir(path)
        self._validate()

    def _append_dir(self, path: str) -> None:
        self.model_list.addItem(path)
        self.model_list.item(self.model_list.count() - 1).setToolTip(path)

    def _remove_model_dirs(self) -> None:
        for item in self.model_list.selectedItems():
            self.model_list.takeItem(self.model_list.row(item))
        self._validate()

    def _browse_cache(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Thumbnail cache folder", self.cache_edit.text())
        if d:
            self.cache_edit.setText(d)

    def _browse_repair(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Repair output folder", self.repair_edit.text())
        if d:
            self.repair_edit.setText(d)

    def accept(self) -> None:  # noqa: D102
        if self.errors():
            self._validate()
            return
        super().accept()


def _esc(text: str) -> str:
    import html

    return html.escape(text)
