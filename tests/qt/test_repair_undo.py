"""Undo of an accepted repair from the main window: the repair is unlinked after the
question "Also delete the repaired file?" (No keeps the file, Cancel changes nothing);
redo relinks it with an appended event, unless its file was deleted."""
import os

import numpy as np
import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox

import cv2  # noqa: E402,F401 - a runtime dependency

from qthelpers import make_images, open_and_index  # noqa: E402


def _accept_telea_repair(qtbot, win):
    win.grid.select_row(0)
    qtbot.waitUntil(lambda: win.panel_ctl.record is not None, timeout=5000)
    win.panel_ctl.open_repair()
    dlg = win.panel_ctl.repair_dialog
    assert dlg is not None and dlg.wait_loaded()  # (read on a worker)
    dlg.editor.canvas.fill_rect(10, 10, 40, 30)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    src_id = win.panel_ctl.record.id
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
    assert got and got[0].output_path.is_file()
    return src_id, got[0]


@pytest.mark.parametrize("answer", ["No", "Cancel", "Yes"])
def test_undo_repair_asks_and_unlinks(qtbot, window, tmp_path, monkeypatch, answer):
    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    src_id, res = _accept_telea_repair(qtbot, window)
    assert len(project.repairs(src_id)) == 1 and project.info()["repairs"] == 1
    stack = window.review.undo_stack
    assert stack.canUndo() and "Repair" in stack.undoText()

    asked = []
    button = getattr(QMessageBox.StandardButton, answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or button)
    window.review.undo()
    assert len(asked) == 1
    if answer == "Cancel":
        qtbot.waitUntil(lambda: stack.canUndo(), timeout=10000)  # the stack is put back
        assert len(project.repairs(src_id)) == 1
        assert res.output_path.is_file()
        assert not any(e.action == "unrepair" for e in project.history(src_id))
        return
    assert project.repairs(src_id) == []
    assert project.info()["repairs"] == 0
    assert not project.image(src_id).has_repair
    assert any(e.action == "unrepair" for e in project.history(src_id))
    assert (folder / project.image(src_id).relpath).is_file()  # the original is never touched
    if answer == "No":
        assert res.output_path.is_file() and res.mask_path.is_file()
    else:
        assert not res.output_path.exists() and not res.mask_path.exists()
    window.review.redo()
    if answer == "No":  # the file is still there: redo relinks the repair
        assert [r.id for r in project.repairs(src_id)] == [res.repair_id]
    else:  # its file was deleted: the repair is not restored
        assert project.repairs(src_id) == []
        assert not any(e.action == "rerepair" for e in project.history(src_id))


def _db_state(project, repair_id, src_id):
    from llmvis_desktop.core.store import models as m

    with project.store.read() as s:
        row = s.get(m.Repair, repair_id)
        unlinked = (row.unlinked_at is not None, row.unlinked_by)
    events = [(e.action, e.actor, e.after) for e in project.history(src_id)]
    return unlinked, events


