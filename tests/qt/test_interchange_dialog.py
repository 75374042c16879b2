"""The export/import dialog runs the core off the GUI thread and reports the result."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from llmvis_desktop.core.project import Project  # noqa: E402
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _project(folder) -> Project:
    p = Project.open(folder)
    p.scan()
    ids = p.image_ids()
    p.set_labels(ids[0], ["scratch"], "alice")
    p.set_caption(ids[0], "a scratch", "alice")
    p.set_status(ids[0], "reviewed", "alice")
    return p


def test_export_then_import_via_dialog(qtbot, labelled_folder, tmp_path):
    p = _project(labelled_folder)
    try:
        dlg = ExportImportDialog(p)
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.set_format("coco")
        out = tmp_path / "out.json"
        dlg.path.setText(str(out))
        dlg.reviewed_only.setChecked(True)
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        assert dlg.last_error is None and dlg.last_report.images == 1
        doc = json.loads(out.read_text())
        assert [i["file_name"] for i in doc["images"]] == [p.images(p.image_ids()[:1])[0].relpath]
        assert "coco: 1 image, 1 annotation" in dlg.summary.toPlainText()
        SHOTS.mkdir(exist_ok=True)
        dlg.grab().save(str(SHOTS / "interchange_dialog_export.png"))

        # import the same file with a changed caption: a conflict, reported in the summary
        doc["annotations"][0]["caption"] = "changed"
        out.write_text(json.dumps(doc))
        dlg.mode.setCurrentIndex(1)
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        assert len(dlg.last_report.conflicts) == 1
        assert "conflict:" in dlg.summary.toPlainText()
        dlg.grab().save(str(SHOTS / "interchange_dialog_import.png"))

        # a refused file: one clear line, nothing written
        out.write_text('{"images": [{"id": 1, "file_name": "../x.png"}]}')
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        assert dlg.last_report is None and "climbs out" in dlg.last_error
        assert dlg.run_button.isEnabled() and not dlg.cancel_button.isEnabled()
        dlg.close()
    finally:
        p.close()


def test_dialog_replaces_an_existing_file_only_after_consent(qtbot, labelled_folder, tmp_path, monkeypatch):
    """The export replaced any existing file, the project's images and database too."""
    p = _project(labelled_folder)
    try:
        dlg = ExportImportDialog(p)
        qtbot.addWidget(dlg)
        dlg.set_format("csv")
        asked = []
        answer = {"yes": False}
        monkeypatch.setattr(dlg, "_confirm_replace", lambda files: asked.append(files) or answer["yes"])
        image = p.path_of(p.images(p.image_ids()[:1])[0])
        before = image.read_bytes()
        for target in (image, labelled_folder / ".llmvis" / "project.sqlite"):
            dlg.path.setText(str(target))
            dlg.start()
            assert not dlg.is_running() and "never" in dlg.last_error and not asked
        assert image.read_bytes() == before
        notes = tmp_path / "notes.csv"
        notes.write_text("precious")
        dlg.path.setText(str(notes))
        dlg.start()  # the reviewer says no
        assert not dlg.is_running() and asked == [[notes]] and notes.read_text() == "precious"
        answer["yes"] = True
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        assert dlg.last_error is None and notes.read_text().startswith("file_name,")
        dlg.close()
    finally:
        p.close()


