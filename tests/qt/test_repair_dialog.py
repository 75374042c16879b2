"""The repair dialog runs its repairs in the background (all engines side by side) and
shows their results: what the result is made with (checkpoint, texture detail), how it
is rendered (alpha, a DICOM's VOI LUT), and a repair that a mask edit or a close makes
stale; screenshots."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication

import torch  # noqa: E402 - a runtime dependency: missing means a broken install
import cv2  # noqa: E402,F401 - a runtime dependency

from repair_dialog_helpers import SHOTS, brick_project_fixture  # noqa: F401 - the brick_project fixture


@pytest.fixture
def small_ckpt(tmp_path):
    """The shipped starter (so the screenshot shows the real engine), else a random tiny one."""
    from llmvis_desktop.core.repair import STARTER_CHECKPOINT
    from llmvis_desktop.core.repair.checkpoint import save_checkpoint
    from llmvis_desktop.core.repair.networks import build_generator

    if STARTER_CHECKPOINT.is_file():
        return STARTER_CHECKPOINT
    torch.manual_seed(0)
    cfg = {"arch": "gated-unet-v1", "width": 8, "dilations": [2, 1]}
    return save_checkpoint(tmp_path / "small.safetensors", cfg, build_generator(cfg).state_dict())


def test_repair_dialog_flow(qtbot, brick_project, small_ckpt):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    torch.set_num_threads(1)
    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, checkpoint=small_ckpt, actor="tester")
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        dlg.side_by_side.setChecked(True)
        dlg.run_repair()
        qtbot.waitUntil(lambda: len(dlg.results) == 3, timeout=15000)
        assert dlg.accept_btn.isEnabled()
        want = "the CPU" if not torch.cuda.is_available() else "the GPU"
        assert f"The GAN ran on {want}" in dlg.status.text()  # device auto: CUDA when there is one
        for k in ("gan", "telea", "ns"):
            assert not dlg.thumbs[k].pixmap().isNull()
        dlg.slider.setValue(35)
        SHOTS.mkdir(exist_ok=True)
        dlg.grab().save(str(SHOTS / "repair_dialog.png"))  # GAN result
        dlg.method.setCurrentIndex(1)  # Telea
        got = []
        dlg.repaired.connect(got.append)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
        assert got and got[0].output_path.is_file()
        src = p.image_by_path("brick.png")
        reps = p.repairs(src.id)
        assert len(reps) == 1 and reps[0].engine == "telea" and reps[0].output_image_id is not None
        out = np.asarray(Image.open(got[0].output_path))
        orig = np.asarray(Image.open(brick_project / "brick.png"))
        assert out[60:66, 30:170].mean() < 200 < orig[60:66, 30:170].mean()  # scratch gone
        assert np.array_equal(out[:50], orig[:50])


def test_repair_dialog_texture_detail_is_used_and_recorded(qtbot, brick_project):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import DEFAULT_DETAIL
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        assert dlg.detail.value() == DEFAULT_DETAIL and dlg.seed.value() == 0
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        first = dlg.results["telea"].pixels.copy()
        dlg.detail.setValue(0.5)  # a new setting invalidates the preview
        assert not dlg.results and not dlg.accept_btn.isEnabled()
        dlg.seed.setValue(5)
        dlg.run_repair()
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        assert not np.array_equal(first, dlg.results["telea"].pixels)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
        reps = p.repairs(p.image_by_path("brick.png").id)
        assert len(reps) == 1 and reps[0].params["detail"] == 0.5 and reps[0].params["seed"] == 5
        saved = np.asarray(Image.open(dlg.result.output_path))
        assert np.array_equal(saved, dlg.results["telea"].pixels)


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_repair_dialog_after_is_rendered_like_before(qtbot, tmp_path, mode):
    """RGBA: "before" was composited on white, "after" drawn without alpha; gray + alpha:
    "after" was an invalid 0x0 image."""
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    rng = np.random.default_rng(3)
    chans = 2 if mode == "LA" else 4
    px = rng.integers(0, 255, (72, 96, chans)).astype(np.uint8)
    px[..., -1] = 255
    px[:20, :30, -1] = 0  # transparent corner
    px[50:, 60:, -1] = 100  # half-transparent
    Image.fromarray(px, mode).save(tmp_path / "a.png")
    dlg = RepairDialog(tmp_path / "a.png", None)
    qtbot.addWidget(dlg)
    dlg.editor.canvas.fill_rect(35, 25, 55, 40)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    before, after = dlg.view.before, dlg.view.after
    assert after is not None and not after.isNull()
    assert (after.width(), after.height(), after.format()) == (before.width(), before.height(), before.format())
    for x, y in [(2, 2), (80, 65), (90, 10), (10, 60)]:  # outside the mask: the same pixel
        assert after.pixel(x, y) == before.pixel(x, y), (x, y)
    res = dlg.results["telea"].pixels
    assert np.array_equal(res[..., -1], px[..., -1])  # alpha kept


@pytest.fixture
def gated_repair(monkeypatch):
    """Holds every background repair in its worker until ``gate.set()`` (the test decides
    when a running job may end); returns the gate."""
    import threading

    from llmvis_desktop.core.repair import apply

    real = apply.repair_file
    gate = threading.Event()

    def held(*args, **kwargs):
        if not kwargs.get("save", True):
            assert gate.wait(30), "the test never released the repair"
        return real(*args, **kwargs)

    monkeypatch.setattr(apply, "repair_file", held)
    yield gate
    gate.set()  # never leave a worker waiting


def _wait_unprocessed(cond, timeout=15.0):
    """Wait for ``cond`` without running the event loop (queued signals stay queued)."""
    import time

    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout
        time.sleep(0.01)


def test_repair_dialog_mask_edit_during_repair_discards_its_results(qtbot, brick_project, gated_repair):
    """Pixels computed from an old mask are never shown as current nor saved with a new
    mask as provenance: any edit of the mask (or the settings) while a repair runs, or
    before its results arrive, invalidates them."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))

        # 1. the mask is edited while the repair runs
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)  # mask A: the scratch
        dlg.run_repair()
        job = dlg._job
        qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
        dlg.editor.canvas.clear()
        dlg.editor.canvas.fill_rect(10, 120, 60, 150)  # mask B, elsewhere
        gated_repair.set()
        qtbot.waitUntil(lambda: not job.is_active and dlg.run_btn.isEnabled(), timeout=15000)
        QApplication.sendPostedEvents()  # the job's queued signals, all delivered (was a 50 ms wait)
        assert not dlg.results and not dlg.accept_btn.isEnabled()
        assert "changed" in dlg.status.text() and "again" in dlg.status.text()
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
        assert dlg.result is None and p.repairs(p.image_by_path("brick.png").id) == []

        # 2. the repair has ended in its worker, its results are still on their way: a new
        #    setting (or mask) arrives first
        gated_repair.clear()
        dlg.run_repair()
        job = dlg._job
        qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
        gated_repair.set()
        _wait_unprocessed(lambda: not job.is_active)  # result and finished are queued, not delivered
        dlg.seed.setValue(7)
        qtbot.waitUntil(lambda: dlg.run_btn.isEnabled(), timeout=15000)
        QApplication.sendPostedEvents()  # the job's queued signals, all delivered (was a 50 ms wait)
        assert job.state == "done" and job.result[0].get("telea") is not None  # (results, renderings)
        assert not dlg.results and not dlg.accept_btn.isEnabled()
        assert "run the repair again" in dlg.status.text()

        # 3. a repair of the current mask and settings is accepted with exactly that mask
        dlg.run_repair()
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        assert dlg.accept_btn.isEnabled()
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
        assert dlg.result is not None
        saved_mask = np.asarray(Image.open(dlg.result.mask_path)) > 0
        assert saved_mask[120:150, 10:60].all() and not saved_mask[57:69, 18:182].any()
        out = np.asarray(Image.open(dlg.result.output_path))
        orig = np.asarray(Image.open(brick_project / "brick.png"))
        changed = np.any(out != orig, axis=-1) if out.ndim == 3 else out != orig
        assert not changed[50:80].any() and changed[118:152, 8:62].any()
        assert p.repairs(p.image_by_path("brick.png").id)[0].params["seed"] == 7


