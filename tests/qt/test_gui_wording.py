"""Wording across the GUI: one product name, devices as people write them, form labels
that end in ":" in every dialog (Settings did, Export/Import and Repair did not), and
the export's warnings naming the dialog's own option, not a CLI flag."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
)

from llmvis_desktop.core.project import Project

INPUTS = (QComboBox, QAbstractSpinBox, QLineEdit)


def _form_labels(dialog) -> list[str]:
    """The texts of the labels that name an input: a form's labels, and a label just
    before an input in a row."""
    out = []
    for lay in dialog.findChildren(QLayout):
        if isinstance(lay, QFormLayout):
            for row in range(lay.rowCount()):
                item = lay.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if item is not None and isinstance(item.widget(), QLabel):
                    out.append(item.widget().text())
        elif isinstance(lay, QBoxLayout):
            widgets = [lay.itemAt(i).widget() for i in range(lay.count())]
            for a, b in zip(widgets, widgets[1:]):
                if isinstance(a, QLabel) and isinstance(b, INPUTS):
                    out.append(a.text())
    return out


def _project(tmp_path) -> Project:
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(folder / "a.png")
    p = Project.open(folder)
    p.scan()
    return p


def test_form_labels_end_with_a_colon_in_every_dialog(qtbot, tmp_path):
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    p = _project(tmp_path)
    try:
        for dlg in (SettingsDialog(Config(reviewer="a")), ExportImportDialog(p), RepairDialog(p.root / "a.png", None)):
            qtbot.addWidget(dlg)
            labels = _form_labels(dlg)
            assert len(labels) >= 3, (type(dlg).__name__, labels)
            assert all(t.endswith(":") for t in labels), (type(dlg).__name__, labels)
    finally:
        p.close()


def test_the_export_dialog_names_its_own_check_box_in_the_16_bit_warning(qtbot, tmp_path):
    from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog

    p = _project(tmp_path)
    try:
        dlg = ExportImportDialog(p)
        qtbot.addWidget(dlg)
        name = dlg.options().name_of("images_8bit")
        assert "--" not in name and "8-bit PNG" in name
        quoted = name.split("\u201c")[1].split("\u201d")[0]  # the box's own words
        assert quoted in dlg.images_8bit.text(), (name, dlg.images_8bit.text())
    finally:
        p.close()


def test_the_model_manager_writes_the_device_in_capitals(qtbot, tmp_path):
    from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog, device_name

    p = _project(tmp_path)
    try:
        dlg = ModelManagerDialog(p, [str(tmp_path / "none")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        headers = [dlg.table.horizontalHeaderItem(i).text() for i in range(dlg.table.columnCount())]
        assert "Fits CPU" in headers, headers
    finally:
        p.close()
    assert device_name("cuda:1") == "CUDA:1" and device_name("mps") == "MPS"


def test_one_product_name_in_the_title_the_welcome_and_about(qtbot, config):
    from llmvis_desktop.qt.app import APP_NAME, about_text, build_window

    win = build_window(config=config)
    qtbot.addWidget(win)
    assert win.windowTitle() == APP_NAME
    text = about_text()
    assert text.startswith(f"{APP_NAME} ") and "llmvis-desktop " not in text.split("\n")[0], text