def test_export_and_import_are_jobs_of_the_window(qtbot, window, image_folder, tmp_path, monkeypatch):
    """Export and import ran on the dialog's own thread pool: never in the Jobs panel, a
    cancel shown as "Refused: cancelled", and closing the window neither stopped nor waited
    for a running export (it went on writing after the project was closed)."""
    import time

    from qthelpers import open_and_index

    from llmvis_desktop.core.tasks import Progress
    from llmvis_desktop.qt.dialogs import interchange_dialog

    win = window
    open_and_index(qtbot, win, image_folder)
    calls = []

    def slow_export(project, fmt, out, opts, token, progress, force=False):  # reports until cancelled
        calls.append("started")
        try:
            for i in range(3000):  # 15 s at most, however the dialog fails
                token.check()
                progress(Progress(f"export {fmt}", i, 3000))
                time.sleep(0.005)
        finally:
            calls.append("ended")

    monkeypatch.setattr(interchange_dialog, "export_project", slow_export)
    win.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "export", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    dlg.set_format("csv")
    dlg.path.setText(str(tmp_path / "out.csv"))
    dlg.start()
    job = dlg._job
    assert job in win.jobs.jobs and "Export" in job.name
    panel = win.panel_ctl.jobs
    qtbot.waitUntil(lambda: panel.has_job(str(job.id)) and job.last_progress is not None
                    and job.last_progress.done > 5, timeout=10000)
    qtbot.waitUntil(lambda: dlg.progress.maximum() == 3000 and dlg.progress.value() > 5, timeout=5000)
    assert dlg.is_running() and dlg.cancel_button.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "interchange_export_job.png"))

    # the Jobs panel's Cancel stops it; the dialog says "cancelled", not "Refused"
    with qtbot.waitSignal(dlg.finished_job, timeout=10000) as b:
        panel.row(str(job.id)).cancel_button.click()
    assert b.args[0] is None and job.state == "cancelled" and calls == ["started", "ended"]
    text = dlg.summary.toPlainText()
    assert "cancelled" in text.lower() and "Refused" not in text
    assert dlg.last_error is None and dlg.last_cancelled and not dlg.is_running()
    assert dlg.run_button.isEnabled() and not dlg.cancel_button.isEnabled()
    dlg.grab().save(str(SHOTS / "interchange_dialog_cancelled.png"))

    # closing the window cancels a running export and waits for it
    dlg.start()
    job = dlg._job
    qtbot.waitUntil(lambda: job.last_progress is not None and job.last_progress.done > 5, timeout=10000)
    win.close()
    assert job.state == "cancelled" and calls[-1] == "ended" and not dlg.is_running()


def test_import_cancel_says_nothing_was_imported(qtbot, labelled_folder, tmp_path, monkeypatch):
    from llmvis_desktop.core.tasks import Progress
    from llmvis_desktop.qt.dialogs import interchange_dialog

    def slow_import(project, fmt, path, as_, overwrite, token, progress, actor=None, member=None):
        import time
        for i in range(3000):  # 15 s at most, however the dialog fails
            token.check()
            progress(Progress(f"import {fmt}", i, 3000))
            time.sleep(0.005)

    monkeypatch.setattr(interchange_dialog, "import_file", slow_import)
    p = _project(labelled_folder)
    try:
        dlg = ExportImportDialog(p, mode="import")
        qtbot.addWidget(dlg)
        dlg.set_format("csv")
        dlg.path.setText(str(tmp_path / "in.csv"))
        dlg.start()
        qtbot.waitUntil(lambda: dlg.progress.value() > 5, timeout=10000)
        with qtbot.waitSignal(dlg.finished_job, timeout=10000):
            dlg.cancel_button.click()
        assert dlg.summary.toPlainText() == "Import cancelled; nothing was imported."
        assert dlg.last_error is None and dlg.last_cancelled
        dlg.close()
    finally:
        p.close()


def test_closing_the_project_closes_its_export_dialog(qtbot, window, image_folder):
    """The dialog stayed open on a closed project (its job cancelled)."""
    from qthelpers import open_and_index

    win = window
    open_and_index(qtbot, win, image_folder)
    win.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "export", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    assert dlg is not None and dlg.isVisible()
    win.project_ctl.close_project()
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: win.panel_ctl.interchange_dialog is None, timeout=10000)


def test_the_dialog_exports_the_history_and_never_imports_it(qtbot, labelled_folder, tmp_path):
    """The audit trail could not leave the tool from the window either."""
    p = _project(labelled_folder)
    try:
        dlg = ExportImportDialog(p, actor=lambda: "dr_alice")
        qtbot.addWidget(dlg)
        dlg.set_format("history")
        out = tmp_path / "trail.jsonl"
        dlg.path.setText(str(out))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        assert dlg.last_error is None
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        assert lines[0]["format"] == "llmvis-history" and [x["actor"] for x in lines[1:]] == ["alice"] * 3
        dlg.mode.setCurrentIndex(1)  # import: the history is not a format read back
        assert not dlg.run_button.isEnabled()
        dlg.set_format("csv")
        assert dlg.run_button.isEnabled()
        csv = tmp_path / "in.csv"
        csv.write_text(f"file_name,caption\n{p.images(p.image_ids()[1:2])[0].relpath},typed\n")
        dlg.path.setText(str(csv))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        assert dlg.last_error is None
        assert p.history(p.image_ids()[1])[0].actor == "import:in.csv by dr_alice"
        dlg.close()
    finally:
        p.close()


