"""The export/import dialog's form (:class:`InterchangeForm`).

What the form holds: the action (export or import), the format, the path and each
action's options; what it asks for (:meth:`InterchangeForm.options`); which of its rows
apply to the format chosen; the Browse button; the choices kept between dialogs
(:mod:`.interchange_choices`).

:class:`InterchangeForm` is a mixin of :class:`~.interchange_dialog.ExportImportDialog`:
it uses the host's ``project``, ``run_button``, ``_settings_key``, ``_read_settings`` and
``_confirmed_out`` (an existing file the save dialog agreed to replace, set by Browse).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ...core.interchange import FORMATS, ExportOptions
from ...core.interchange.archive import ARCHIVE_FORMATS
from .interchange_choices import form_choices, restore_choices, save_choices

IMAGES_8BIT_TEXT = "Write DICOM, 16-bit and float images as 8-bit PNG"
DECIDED_ONLY_TEXT = "Decided images only, reviewed or rejected (history)"
#: how the export's messages name the box (they gave the CLI's "--images-8bit")
IMAGES_8BIT_NAME = f"the \u201c{IMAGES_8BIT_TEXT}\u201d option"


class InterchangeForm:
    """The dialog's form (see the module docstring)."""

    def _build_form(self) -> QFormLayout:
        """Make the form's widgets on the dialog (its action, format, path and the export
        and import options) and return the rows of action, format and path; the dialog
        lays them out with ``export_box`` and ``import_box``."""
        self.mode = QComboBox()
        self.mode.addItem("Export", "export")
        self.mode.addItem("Import", "import")
        self.fmt = QComboBox()
        for key, spec in FORMATS.items():
            self.fmt.addItem(spec.title, key)
        self.path = QLineEdit()
        self.path.setPlaceholderText("output file or folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        # an import may read a zip archive as it is (CVAT's exports, a zipped folder): for the
        # folder formats that can, Browse picks folders, this one archives
        self.browse_zip = QPushButton("Zip…")
        self.browse_zip.setToolTip("Import from a zip archive, read as it is (nothing is unzipped)")
        self.browse_zip.clicked.connect(self._browse_zip)
        path_row.addWidget(self.browse_zip)

        form = QFormLayout()
        form.addRow("Action:", self.mode)  # (ending in ":" as the Settings dialog's do)
        form.addRow("Format:", self.fmt)
        form.addRow("Path:", path_row)

        # export options
        self.reviewed_only = QCheckBox("Reviewed images only")
        # the history's (audit trail's) own: `llmvis export history --decided-only`, said alike
        self.decided_only = QCheckBox(DECIDED_ONLY_TEXT)
        self.decided_only.setToolTip("History only: only images a person decided, reviewed or rejected, with every "
                                     "event and suggestion of theirs (a rejection is a decision the audit trail keeps)")
        # one or the other, as the command's --reviewed-only and --decided-only
        self.reviewed_only.toggled.connect(lambda on: on and self.decided_only.setChecked(False))
        self.decided_only.toggled.connect(lambda on: on and self.reviewed_only.setChecked(False))
        self.include_suggestions = QCheckBox("Include pending suggestions")
        self.include_repairs = QCheckBox("Include repaired images, linked to their source")
        self.link = QCheckBox("Link images instead of copying (YOLO, imagefolder)")
        self.images_8bit = QCheckBox(f"{IMAGES_8BIT_TEXT}, as shown (YOLO, imagefolder)")
        self.images_8bit.setToolTip("<p>Training loaders cannot read DICOM and misread 16-bit images (PIL's "
                                    "convert('RGB') shows them all white). Checked: each is written as a PNG as the "
                                    "viewer shows it \u201cAs loaded\u201d (DICOM: no tag kept, the name still "
                                    "de-identified, a multi-frame one's first frame). Unchecked: they are copied (or "
                                    "linked) as they are, and the export warns.</p>")
        self.anonymize = QCheckBox("De-identify DICOM-derived images (recommended)")
        self.anonymize.setChecked(True)
        self.split = [QDoubleSpinBox() for _ in range(3)]
        for box, value in zip(self.split, (0.8, 0.2, 0.0)):
            box.setRange(0.0, 1.0)
            box.setSingleStep(0.05)
            box.setValue(value)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        # what the row is and which formats use it: greyed out for the others, it said neither
        self.split_label = QLabel("Split into train / val / test folders, shuffled with a seed "
                                  "(YOLO, imagefolder):")
        split_tip = ("The share of the images in each of the train, val and test folders, and the seed "
                     "of the shuffle that deals them out: YOLO and imagefolder exports only")
        for box in (*self.split, self.seed):
            box.setToolTip(split_tip)
        split_row = QHBoxLayout()
        for name, box in zip(("train", "val", "test"), self.split):
            split_row.addWidget(QLabel(f"{name}:"))
            split_row.addWidget(box)
        split_row.addWidget(QLabel("seed:"))
        split_row.addWidget(self.seed)
        self.export_box = QGroupBox("Export options")
        ex = QVBoxLayout(self.export_box)
        for w in (self.reviewed_only, self.decided_only, self.include_suggestions, self.include_repairs, self.link, self.images_8bit,
                  self.anonymize):
            ex.addWidget(w)
        ex.addWidget(self.split_label)
        ex.addLayout(split_row)

        # import options
        self.as_ = QComboBox()
        self.as_.addItem("Reviewed annotations", "reviewed")
        self.as_.addItem("Pending suggestions", "suggestions")
        self.overwrite = QCheckBox("Overwrite existing reviewed annotations that differ")
        self.import_box = QGroupBox("Import options")
        im = QFormLayout(self.import_box)
        self.member = QLineEdit()
        self.member.setPlaceholderText("zip archive only: the file inside it, when it holds several")
        self.member.setToolTip("The file (labelme, imagefolder, YOLO, caption sidecars: the folder) inside the zip archive to import, "
                               "as the refusal of an archive holding several names them")
        im.addRow("Import as:", self.as_)
        im.addRow("Archive member:", self.member)
        im.addRow(self.overwrite)
        return form

    # --- form ---------------------------------------------------------------------
    def current_mode(self) -> str:
        return self.mode.currentData()

    def current_format(self) -> str:
        return self.fmt.currentData()

    def set_format(self, key: str) -> None:
        self.fmt.setCurrentIndex(self.fmt.findData(key))

    def _mode_changed(self, *_):
        exporting = self.current_mode() == "export"
        self.export_box.setVisible(exporting)
        self.import_box.setVisible(not exporting)
        self.run_button.setText("Export" if exporting else "Import")
        spec = FORMATS[self.current_format()]
        self.run_button.setEnabled(self._runnable())
        folder = spec.out_is_folder if exporting else spec.in_is_folder
        what = "folder" if folder else f"file ({spec.suffix})"
        zips = not exporting and self.current_format() in ARCHIVE_FORMATS
        self.browse_zip.setVisible(zips and folder)
        self.member.setEnabled(zips)
        if zips:
            what += " or zip archive"
        self.path.setPlaceholderText(f"{'output' if exporting else 'input'} {what}")
        self.decided_only.setEnabled(self.current_format() == "history")
        copies = self.current_format() in ("yolo", "jsonl")
        self.link.setEnabled(copies)
        self.images_8bit.setEnabled(copies)
        for box in self.split:
            box.setEnabled(copies)
        self.seed.setEnabled(copies)
        self.split_label.setEnabled(copies)

    def _browse(self) -> None:
        spec = FORMATS[self.current_format()]
        exporting = self.current_mode() == "export"
        folder = spec.out_is_folder if exporting else spec.in_is_folder
        if folder:
            path = QFileDialog.getExistingDirectory(self, "Choose a folder", self.path.text())
        elif exporting:
            # the save dialog asks before it returns an existing file: that is the consent to replace it
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"*{spec.suffix}")
            self._confirmed_out = Path(path).expanduser() if path and Path(path).exists() else None
        else:
            zips = " *.zip" if self.current_format() in ARCHIVE_FORMATS else ""
            path, _ = QFileDialog.getOpenFileName(self, "Import from", self.path.text(),
                                                  f"{spec.title.split(' (')[0]} (*{spec.suffix}{zips});;All files (*)")
        if path:
            self.path.setText(path)

    def _browse_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import from a zip archive", self.path.text(),
                                              "Zip archives (*.zip);;All files (*)")
        if path:
            self.path.setText(path)

    def archive_member(self) -> "str | None":
        """The member typed for a zip archive import (None: none typed, or the format
        reads no archive)."""
        text = self.member.text().strip()
        return text if text and self.member.isEnabled() else None

    def options(self) -> ExportOptions:
        return ExportOptions(
            reviewed_only=self.reviewed_only.isChecked(),
            # (greyed out for the other formats: kept checked, not asked of them)
            decided_only=self.decided_only.isChecked() and self.current_format() == "history",
            include_suggestions=self.include_suggestions.isChecked(),
            include_repairs=self.include_repairs.isChecked(),
            split=tuple(b.value() for b in self.split),
            seed=self.seed.value(),
            link=self.link.isChecked(),
            anonymize=self.anonymize.isChecked(),
            images_8bit=self.images_8bit.isChecked(),
            # the warnings name this dialog's box, not the CLI's --images-8bit
            option_names=(("images_8bit", IMAGES_8BIT_NAME),
                          ("decided_only", f"the \u201c{DECIDED_ONLY_TEXT}\u201d option"),
                          ("reviewed_only", "the \u201cReviewed images only\u201d option")),
        )

    # --- remembered choices (.interchange_choices) ---------------------------------------
    def choices(self) -> dict:
        return form_choices(self)

    def _restore(self) -> None:
        restore_choices(self, self.project, self._settings_key, self._read_settings)

    def _remember(self) -> None:
        save_choices(self.project, self._settings_key, self.choices())

    def _runnable(self) -> bool:
        """Whether the form can run: an export of a format written (labelme is import only),
        or an import of a format read back (the history is export only)."""
        spec = FORMATS[self.current_format()]
        return spec.export is not None if self.current_mode() == "export" else spec.parse is not None
