"""The repair dialog when the GPU runs out of memory: the preview finishes on the CPU, the
status line says so and why, and the accepted repair is recorded as made on the CPU (the
dialog said "Repair failed: CUDA out of memory", and nothing could be repaired).

The "meta" device stands in for the GPU (see tests/core/test_hhrepair2_gpu_oom.py)."""
import numpy as np
import torch

from repair_dialog_helpers import SHOTS, brick_project_fixture  # noqa: F401 - the brick_project fixture

GPU = "meta"


class _FullGpu(torch.nn.Module):
    def forward(self, x, m):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_the_dialog_says_the_cpu_finished_and_records_it(qtbot, brick_project, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import apply as apply_mod
    from llmvis_desktop.core.repair import inference, train
    from llmvis_desktop.core.repair.networks import build_generator
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    torch.manual_seed(0)
    gen = build_generator({"arch": "gated-unet-v1", "width": 8, "dilations": [2, 1]}).eval()
    real = inference.generator_on
    monkeypatch.setattr(inference, "generator_on", lambda g, d: _FullGpu() if d == GPU else real(g, d))
    monkeypatch.setattr(apply_mod, "load_engine", lambda checkpoint=None: (gen, "f" * 64))
    monkeypatch.setattr(train, "resolve_device", lambda device="auto": GPU if device == "auto" else device)
    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        dlg.run_repair()
        qtbot.waitUntil(lambda: "gan" in dlg.results or "failed" in dlg.status.text(), timeout=30000)
        text = dlg.status.text()
        assert "failed" not in text
        assert "ran out of memory" in text and "the repair finished on the CPU" in text
        SHOTS.mkdir(exist_ok=True)
        dlg.grab().save(str(SHOTS / "repair_dialog_gpu_oom.png"))
        got = []
        dlg.repaired.connect(got.append)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=30000)
        assert got, dlg.status.text()
        (rec,) = p.repairs(p.image_by_path("brick.png").id)
        assert rec.params["device"] == "cpu"  # where the saved pixels were made
        assert np.array_equal(np.asarray(got[0].pixels), dlg.results["gan"].pixels)
