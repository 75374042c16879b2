"""Mask editor + repair dialog: paint, repair in the background (all engines side by
side), compare, accept -> a new file in repaired/ with provenance; screenshots."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication

import torch  # noqa: E402 - a runtime dependency: missing means a broken install
import cv2  # noqa: E402,F401 - a runtime dependency

SHOTS = Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture
def brick_project(tmp_path):
    from skimage import data as sd

    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    img = sd.brick()[:160, 256:456].copy()
    img[60:66, 20:180] = 255  # a bright scratch: the "defect"
    Image.fromarray(img).save(root / "brick.png")
    with Project.open(root) as p:
        p.index()
    return root


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


def test_mask_editor_tools(qtbot, tmp_path):
    from llmvis_desktop.qt.widgets.mask_editor import ERASER, MaskEditor

    ed = MaskEditor(np.full((60, 80), 128, np.uint8))
    qtbot.addWidget(ed)
    ed.canvas.fill_rect(10, 10, 30, 20)
    m = ed.mask()
    assert m.shape == (60, 80) and m.sum() == 20 * 10
    ed.canvas.brush = 4
    ed.canvas.paint_stroke([(50, 40), (70, 40)])
    assert ed.mask()[40, 60]
    ed.set_tool(ERASER)
    ed.canvas.paint_stroke([(50, 40), (70, 40)])
    assert not ed.mask()[40, 60]
    ed.canvas.invert()
    assert ed.mask().sum() == 60 * 80 - m.sum()
    ed.canvas.clear()
    assert not ed.mask().any()
    png = tmp_path / "m.png"
    a = np.zeros((60, 80), np.uint8)
    a[5:9, 5:9] = 255
    Image.fromarray(a).save(png)
    ed.import_mask(png)
    assert ed.mask().sum() == 16
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(ValueError, match="size"):
        ed.import_mask(tmp_path / "small.png")


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


def test_mask_brush_updates_the_overlay_in_place(qtbot, monkeypatch):
    """Every repaint built a new full-resolution overlay image (0.1 s per mouse move at
    4000x4000, 0.5 s at 8000x8000): strokes now update the overlay where they paint, and
    the coverage is counted as they go, yet both always match the mask."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QImage, QMouseEvent

    from llmvis_desktop.qt.widgets import mask_editor
    from llmvis_desktop.qt.widgets.mask_editor import ERASER, MaskEditor

    ed = MaskEditor(np.full((300, 400), 128, np.uint8))
    qtbot.addWidget(ed)
    ed.resize(800, 600)
    ed.show()
    qtbot.waitExposed(ed)
    c = ed.canvas
    made = []

    class CountingImage(QImage):
        def __init__(self, *a):
            super().__init__(*a)
            if self.width() * self.height() >= 300 * 400:
                made.append(self.size())

    monkeypatch.setattr(mask_editor, "QImage", CountingImage)

    def mouse(kind, x, y):
        c.__getattribute__({QEvent.Type.MouseButtonPress: "mousePressEvent", QEvent.Type.MouseMove: "mouseMoveEvent",
                            QEvent.Type.MouseButtonRelease: "mouseReleaseEvent"}[kind])(
            QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier))

    def drag(y, xs):
        mouse(QEvent.Type.MouseButtonPress, xs[0], y)
        for x in xs[1:]:
            mouse(QEvent.Type.MouseMove, x, y)
            c.grab()  # a paint per move, as on screen
        mouse(QEvent.Type.MouseButtonRelease, xs[-1], y)

    drag(300, range(200, 600, 10))
    painted = c.mask().sum()
    ed.set_tool(ERASER)
    drag(300, range(350, 450, 10))
    assert made == []  # no full-size image per move or paint
    assert 0 < c.mask().sum() < painted

    def overlay_matches():
        ov = c._overlay.convertToFormat(QImage.Format.Format_ARGB32)
        alpha = np.frombuffer(ov.constBits(), np.uint8).reshape(ov.height(), ov.bytesPerLine())[:, 3::4]
        return np.array_equal(alpha[:, : ov.width()] > 0, c.mask())

    m = c.mask()
    assert overlay_matches()
    assert ed.coverage.text() == f"mask {100.0 * m.mean():.1f}%"
    c.invert()
    assert overlay_matches() and ed.coverage.text() == f"mask {100.0 * c.mask().mean():.1f}%"
    c.fill_rect(0, 0, 50, 40, value=False)
    assert overlay_matches() and ed.coverage.text() == f"mask {100.0 * c.mask().mean():.1f}%"


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


