"""Image ▸ Repair defect… runs the GAN on the Settings' Device, as suggestions and the
repair training do: the dialog always asked for "auto" (CUDA when there is one, else the
CPU), so Device "cpu" (a GPU kept for suggestions, or a driver that fails) still ran it on
the GPU, and Device "mps" on a Mac ran it on the CPU."""
import numpy as np
from PIL import Image

from qthelpers import open_and_index


def test_the_repair_dialog_uses_the_configured_device(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.repair import apply as apply_mod

    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (64, 80), dtype=np.uint8)).save(folder / "a.png")
    asked = []
    real = apply_mod.repair_file

    def spy(*args, **kwargs):  # what the dialog asks for; run on this machine's CPU
        asked.append(kwargs.get("device", "auto"))
        return real(*args, **{**kwargs, "device": "cpu"})

    monkeypatch.setattr(apply_mod, "repair_file", spy)
    open_and_index(qtbot, window, folder)
    window.config.device = "mps"
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.act_repair.trigger()
    qtbot.waitUntil(lambda: window.panel_ctl.repair_dialog is not None, timeout=5000)
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    dlg.editor.canvas.fill_rect(10, 10, 40, 30)
    dlg.run_repair()
    qtbot.waitUntil(lambda: "gan" in dlg.results or "failed" in dlg.status.text(), timeout=30000)
    assert "gan" in dlg.results, dlg.status.text()
    assert asked == ["mps"]
    dlg.reject()


def test_the_apple_gpu_is_named_in_words():
    from llmvis_desktop.qt.dialogs.repair_dialog import _device_name

    assert _device_name("mps") == "the Apple GPU (mps)" and _device_name("cpu") == "the CPU"
