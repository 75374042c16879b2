"""The import dialog given a file of another format says which format it looks like and
which to choose (a CSV imported as COCO JSON said only "not valid JSON")."""
from __future__ import annotations

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def test_a_csv_imported_as_coco_names_the_csv_format(qtbot, labelled_folder, tmp_path):
    p = Project.open(labelled_folder)
    try:
        p.scan()
        p.set_labels(p.image_ids()[0], ["scratch"], "alice")
        src = tmp_path / "reviews.csv"
        export_project(p, "csv", src, ExportOptions(anonymize=False))
        dlg = ExportImportDialog(p, mode="import")
        qtbot.addWidget(dlg)
        dlg.set_format("coco")
        dlg.path.setText(str(src))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        assert dlg.last_report is None
        assert "not valid JSON" in dlg.last_error
        assert dlg.last_error.endswith("this looks like a CSV file, not coco; choose \u201cCSV\u201d as the Format")
        assert dlg.summary.toPlainText().startswith("Refused: ")
        dlg.close()
    finally:
        p.close()