def test_repair_dialog_status_follows_the_mask_and_tiles_only_side_by_side(qtbot, brick_project):
    """After a repair refused for an empty mask, painting left "the mask is empty" shown
    until Repair was pressed again; three black preview tiles stood under the view with
    "All engines side by side" unchecked."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        dlg.show()
        assert not dlg.side_by_side.isChecked() and not dlg.thumbs_box.isVisible()
        dlg.side_by_side.setChecked(True)
        assert dlg.thumbs_box.isVisible()
        dlg.side_by_side.setChecked(False)
        assert not dlg.thumbs_box.isVisible()
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: "mask is empty" in dlg.status.text(), timeout=15000)
        qtbot.waitUntil(lambda: dlg.run_btn.isEnabled(), timeout=5000)
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        assert "empty" not in dlg.status.text() and "Repair" in dlg.status.text()
        dlg.editor.canvas.invert()
        dlg.editor.canvas.invert()
        assert "empty" not in dlg.status.text()


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


def test_repair_dialog_fits_a_1024_px_screen(qtbot, brick_project):
    """The mask tools and the engine settings were one row each: the dialog could not be
    narrower than 1175 px. At 1000 px every tool and setting is shown whole."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.minimumSizeHint().width() <= 1000
    dlg.resize(1000, 640)
    qtbot.wait(20)
    assert dlg.width() <= 1000
    inside = QRect(0, 0, dlg.width(), dlg.height())
    from PySide6.QtWidgets import QWidget

    for w in dlg.findChildren(QWidget):
        if w.isVisible() and isinstance(w, (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider)):
            box = QRect(w.mapTo(dlg, w.rect().topLeft()), w.size())
            assert inside.contains(box), (w.text() if hasattr(w, "text") else w, box)
            assert w.width() >= w.minimumSizeHint().width(), w


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


