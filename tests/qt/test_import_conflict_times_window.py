"""The import dialog's report named a conflict's times raw ("2999-01-01T10:00:00+00:00"):
it says them in local time with the zone, as the refusal lines do."""
from __future__ import annotations

import csv
from datetime import datetime, timezone

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.when import short_when
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def test_the_import_report_says_conflict_times_in_local_time(qtbot, labelled_folder, tmp_path):
    p = Project.open(labelled_folder)
    try:
        p.scan()
        p.add_labels([n for n in ("dent", "ok") if n not in {x.name for x in p.labels()}])
        image_id = p.image_ids(sort="name")[0]
        p.set_labels(image_id, ["ok"], "bob")
        ra.accept(p, image_id, "bob")
        name = p.image(image_id).relpath
        team = tmp_path / "team.csv"
        with team.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file_name", "labels", "caption", "status", "reviewer", "time"])
            w.writerow([name, "dent;ok", "", "reviewed", "carol", "2999-01-01T10:00:00+00:00"])
        dlg = ExportImportDialog(p, actor=lambda: "lead")
        qtbot.addWidget(dlg)
        dlg.mode.setCurrentIndex(1)
        dlg.set_format("csv")
        dlg.path.setText(str(team))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        text = dlg.summary.toPlainText()
        record = short_when(datetime(2999, 1, 1, 10, 0, tzinfo=timezone.utc))
        assert f"the file's record of {record} by carol" in text, text
        assert "+00:00" not in text, text
        dlg.close()
    finally:
        p.close()
