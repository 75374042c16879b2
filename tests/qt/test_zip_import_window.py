"""The Import dialog reads a zip archive as it is: a Zip… button for the folder formats
that can (labelme, imagefolder, YOLO, caption sidecars), zip archives in Browse's filter for the file formats, and
an "Archive member" field for an archive holding several candidates."""
from __future__ import annotations

import os
import zipfile

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def test_the_import_dialog_imports_a_member_of_a_zip(qtbot, tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / "b.png")
    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a/x.csv", "file_name,caption\nb.png,from x\n")
        zf.writestr("b/y.csv", "file_name,caption\nb.png,from y\n")
    p = Project.open(root)
    try:
        p.scan()
        dlg = ExportImportDialog(p, mode="import")
        qtbot.addWidget(dlg)
        dlg.set_format("labelme")
        assert dlg.browse_zip.isVisibleTo(dlg) and dlg.member.isEnabled()
        assert "zip archive" in dlg.path.placeholderText()
        dlg.set_format("yolo")  # read from an archive too (it was refused: test_hhxchg_zip_folders)
        assert dlg.browse_zip.isVisibleTo(dlg) and dlg.member.isEnabled()
        dlg.set_format("csv")
        assert not dlg.browse_zip.isVisibleTo(dlg) and "zip archive" in dlg.path.placeholderText()
        dlg.path.setText(str(z))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        assert dlg.last_report is None and "'a/x.csv'" in dlg.last_error and "Archive member" in dlg.last_error
        dlg.member.setText("b/y.csv")
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        assert dlg.last_report is not None, dlg.last_error
        assert p.image_by_path("b.png").caption == "from y"
        shot = os.environ.get("LLMVIS_SHOT_DIR")
        if shot:
            dlg.grab().save(os.path.join(shot, "zip_import_dialog.png"))
        dlg.close()
    finally:
        p.close()
