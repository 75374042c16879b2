"""A damaged project checkpoint (``.llmvis/repair.safetensors``) blocked the GAN in the
repair dialog and Image ▸ Train with a message naming the file, but no way forward. Both
now say what to do: delete or rename it, use a classical method, or train a new one."""
from __future__ import annotations

import numpy as np
from PIL import Image

from qthelpers import make_images, open_and_index

import torch  # noqa: E402,F401 - a runtime dependency
import cv2  # noqa: E402,F401 - a runtime dependency


def _break(root):
    ck = root / ".llmvis" / "repair.safetensors"
    ck.parent.mkdir(exist_ok=True)
    ck.write_bytes(b"this is not a safetensors file")
    return ck


def _has_a_way_forward(text: str, ck) -> None:
    assert str(ck) in text
    assert "delete or rename" in text
    assert "Telea" in text and "Navier" in text
    assert "Train repair model" in text and "--from" in text


def test_the_repair_dialog_says_what_to_do_about_a_damaged_project_checkpoint(qtbot, tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 80)).astype(np.uint8)).save(root / "a.png")
    ck = _break(root)
    with Project.open(root) as p:
        p.index()
        dlg = RepairDialog(root / "a.png", p, checkpoint=ck, actor="tester")
        qtbot.addWidget(dlg)
        dlg.editor.canvas.fill_rect(10, 10, 40, 30)
        dlg.method.setCurrentIndex(dlg.method.findData("gan"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: dlg.run_btn.isEnabled(), timeout=30000)
        text = dlg.status.text()
        assert "GAN" in text and "not a readable safetensors checkpoint" in text
        _has_a_way_forward(text, ck)
        dlg.reject()


def test_training_from_a_damaged_project_checkpoint_says_what_to_do(qtbot, window, tmp_path):
    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    ck = _break(project.root)
    errors = []
    window.show_error = lambda text, **kw: errors.append(text)
    job = window.panel_ctl.start_repair_training(0.05, steps=2, tile=32, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    qtbot.waitUntil(lambda: not job.is_active and bool(errors), timeout=60000)
    assert errors[0].startswith("Repair training failed:")
    _has_a_way_forward(errors[0], ck)
    assert ck.read_bytes() == b"this is not a safetensors file"  # left as it was, for the user to decide