def test_redo_relinks_undone_repair(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    src_id, res = _accept_telea_repair(qtbot, window)
    stack = window.review.undo_stack
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    unlinked, events = _db_state(project, res.repair_id, src_id)
    assert unlinked == (False, None)
    assert [a for a, _, _ in events] == ["repair"]

    window.review.undo()
    unlinked, events = _db_state(project, res.repair_id, src_id)
    assert unlinked == (True, "tester")
    assert [a for a, _, _ in events] == ["repair", "unrepair"]
    assert project.repairs(src_id) == [] and not project.image(src_id).has_repair
    assert stack.canRedo() and not stack.canUndo()

    window.review.redo()
    unlinked, after_redo = _db_state(project, res.repair_id, src_id)
    assert unlinked == (False, None)
    # append-only: the earlier events are unchanged and one rerepair event follows them
    assert after_redo[:2] == events and [a for a, _, _ in after_redo] == ["repair", "unrepair", "rerepair"]
    assert after_redo[2][1] == "tester" and after_redo[2][2]["repair_id"] == res.repair_id
    assert [r.id for r in project.repairs(src_id)] == [res.repair_id]
    assert project.image(src_id).has_repair and project.info()["repairs"] == 1
    assert res.output_path.is_file()
    assert stack.canUndo() and "Repair" in stack.undoText()

    window.review.undo()  # and it can be undone again
    unlinked, events = _db_state(project, res.repair_id, src_id)
    assert unlinked == (True, "tester")
    assert [a for a, _, _ in events] == ["repair", "unrepair", "rerepair", "unrepair"]
    window.review.redo()
    assert [a for a, _, _ in _db_state(project, res.repair_id, src_id)[1]][-1] == "rerepair"
    assert project.info()["repairs"] == 1


def test_repair_output_setting_is_used(qtbot, window, tmp_path):
    folder = tmp_path / "imgs"
    make_images(folder, n=2)
    open_and_index(qtbot, window, folder)
    window.config.repair_output = "fixed"
    _, res = _accept_telea_repair(qtbot, window)
    assert res.output_path.parent.name == "fixed"
    assert np.asarray(res.pixels).size


def test_train_repair_job_writes_project_checkpoint(qtbot, window, tmp_path):
    import torch  # noqa: F401 - a runtime dependency
    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    job = window.panel_ctl.start_repair_training(0.2, steps=2, tile=32, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None, job.error
    ck = project.root / ".llmvis" / "repair.safetensors"
    assert ck.is_file() and not ck.with_name("repair.training.safetensors").exists()


def _ck_step(ck) -> int:
    from llmvis_desktop.core.repair.checkpoint import load_checkpoint

    return load_checkpoint(ck).step


def test_cancelled_repair_training_keeps_what_it_trained(qtbot, window, tmp_path, shots_dir):
    """The Jobs panel's Cancel ("work done so far is kept") and closing the window threw the
    cancelled run away: the project's checkpoint stayed at the first run's step."""
    import torch  # noqa: F401 - a runtime dependency
    from llmvis_desktop.core.repair.checkpoint import load_checkpoint

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ctl = window.panel_ctl
    small = dict(tile=32, batch=2, save_every=0, preview_every=0, report_every=1,
                 config={"width": 8, "dilations": [2, 1]})
    ck = project.root / ".llmvis" / "repair.safetensors"
    tmp = ck.with_name("repair.training.safetensors")
    job = ctl.start_repair_training(5.0, steps=2, **small)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None and _ck_step(ck) == 2

    # Cancel in the Jobs panel at step >= 6: the project's checkpoint is that run's
    job = ctl.start_repair_training(5.0, steps=100000, **small)
    qtbot.waitUntil(lambda: job.last_progress is not None and job.last_progress.done >= 6, timeout=120000)
    ctl.jobs.row(str(job.id)).cancel_button.click()
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.state == "cancelled" and job.error is None
    step = _ck_step(ck)
    assert step >= 6 and not tmp.exists()
    qtbot.waitUntil(lambda: "cancelled at step" in window.statusBar().currentMessage(), timeout=5000)
    assert f"step {step}" in window.statusBar().currentMessage()
    assert str(ck) in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: ctl.jobs.row(str(job.id)).finished, timeout=5000)  # the row says cancelled
    window.grab().save(str(shots_dir / "repair_training_cancelled.png"))

    # closing the window while training: cancelled, and what it trained is kept the same way
    before = load_checkpoint(ck)
    job = ctl.start_repair_training(5.0, steps=100000, **small)
    qtbot.waitUntil(lambda: job.last_progress is not None and job.last_progress.done >= 3, timeout=120000)
    window.close()
    assert job.state == "cancelled" and not tmp.exists()
    after = load_checkpoint(ck)
    assert after.sha256 != before.sha256 and after.step >= 3
    assert after.card.get("from_checkpoint") == before.sha256  # trained on from the previous one


def _run_telea(qtbot, dlg):
    dlg.editor.canvas.fill_rect(10, 10, 40, 30)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)


def _project_b_with_a_repair(folder):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.apply import repair_file

    make_images(folder, n=2)
    with Project.open(folder) as pb:
        pb.index()
        m = np.zeros((72, 96), bool)
        m[5:15, 5:15] = True
        return repair_file(folder / "a" / "img_000.png", m, method="telea", project=pb, actor="bob").repair_id


