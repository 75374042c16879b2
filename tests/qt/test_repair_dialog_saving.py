"""Accepting a repair in the repair dialog: saved on a worker (the dialog held meanwhile)
as a new file with provenance, to another folder when the image's is read-only, and a
failed save records nothing and keeps the repair."""
from pathlib import Path

import numpy as np
from PIL import Image
from repair_dialog_helpers import (
    brick_project_fixture,  # noqa: F401 - the brick_project fixture
    telea_preview,
)


def test_repair_dialog_accept_in_a_read_only_folder_says_so(qtbot, brick_project, monkeypatch):
    """Accept in a read-only folder raised an OSError out of the click and left the dialog
    with its stale "Compare with the slider" status."""
    import errno

    from llmvis_desktop.core.repair import save
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png", None)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.editor.canvas.fill_rect(18, 57, 182, 69)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(save.tempfile, "mkstemp", read_only)
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
    assert not got and dlg.isVisible() and dlg.accept_btn.isEnabled()  # nothing lost: fix the folder, Accept
    assert "Not saved" in dlg.status.text() and "read-only" in dlg.status.text()
    assert "repair_output" in dlg.status.text()
    assert not [p for p in (brick_project / "repaired").rglob("*") if p.is_file()]


def test_repair_dialog_accept_saves_on_a_worker_and_holds_the_dialog(qtbot, brick_project, monkeypatch):
    """Accept and save encoded and wrote the file on the GUI thread (1.4 s frozen for an
    8192x2048 TIFF): it runs on a worker, the dialog's controls off and "Saving…" shown;
    Cancel meanwhile waits for the save; the repair is recorded once the file is written."""
    import threading

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import apply

    real = apply.write_repair_files
    gate, threads = threading.Event(), []

    def held(*args):
        threads.append(threading.current_thread())
        gate.wait(10)
        return real(*args)

    with Project.open(brick_project) as p:
        p.index()
        dlg = telea_preview(qtbot, brick_project / "brick.png", p, actor="tester")
        monkeypatch.setattr(apply, "write_repair_files", held)
        got = []
        dlg.repaired.connect(got.append)
        try:
            dlg.save_repair()
            assert dlg.saving and dlg.status.text().startswith("Saving")
            assert not dlg.accept_btn.isEnabled() and not dlg.run_btn.isEnabled() and not dlg.buttons.isEnabled()
            dlg.reject()  # Cancel / Escape while saving: the save is finished first
            assert dlg.isVisible() and not got
            qtbot.waitUntil(lambda: bool(threads), timeout=15000)  # the worker is held at the write
            assert threads[0] is not threading.main_thread()
            assert not p.repairs(p.image_by_path("brick.png").id)  # not recorded before it is written
        finally:
            gate.set()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        assert got and got[0].output_path.is_file() and not dlg.isVisible()
        assert len(p.repairs(p.image_by_path("brick.png").id)) == 1


def test_repair_dialog_a_failed_save_records_nothing_and_keeps_the_repair(qtbot, brick_project, monkeypatch):
    import errno
    import threading

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import apply

    threads = []

    def full(*args):
        threads.append(threading.current_thread())
        raise OSError(errno.ENOSPC, "No space left on device")

    with Project.open(brick_project) as p:
        p.index()
        dlg = telea_preview(qtbot, brick_project / "brick.png", p, actor="tester")
        monkeypatch.setattr(apply, "write_repair_files", full)
        got = []
        dlg.repaired.connect(got.append)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        assert threads and threads[0] is not threading.main_thread()
        assert not got and dlg.isVisible() and "Not saved" in dlg.status.text()
        assert "space" in dlg.status.text().lower()
        assert dlg.accept_btn.isEnabled() and dlg.run_btn.isEnabled() and dlg.buttons.isEnabled()
        assert "telea" in dlg.results  # nothing lost: free some space, Accept again
        assert not p.repairs(p.image_by_path("brick.png").id)
        assert not [f for f in (brick_project / "repaired").rglob("*") if f.is_file()]


def test_repair_dialog_save_to_another_folder_keeps_the_repair(qtbot, brick_project, monkeypatch, tmp_path):
    """A read-only output folder: Accept failed, and the only way to save elsewhere was to
    close the dialog (losing the mask and the computed repair) and change the setting. Save
    to… asks for a folder and saves the repair shown there."""
    import errno

    from PySide6.QtWidgets import QFileDialog

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import save

    real = save.tempfile.mkstemp
    ro = brick_project / "repaired"

    def mkstemp(*a, dir=None, **k):
        if dir is not None and Path(dir).resolve().is_relative_to(ro.resolve()):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(save.tempfile, "mkstemp", mkstemp)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, caption, start, *a, **k: asked.append(start) or str(elsewhere))
    with Project.open(brick_project) as p:
        dlg = telea_preview(qtbot, brick_project / "brick.png", p, actor="tester")
        assert dlg.save_to_btn.isEnabled()
        preview = dlg.results["telea"].pixels.copy()
        got = []
        dlg.repaired.connect(got.append)
        dlg.accept_btn.click()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        assert not got and dlg.isVisible() and "Not saved" in dlg.status.text()
        assert "Save to" in dlg.status.text()  # says what to do about it
        assert dlg.save_to_btn.isEnabled() and "telea" in dlg.results
        dlg.save_to_btn.click()
        assert asked and Path(asked[0]) in (ro, brick_project)  # starts where it would have saved
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        assert got, dlg.status.text()
        out = got[0].output_path
        assert out.parent == elsewhere and out.is_file()
        assert np.array_equal(np.asarray(Image.open(out)), preview)  # the repair shown, not a new one
        assert len(p.repairs(p.image_by_path("brick.png").id)) == 1