def _slow_export(calls):
    import time

    from llmvis_desktop.core.tasks import Progress

    def slow_export(project, fmt, out, opts, token, progress, force=False):  # reports until cancelled
        calls.append("started")
        try:
            for i in range(3000):  # 15 s at most
                token.check()
                progress(Progress(f"export {fmt}", i, 3000))
                time.sleep(0.005)
        finally:
            calls.append("ended")

    return slow_export


def test_esc_leaves_a_running_export_in_the_jobs_panel(qtbot, window, image_folder, tmp_path, monkeypatch):
    """Esc or Close cancelled the export without a word; it is a job of the window (the
    Jobs panel shows it, with its own Cancel): it goes on, and the dialog said so."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from qthelpers import open_and_index

    from llmvis_desktop.qt.dialogs import interchange_dialog

    win = window
    open_and_index(qtbot, win, image_folder)
    calls = []
    monkeypatch.setattr(interchange_dialog, "export_project", _slow_export(calls))
    win.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "export", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    dlg.set_format("csv")
    dlg.path.setText(str(tmp_path / "out.csv"))
    dlg.start()
    job = dlg._job
    assert "closing this window leaves it running" in dlg.summary.toPlainText()
    qtbot.waitUntil(lambda: job.last_progress is not None and job.last_progress.done > 5, timeout=10000)
    QTest.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.panel_ctl.interchange_dialog is None, timeout=10000)
    assert job.is_active and calls == ["started"]
    assert "Jobs panel" in win.statusBar().currentMessage()
    assert win.panel_ctl.jobs.has_job(str(job.id))
    # closing the project still cancels it and waits for it
    win.project_ctl.close_project()
    assert job.state == "cancelled" and calls == ["started", "ended"]


def test_the_dialog_remembers_its_choices(qtbot, window, image_folder, tmp_path, monkeypatch):
    from qthelpers import open_and_index

    from llmvis_desktop.qt.dialogs import interchange_dialog

    win = window
    open_and_index(qtbot, win, image_folder)
    from llmvis_desktop.core.interchange import ExportReport

    ran = []

    def export(project, fmt, out, opts, token, progress, force=False):
        ran.append((fmt, out, opts))
        return ExportReport(fmt, str(out))

    monkeypatch.setattr(interchange_dialog, "export_project", export)
    win.act_export.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "export", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    dlg.set_format("yolo")
    dlg.path.setText(str(tmp_path / "yolo-out"))
    dlg.reviewed_only.setChecked(True)
    for box, v in zip(dlg.split, (0.7, 0.2, 0.1)):
        box.setValue(v)
    dlg.seed.setValue(1234)
    with qtbot.waitSignal(dlg.finished_job, timeout=10000):
        dlg.start()
    assert ran and ran[0][0] == "yolo"
    dlg.close()
    qtbot.waitUntil(lambda: win.panel_ctl.interchange_dialog is None, timeout=10000)

    win.act_import.trigger()
    qtbot.waitUntil(lambda: getattr(win.panel_ctl, "interchange_dialog", None) is not None and win.panel_ctl.interchange_dialog.current_mode() == "import", timeout=5000)  # (opens once its settings were read)
    dlg = win.panel_ctl.interchange_dialog
    assert dlg.current_mode() == "import" and dlg.current_format() == "yolo"
    assert dlg.path.text() == str(tmp_path / "yolo-out")
    assert dlg.reviewed_only.isChecked() and dlg.seed.value() == 1234
    assert [round(b.value(), 2) for b in dlg.split] == [0.7, 0.2, 0.1]
    dlg.close()


def test_the_dialog_passes_and_remembers_images_8bit(qtbot, labelled_folder, tmp_path):
    """16-bit and float images as 8-bit PNG: a check box for the formats that copy images."""
    p = _project(labelled_folder)
    try:
        dlg = ExportImportDialog(p, settings_key="interchange_test")
        qtbot.addWidget(dlg)
        dlg.set_format("csv")
        assert not dlg.images_8bit.isEnabled() and not dlg.options().images_8bit
        dlg.set_format("jsonl")
        assert dlg.images_8bit.isEnabled()
        dlg.images_8bit.setChecked(True)
        assert dlg.options().images_8bit and dlg.choices()["images_8bit"] is True
        dlg._remember()
        dlg.close()
        again = ExportImportDialog(p, settings_key="interchange_test")
        qtbot.addWidget(again)
        assert again.current_format() == "jsonl" and again.images_8bit.isChecked()
        again.close()
    finally:
        p.close()


def test_a_failed_export_says_failed_naming_the_folder_and_a_skipped_image_is_a_warning(
        qtbot, labelled_folder, tmp_path, monkeypatch):
    """A jsonl export onto a full disk showed "Refused: [Errno 28] No space left on
    device" (no folder named, and nothing had been refused); one unreadable source image
    aborted a yolo export with "Refused: [Errno 13] Permission denied: ..."."""
    import builtins
    import errno

    p = _project(labelled_folder)
    relpath = p.images(p.image_ids()[:1])[0].relpath
    real_open = builtins.open

    class ClosesFull:
        def __init__(self, fh):
            self.fh = fh

        def write(self, text):
            return len(text)

        def close(self):
            self.fh.close()
            raise OSError(errno.ENOSPC, "No space left on device")

    def full(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        return ClosesFull(fh) if "w" in mode and str(path).endswith("metadata.jsonl") else fh

    def denied(path, mode="r", *a, **k):
        if str(path).endswith(relpath) and str(labelled_folder) in str(path) and "w" not in mode:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, mode, *a, **k)

    try:
        dlg = ExportImportDialog(p)
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.set_format("jsonl")
        out = tmp_path / "o_jsonl"
        dlg.path.setText(str(out))
        monkeypatch.setattr(builtins, "open", full)
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        monkeypatch.undo()
        text = dlg.summary.toPlainText()
        assert text == (f"Export failed: cannot write {out}: the disk is full (No space left on device); "
                        f"nothing was kept (what the export had written was removed)"), text
        assert dlg.last_error == text.split(": ", 1)[1]
        dlg.grab().save(str(SHOTS / "interchange_dialog_full_disk.png"))

        dlg.set_format("yolo")
        dlg.path.setText(str(tmp_path / "o_yolo"))
        monkeypatch.setattr(builtins, "open", denied)
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        monkeypatch.undo()
        assert dlg.last_error is None, dlg.last_error
        assert f"warning: {relpath}: permission denied, not copied" in dlg.summary.toPlainText().splitlines()
        dlg.close()
    finally:
        monkeypatch.undo()
        p.close()


def test_an_import_on_a_full_disk_names_the_database_file(qtbot, labelled_folder, tmp_path, monkeypatch):
    """It showed "Refused: OperationalError: (sqlite3.OperationalError) database or disk is
    full" and the SQL, naming no file."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import llmvis_desktop.core.interchange as interchange

    p = _project(labelled_folder)
    csv = tmp_path / "in.csv"
    csv.write_text(f"file_name,caption\n{p.images(p.image_ids()[:1])[0].relpath},new\n")

    def full(*a, **k):
        raise OperationalError("UPDATE images ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(interchange, "apply_import", full)
    try:
        dlg = ExportImportDialog(p, mode="import")
        qtbot.addWidget(dlg)
        dlg.set_format("csv")
        dlg.path.setText(str(csv))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        db = labelled_folder.resolve() / ".llmvis" / "project.sqlite"
        assert dlg.summary.toPlainText() == (f"Import failed: the disk holding {db} is full; nothing was saved; "
                                             f"free some space there and try again"), dlg.summary.toPlainText()
        dlg.close()
    finally:
        p.close()
