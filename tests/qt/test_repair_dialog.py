"""Mask editor + repair dialog: paint, repair in the background (all engines side by
side), compare, accept -> a new file in repaired/ with provenance; screenshots."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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
        reps = p.repairs(p.image_by_path("brick.png").id)
        assert len(reps) == 1 and reps[0].params["detail"] == 0.5 and reps[0].params["seed"] == 5
        saved = np.asarray(Image.open(dlg.result.output_path))
        assert np.array_equal(saved, dlg.results["telea"].pixels)