def test_switching_project_closes_its_repair_dialogs(qtbot, window, tmp_path, monkeypatch):
    a, b = tmp_path / "A", tmp_path / "B"
    make_images(a, n=2)
    b_repair = _project_b_with_a_repair(b)
    open_and_index(qtbot, window, a)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    _run_telea(qtbot, dlg)
    got = []
    dlg.repaired.connect(got.append)
    pb = open_and_index(qtbot, window, b)
    assert not shiboken6.isValid(dlg) or not dlg.isVisible()  # closed with its project
    assert window.panel_ctl.repair_dialog is None
    assert not got and not window.review.undo_stack.canUndo()
    assert [r.id for i in pb.image_ids() for r in pb.repairs(i)] == [b_repair]


def test_repair_accepted_for_a_closed_project_never_touches_the_open_ones_undo(qtbot, window, tmp_path,
                                                                                 monkeypatch):
    a, b = tmp_path / "A", tmp_path / "B"
    make_images(a, n=2)
    b_repair = _project_b_with_a_repair(b)
    open_and_index(qtbot, window, a)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    _run_telea(qtbot, dlg)
    # a dialog that outlives its project (here: not closed with it) and is accepted afterwards
    monkeypatch.setattr(window.panel_ctl, "close_repair_dialogs", lambda: 0, raising=False)
    pb = open_and_index(qtbot, window, b)
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
    assert got and a in got[0].output_path.parents  # saved in A, the project it was opened for
    assert not window.review.undo_stack.canUndo()  # nothing on B's stack
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.review.undo()
    assert [r.id for i in pb.image_ids() for r in pb.repairs(i)] == [b_repair]
    assert not any(e.action == "unrepair" for i in pb.image_ids() for e in pb.history(i))


def test_two_repair_dialogs_undo_goes_to_the_image_of_the_accepted_one(qtbot, window, tmp_path, monkeypatch):
    make_images(tmp_path / "imgs", n=3)
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    pc = window.panel_ctl
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: pc.record is not None, timeout=5000)
    first_id = pc.record.id
    pc.open_repair()
    dlg1 = pc.repair_dialog
    assert dlg1.wait_loaded()
    window.grid.select_row(1)
    qtbot.waitUntil(lambda: pc.record.id != first_id, timeout=5000)
    pc.open_repair()
    dlg2 = pc.repair_dialog
    assert dlg2 is not dlg1 and dlg2.wait_loaded()
    _run_telea(qtbot, dlg1)
    dlg1.save_repair()
    qtbot.waitUntil(lambda: not dlg1.saving, timeout=15000)  # saved on a worker
    assert window.review.undo_stack.command(0).image_id == first_id
    assert pc.repair_dialog is dlg2  # the one still open
    window.grid.select_row(2)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.review.undo()
    assert project.repairs(first_id) == []
    qtbot.waitUntil(lambda: pc.record is not None and pc.record.id == first_id, timeout=5000)


