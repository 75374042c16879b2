"""A repair dialog open while Image ▸ Train repair model runs: once the training puts a
model at the project's checkpoint, the dialog's next Repair uses it. A dialog opened
before the project had a trained model was given none (the shipped starter) and went on
repairing with the starter until it was closed and opened again."""
from qthelpers import make_images, open_and_index  # noqa: E402

SMALL = dict(tile=32, batch=2, save_every=0, preview_every=0, report_every=1,
             config={"width": 8, "dilations": [2, 1]})


def _open_dialog(qtbot, win):
    win.grid.select_row(0)
    qtbot.waitUntil(lambda: win.panel_ctl.record is not None, timeout=5000)
    win.panel_ctl.open_repair()
    dlg = win.panel_ctl.repair_dialog
    assert dlg is not None and dlg.wait_loaded()
    return dlg


def test_dialog_open_during_first_training_repairs_with_the_trained_model(qtbot, window, tmp_path):
    import torch  # noqa: F401 - a runtime dependency

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ck = project.root / ".llmvis" / "repair.safetensors"
    assert not ck.exists()
    dlg = _open_dialog(qtbot, window)
    assert dlg.checkpoint is None  # the starter: the project has no trained model yet
    job = window.panel_ctl.start_repair_training(5.0, steps=2, **SMALL)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None and ck.is_file()
    qtbot.waitUntil(lambda: dlg.checkpoint == ck, timeout=5000)


def test_dialog_open_during_cancelled_training_gets_what_was_kept(qtbot, window, tmp_path):
    import torch  # noqa: F401 - a runtime dependency

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ck = project.root / ".llmvis" / "repair.safetensors"
    dlg = _open_dialog(qtbot, window)
    ctl = window.panel_ctl
    job = ctl.start_repair_training(5.0, steps=100000, **SMALL)
    qtbot.waitUntil(lambda: job.last_progress is not None and job.last_progress.done >= 3, timeout=120000)
    ctl.jobs.row(str(job.id)).cancel_button.click()
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.state == "cancelled" and ck.is_file()
    qtbot.waitUntil(lambda: dlg.checkpoint == ck, timeout=5000)
    assert "what it trained is kept" in window.statusBar().currentMessage()


def test_a_gan_preview_shown_stays_and_the_dialog_says_the_model_changed(qtbot, window, tmp_path):
    import torch  # noqa: F401 - a runtime dependency

    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ck = project.root / ".llmvis" / "repair.safetensors"
    dlg = _open_dialog(qtbot, window)
    dlg.editor.canvas.fill_rect(10, 10, 30, 30)
    dlg.method.setCurrentIndex(dlg.method.findData("gan"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "gan" in dlg.results, timeout=60000)
    shown = dlg.results["gan"]
    job = window.panel_ctl.start_repair_training(5.0, steps=2, **SMALL)
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    qtbot.waitUntil(lambda: dlg.checkpoint == ck, timeout=5000)
    assert dlg.results.get("gan") is shown  # the preview stays, with its own model's hash
    assert "trained meanwhile" in dlg.status.text() and "Repair again" in dlg.status.text()
