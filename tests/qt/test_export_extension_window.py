"""File ▸ Export… with a file name typed without an extension: the format's is added (the
field shows the name written, the summary line says it was added); it wrote a file named
"annotations" as typed."""
from __future__ import annotations

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def _export(qtbot, dlg, fmt, path):
    dlg.set_format(fmt)
    dlg.path.setText(str(path))
    with qtbot.waitSignal(dlg.finished_job, timeout=20000):
        dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
    assert dlg.last_error is None, dlg.last_error
    return dlg.summary.toPlainText()


def test_the_dialog_adds_the_formats_extension(qtbot, labelled_folder, tmp_path):
    p = Project.open(labelled_folder)
    p.scan()
    try:
        dlg = ExportImportDialog(p)
        qtbot.addWidget(dlg)
        dlg.show()
        said = _export(qtbot, dlg, "csv", tmp_path / "annotations")
        assert (tmp_path / "annotations.csv").is_file() and not (tmp_path / "annotations").exists()
        assert dlg.path.text() == str(tmp_path / "annotations.csv")
        assert ".csv added to the name given" in said, said
        said = _export(qtbot, dlg, "coco", tmp_path / "coco_out")
        assert (tmp_path / "coco_out.json").is_file() and ".json added to the name given" in said, said
        said = _export(qtbot, dlg, "csv", tmp_path / "named.csv")  # an extension: as typed, nothing said
        assert (tmp_path / "named.csv").is_file() and "added to the name" not in said
    finally:
        p.close()