def test_repair_of_a_multi_page_tiff_is_of_the_page_on_screen(qtbot, window, tmp_path):
    """The dialog repaired page 1 whatever page the viewer showed."""
    import tifffile

    folder = tmp_path / "imgs"
    folder.mkdir()
    frames = np.stack([np.full((64, 80), v, np.uint16) for v in (1000, 30000, 60000)])
    frames[1, 20:30, 20:40] = 65535  # the defect is on page 2
    tifffile.imwrite(folder / "stack.tif", frames, photometric="minisblack")
    project = open_and_index(qtbot, window, folder)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.viewer.frames()[1] == 3, timeout=5000)
    window.viewer.step_frame(+1)
    qtbot.waitUntil(lambda: window.viewer.frames()[0] == 1, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    assert dlg.data.frame == 1 and dlg.data.pixels.max() == 65535
    assert "page 2 of 3" in dlg.windowTitle() and "page 2 of 3" in dlg.status.text()
    dlg.editor.canvas.fill_rect(18, 18, 42, 32)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    assert "page 2 of 3 is repaired; it is saved as its own file" in dlg.status.text()
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
    pages = tifffile.TiffFile(got[0].output_path).pages
    assert len(pages) == 1
    out = pages[0].asarray()
    assert out.max() < 65535 and abs(int(out[5, 5]) - 30000) < 2  # page 2, repaired
    src = project.image_by_path("stack.tif")
    assert project.repairs(src.id)[0].params["frame"] == 1


def test_repair_training_resumes_a_killed_runs_saved_progress(qtbot, window, tmp_path):
    """A GUI training run killed (crash, SIGKILL, power loss) after its periodic saves left
    .llmvis/repair.training.safetensors; the next Image ▸ Train deleted it and started again
    from the starter. It now continues from it (and says so); a damaged leftover, or one
    trained from another starting model, is discarded with a message."""
    import torch  # noqa: F401 - a runtime dependency
    from llmvis_desktop.core.repair.checkpoint import checkpoint_hash, load_checkpoint
    from llmvis_desktop.core.repair.train import train

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ctl = window.panel_ctl
    small = dict(tile=32, batch=2, save_every=0, preview_every=0, report_every=1,
                 config={"width": 8, "dilations": [2, 1]})
    ck = project.root / ".llmvis" / "repair.safetensors"
    tmp = ck.with_name("repair.training.safetensors")
    job = ctl.start_repair_training(5.0, steps=2, **small)  # the project's checkpoint (step 2)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None and _ck_step(ck) == 2
    first = checkpoint_hash(ck)

    # what a run killed at step 3 left: its periodic save, trained from the project's checkpoint
    train(project, steps=3, from_ckpt=ck, out=tmp, device="cpu", **small)
    assert load_checkpoint(tmp).step == 3
    shown = []
    orig = window.statusBar().showMessage
    window.statusBar().showMessage = lambda m, *a: (shown.append(m), orig(m, *a))
    job = ctl.start_repair_training(5.0, steps=2, **small)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None, job.error
    after = load_checkpoint(ck)
    assert after.step == 5  # 3 kept + 2 more, not 2 from the start again
    assert after.card.get("from_checkpoint") == first  # still trained on from the project's checkpoint
    assert not tmp.exists()
    assert any("continu" in m and "step 3" in m for m in shown), shown
    assert "step 3" in window.statusBar().currentMessage()

    # a damaged leftover: discarded, training starts from the project's checkpoint, and it says so
    second = checkpoint_hash(ck)
    tmp.write_bytes(b"\x00" * 100)
    shown.clear()
    job = ctl.start_repair_training(5.0, steps=2, **small)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None, job.error
    after = load_checkpoint(ck)
    assert after.step == 2 and after.card.get("from_checkpoint") == second
    assert any("discarded" in m for m in shown), shown

    # a leftover trained from another model (the project's checkpoint changed since): not taken
    train(project, steps=4, from_ckpt=None, out=tmp, device="cpu", **small)
    third = checkpoint_hash(ck)
    shown.clear()
    job = ctl.start_repair_training(5.0, steps=2, **small)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    after = load_checkpoint(ck)
    assert after.step == 2 and after.card.get("from_checkpoint") == third
    assert any("discarded" in m for m in shown), shown


def test_repair_dialog_zoom_keys_do_not_reach_the_main_window(qtbot, window, tmp_path):
    """Ctrl+= / Ctrl+- are the main window's Larger / Smaller thumbnails: pressed in the
    repair dialog they zoom the dialog's image, and the thumbnails stay as they are."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    folder = tmp_path / "imgs"
    make_images(folder, n=2)
    open_and_index(qtbot, window, folder)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.isActiveWindow(), timeout=5000)
    size = window.grid.thumb_size
    fit = dlg.editor.canvas._target()
    QTest.keyClick(dlg, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert dlg.editor.canvas._target().width() > fit.width()
    assert window.grid.thumb_size == size
    QTest.keyClick(dlg, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dlg.editor.canvas._target() == fit
    dlg.reject()


def test_gui_training_is_refused_while_a_cli_run_trains_the_checkpoint(qtbot, window, tmp_path):
    """`llmvis repair train` locks the checkpoint it writes, but Image ▸ Train repair model
    did not: both trained, and the last to finish replaced the other's model."""
    from llmvis_desktop.core.repair.out_lock import OutputLock

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ck = project.root / ".llmvis" / "repair.safetensors"
    errors = []
    window.show_error = errors.append
    with OutputLock(ck):  # what a CLI run on the project holds
        job = window.panel_ctl.start_repair_training(5.0, steps=2, tile=32, batch=2, save_every=0,
                                                     preview_every=0, config={"width": 8, "dilations": [2, 1]})
        qtbot.waitUntil(lambda: not job.is_active, timeout=60000)
    assert job.error is not None and "is training" in str(job.error), job.error
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)  # the error signal lands after the job ends
    assert f"(pid {os.getpid()})" in errors[0]
    assert not ck.exists()
