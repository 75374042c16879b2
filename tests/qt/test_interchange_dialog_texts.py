"""What the export/import dialog says before anything runs. Its split row (train, val,
test, seed) was greyed out for COCO, CSV and the others with nothing saying what the
boxes were for or why they were off (the two check boxes above it named their formats)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def _dialog(qtbot, folder):
    p = Project.open(folder)
    p.scan()
    dlg = ExportImportDialog(p)
    qtbot.addWidget(dlg)
    dlg.show()
    return p, dlg


def test_the_split_row_says_what_it_is_and_which_formats_use_it(qtbot, image_folder):
    p, dlg = _dialog(qtbot, image_folder)
    try:
        for fmt in ("coco", "csv", "yolo", "jsonl"):
            dlg.set_format(fmt)
            copies = fmt in ("yolo", "jsonl")
            boxes = [*dlg.split, dlg.seed]
            assert all(b.isEnabled() == copies for b in boxes), fmt
            title = dlg.split_label
            assert isinstance(title, QLabel) and title.isVisible()
            assert "split" in title.text().lower(), title.text()
            assert "YOLO" in title.text() and "imagefolder" in title.text(), title.text()
            assert title.isEnabled() == copies  # greyed with its boxes, as the check boxes above are
            for b in boxes:  # each box says what it is even where the row is off
                assert "YOLO" in b.toolTip() and "imagefolder" in b.toolTip(), b.toolTip()
    finally:
        dlg.close()
        p.close()


def test_the_progress_bar_claims_no_progress_before_a_run(qtbot, image_folder):
    """It read "0%" as the dialog opened, as if an export had begun and stalled."""
    p, dlg = _dialog(qtbot, image_folder)
    try:
        for mode in (0, 1):  # export, import
            dlg.mode.setCurrentIndex(mode)
            assert "%" not in dlg.progress.text() and "0" not in dlg.progress.text(), dlg.progress.text()
    finally:
        dlg.close()
        p.close()


def test_the_progress_bar_shows_only_while_a_job_runs(qtbot, image_folder, tmp_path, monkeypatch):
    """Idle, the empty bar above the summary looked like a text field to type in."""
    import threading

    from llmvis_desktop.core.tasks import Progress
    from llmvis_desktop.qt.dialogs import interchange_dialog

    gate = threading.Event()

    def held_export(project, fmt, out, opts, token, progress, force=False):
        progress(Progress(f"export {fmt}", 1, 10))
        while not gate.is_set():
            token.check()
            gate.wait(0.02)
        raise interchange_dialog.InterchangeError("held export let go")

    monkeypatch.setattr(interchange_dialog, "export_project", held_export)
    p, dlg = _dialog(qtbot, image_folder)
    try:
        for mode in (1, 0):  # import, export: at rest
            dlg.mode.setCurrentIndex(mode)
            assert not dlg.progress.isVisible()
        dlg.set_format("csv")
        dlg.path.setText(str(tmp_path / "out.csv"))
        dlg.start()
        assert dlg.is_running() and dlg.progress.isVisible()
        qtbot.waitUntil(lambda: dlg.progress.maximum() == 10, timeout=5000)
        with qtbot.waitSignal(dlg.finished_job, timeout=10000):
            gate.set()
        assert not dlg.progress.isVisible()
        assert "held export let go" in dlg.summary.toPlainText()  # the summary says how it ended
    finally:
        gate.set()
        dlg.close()
        p.close()