@pytest.mark.parametrize("how", ["reject", "close"])
def test_repair_dialog_closed_mid_repair_cancels_its_job(qtbot, brick_project, gated_repair, how):
    """Closing the dialog (Cancel or the window's close button) while a repair runs on the
    window's job manager stops that job, and no handler of the deleted dialog runs when it
    ends (it used to raise "Internal C++ object already deleted")."""
    import shiboken6
    from PySide6.QtCore import Qt

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.workers import JobManager

    jobs = JobManager()
    try:
        with Project.open(brick_project) as p:
            dlg = RepairDialog(brick_project / "brick.png", p, actor="tester", jobs=jobs)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # as the main window opens it
            dlg.show()
            dlg.editor.canvas.fill_rect(18, 57, 182, 69)
            dlg.method.setCurrentIndex(dlg.method.findData("telea"))
            dlg.run_repair()
            job = dlg._job
            qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
            with qtbot.waitSignal(dlg.destroyed, timeout=5000):
                dlg.reject() if how == "reject" else dlg.close()
            assert not shiboken6.isValid(dlg)
            assert job.token.cancelled
            gated_repair.set()
            qtbot.waitUntil(lambda: not job.is_active, timeout=15000)
            QApplication.sendPostedEvents()  # the job's last signals (queued when it ended;
            # was a 100 ms wait, which a loaded machine could outlast): nothing may touch the dialog
            assert job.state == "cancelled"
            assert not jobs.active()
    finally:
        gated_repair.set()
        jobs.shutdown()


