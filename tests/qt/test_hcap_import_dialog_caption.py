"""The import dialog's caption-sidecar format says it reads ``.caption`` sidecars too
(kohya's older default)."""
from __future__ import annotations

import os

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def test_the_sidecar_format_names_caption_files(qtbot, image_folder):
    p = Project.open(image_folder)
    p.scan()
    dlg = ExportImportDialog(p, mode="import")
    qtbot.addWidget(dlg)
    dlg.show()
    try:
        dlg.set_format("txt")
        assert ".txt" in dlg.fmt.currentText() and ".caption" in dlg.fmt.currentText(), dlg.fmt.currentText()
        shot = os.environ.get("HCAP_SHOT")
        if shot:
            dlg.grab().save(shot)
    finally:
        dlg.close()
        p.close()