def test_mask_edits_undo_and_redo_in_the_repair_dialog(qtbot, brick_project):
    """Ctrl+Z in the repair dialog did nothing: a Clear, an Invert or an eraser slip lost
    the mask painted so far."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.widgets.mask_editor import ERASER

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        with qtbot.waitActive(dlg):
            dlg.show()
            dlg.activateWindow()
        canvas = dlg.editor.canvas
        canvas.fill_rect(18, 57, 182, 69)
        painted = dlg.editor.mask().copy()
        canvas.brush = 6
        canvas.paint_stroke([(30, 20), (90, 20)])
        stroked = dlg.editor.mask().copy()
        dlg.editor.set_tool(ERASER)
        canvas.paint_stroke([(20, 60), (150, 60)])  # a slip
        canvas.invert()
        canvas.clear()
        assert not dlg.editor.mask().any()
        dlg.run_btn.setFocus()  # anywhere in the dialog
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        for _ in range(3):  # clear, invert, the eraser slip
            QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl)
        assert np.array_equal(dlg.editor.mask(), stroked)
        assert dlg.editor.coverage.text() == f"mask {100.0 * stroked.mean():.1f}%"
        QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl)
        assert np.array_equal(dlg.editor.mask(), painted)
        QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl | shift)
        assert np.array_equal(dlg.editor.mask(), stroked)
        canvas.paint_stroke([(20, 100), (150, 100)])  # a new edit drops what could be redone
        assert not canvas.can_redo() and canvas.can_undo()


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
        dlg = _telea_preview(qtbot, brick_project, p)
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


def _telea_preview(qtbot, folder, project):
    """The dialog on brick.png with a Telea repair of a painted band, ready to accept."""
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(folder / "brick.png", project, actor="tester")
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.editor.canvas.fill_rect(18, 57, 182, 69)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results and dlg.run_btn.isEnabled(), timeout=15000)
    return dlg


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
        dlg = _telea_preview(qtbot, brick_project, p)
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
        dlg = _telea_preview(qtbot, brick_project, p)
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


def test_repair_dialog_status_is_never_clipped(qtbot, brick_project):
    """With the engines side by side the status (the result, or why a save failed) was cut
    through its first and last lines; made whole, it overlapped the rows above it (the
    view drawn over the slider) when the dialog was not tall: its minimum height was one line."""
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.editor.canvas.fill_rect(18, 57, 182, 69)
    dlg.side_by_side.setChecked(True)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: len(dlg.results) == 3 and dlg.run_btn.isEnabled(), timeout=60000)
    long = ("Not saved: cannot save /a/rather/long/path/to/a/read/only/share/repaired/brick.repaired.png: "
            "read-only file system; nothing was written. Choose another output folder (the repair_output "
            "setting) and Accept again, or Save to… another folder.")
    for text in (dlg.status.text(), long):
        dlg.status.setText(text)
        for _ in range(3):  # the layout is redone from posted events
            QApplication.processEvents()
        dlg.resize(dlg.width(), 400)  # as small as the dialog can be made (a small screen, the user)
        for _ in range(3):
            QApplication.processEvents()
        s = dlg.status
        assert s.height() >= s.heightForWidth(s.width()), (s.height(), s.heightForWidth(s.width()), text)
        assert s.height() >= 2 * s.fontMetrics().lineSpacing()
        assert s.geometry().bottom() < s.parentWidget().height()
        # and nothing above it was squeezed under the next row to make room for it
        assert s.geometry().top() > dlg.thumbs_box.geometry().bottom()
        assert dlg.view.geometry().bottom() < dlg.slider.geometry().top()
    dlg.grab().save(str(SHOTS / "repair_dialog_long_status.png"))


def test_import_mask_dialog_lists_jpeg_masks_and_starts_near_the_image(qtbot, brick_project, tmp_path,
                                                                        monkeypatch):
    """Import… listed only PNG/TIFF/BMP (a JPEG mask from another tool, which the CLI takes,
    was hidden) and opened in the process's working folder. It lists JPEG/WebP and all
    files, starts in the image's repaired/.masks (an earlier repair's masks) when there is
    one, else the image's folder, and then in the folder a mask was last imported from."""
    from PySide6.QtWidgets import QFileDialog

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    monkeypatch.setattr(MaskEditor, "last_import_dir", None, raising=False)  # nothing imported yet
    other = tmp_path / "exported"
    other.mkdir()
    a = np.zeros((160, 200), np.uint8)
    a[60:66, 20:180] = 255
    Image.fromarray(a).save(other / "brick_mask.jpg", quality=95)
    asked, answer = [], []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, caption, start, filt, *x, **k: asked.append((start, filt)) or (answer[0], ""))

    def import_via(dlg, path):
        answer[:] = [str(path)]
        dlg.editor.import_dialog()
        return asked[-1]

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    start, filt = import_via(dlg, "")  # cancelled
    assert Path(start) == brick_project
    for ext in ("*.png", "*.tif", "*.jpg", "*.jpeg", "*.webp", "All files (*)"):
        assert ext in filt
    masks = brick_project / "repaired" / ".masks"
    masks.mkdir(parents=True)
    start, _ = import_via(dlg, "")
    assert Path(start) == masks  # an earlier repair's masks are there
    import_via(dlg, other / "brick_mask.jpg")
    assert dlg.editor.mask().sum() >= 6 * 160 * 0.9  # the JPEG mask is loaded
    dlg2 = RepairDialog(brick_project / "brick.png")  # another dialog, later
    qtbot.addWidget(dlg2)
    start, _ = import_via(dlg2, "")
    assert Path(start) == other  # where the last mask came from