def test_repair_dialog_after_of_a_voi_lut_dicom_matches_before_outside_the_mask(qtbot, tmp_path):
    """A DICOM drawn through its VOI LUT has no exact window: "after" was drawn through an
    approximate one, 53 grey levels off everywhere, so the slider showed a jump."""
    from pydicom.data import get_testdata_file

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    import pydicom
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    src = tmp_path / "voi.dcm"
    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm", download=False))  # 16-bit, values 0-4000
    for key in ("WindowCenter", "WindowWidth"):
        if key in ds:
            delattr(ds, key)
    voi = Dataset()
    voi.LUTDescriptor = [4096, 0, 12]
    voi.LUTData = (4095 * (np.arange(4096) / 4095.0) ** 0.4).astype(int).tolist()  # far from a straight window
    voi["LUTData"].VR = "US"
    ds.VOILUTSequence = Sequence([voi])
    ds.save_as(src)
    dlg = RepairDialog(src, None)
    qtbot.addWidget(dlg)
    h, w = dlg.data.pixels.shape[:2]
    dlg.editor.canvas.fill_rect(w // 3, h // 3, w // 3 + 20, h // 3 + 20)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    before, after = dlg.view.before, dlg.view.after
    for x, y in [(2, 2), (w - 3, h - 3), (w // 2, h - 5), (5, h // 2)]:
        assert after.pixel(x, y) == before.pixel(x, y), (x, y)


def test_repair_dialog_records_the_checkpoint_that_made_the_preview(qtbot, brick_project, tmp_path):
    """Accept saved the preview's pixels but hashed the checkpoint file again: when training
    had saved into it meanwhile, the record named a model that did not make the repair."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.checkpoint import checkpoint_hash, save_checkpoint
    from llmvis_desktop.core.repair.networks import build_generator
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    torch.set_num_threads(1)
    cfg = {"arch": "gated-unet-v1", "width": 8, "dilations": [2, 1]}
    torch.manual_seed(0)
    ck = save_checkpoint(tmp_path / "ck" / "a.safetensors", cfg, build_generator(cfg).state_dict(), step=1)
    made_by = checkpoint_hash(ck)
    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, checkpoint=ck, actor="tester")
        qtbot.addWidget(dlg)
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        dlg.run_repair()
        qtbot.waitUntil(lambda: "gan" in dlg.results, timeout=15000)
        torch.manual_seed(1)  # training saves a new model into the same file
        save_checkpoint(ck, cfg, build_generator(cfg).state_dict(), step=200)
        assert checkpoint_hash(ck) != made_by
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)  # saved on a worker
        rep = p.repairs(p.image_by_path("brick.png").id)[0]
        assert rep.engine == "gan" and rep.checkpoint_hash == made_by
        saved = np.asarray(Image.open(dlg.result.output_path))
        assert np.array_equal(saved, dlg.results["gan"].pixels)