def _wheel(widget, pos, notches, ctrl=True):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    mods = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    ev = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_repair_dialog_zooms_and_pans_the_editor_and_the_view_together(qtbot, brick_project):
    """The mask editor and the before/after view always fit the whole image: a thin defect
    on a large image could not be painted precisely nor the repair inspected. The wheel
    (or Ctrl+wheel) zooms about the cursor, Ctrl+= / Ctrl+- / Ctrl+0 (fit) zoom from the keys, the middle
    button or Space + drag pans; the before/after view follows the editor."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    cv, view = dlg.editor.canvas, dlg.view
    fit_cv = cv._target()
    h, w = dlg.data.display.shape[:2]
    fit_view = min(view.width() / w, view.height() / h) * w  # the width the image is drawn at, fit
    at = QPoint(int(fit_cv.x() + fit_cv.width() * 0.3), int(fit_cv.y() + fit_cv.height() * 0.6))
    under = cv.to_image(QPointF(at))

    _wheel(cv, at, 3)
    t = cv._target()
    assert t.width() > fit_cv.width() * 1.8
    moved = cv.to_image(QPointF(at))
    assert abs(moved.x() - under.x()) < 0.5 and abs(moved.y() - under.y()) < 0.5  # about the cursor
    assert view._target().width() > fit_view * 1.8  # the view follows
    _wheel(cv, at, -3, ctrl=False)  # the plain wheel zooms too (as in the main window's viewer)
    assert cv._target() == fit_cv
    _wheel(cv, at, 3, ctrl=False)
    assert cv._target() == t

    # painting lands on the image pixel under the cursor, zoomed
    cv.brush = 1
    QTest.mouseClick(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    m = dlg.editor.mask()
    assert m.sum() >= 1 and m[int(under.y()), int(under.x())]

    # the middle button drags the image: the point grabbed stays under the cursor
    grab, to = QPoint(at), QPoint(at.x() + 40, at.y() + 25)
    before = cv.to_image(QPointF(grab))
    QTest.mousePress(cv, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, grab)
    QTest.mouseMove(cv, to)
    QTest.mouseRelease(cv, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, to)
    after = cv.to_image(QPointF(to))
    assert abs(after.x() - before.x()) < 0.5 and abs(after.y() - before.y()) < 0.5
    assert dlg.editor.mask().sum() == m.sum()  # panning paints nothing

    # Space held + the left button drags too (and paints nothing)
    cv.setFocus()
    QTest.keyPress(cv, Qt.Key.Key_Space)
    before = cv.to_image(QPointF(to))
    QTest.mousePress(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to)
    QTest.mouseMove(cv, grab)
    QTest.mouseRelease(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
    QTest.keyRelease(cv, Qt.Key.Key_Space)
    after = cv.to_image(QPointF(grab))
    assert abs(after.x() - before.x()) < 0.5 and abs(after.y() - before.y()) < 0.5
    assert dlg.editor.mask().sum() == m.sum()

    # the keys, in the dialog's window
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.isActiveWindow(), timeout=5000)
    QTest.keyClick(dlg, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert cv._target() == fit_cv and abs(view._target().width() - fit_view) < 1e-6
    QTest.keyClick(dlg, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert cv._target().width() > fit_cv.width() * 1.2
    QTest.keyClick(dlg, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert abs(cv._target().width() - fit_cv.width()) < 1e-6
    dlg.grab().save(str(SHOTS / "repair_dialog_zoomed.png"))


def test_repair_dialog_says_when_the_mask_looks_inverted(qtbot, brick_project, tmp_path):
    """An inverted mask imported in the dialog (defect black on white) was taken silently:
    Repair rewrote nearly all of the image."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        h, w = dlg.editor.mask().shape
        inverted = np.full((h, w), 255, np.uint8)
        inverted[10:20, 10:30] = 0
        Image.fromarray(inverted).save(tmp_path / "inv.png")
        dlg.editor.import_mask(tmp_path / "inv.png")
        assert "inverted?" in dlg.status.text() and "% of the image" in dlg.status.text()
        dlg.editor.canvas.clear()
        dlg.editor.canvas.fill_rect(10, 10, 30, 20)
        assert "inverted?" not in dlg.status.text()
        dlg.close()
