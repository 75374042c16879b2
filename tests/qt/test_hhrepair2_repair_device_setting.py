"""Image ▸ Repair defect… runs the GAN on the Settings' Device, as suggestions and the
repair training do: the dialog always asked for "auto" (CUDA when there is one, else the
CPU), so Device "cpu" (a GPU kept for suggestions, or a driver that fails) still ran it on
the GPU, and Device "mps" on a Mac ran it on the CPU."""
import numpy as np
from PIL import Image

from qthelpers import open_and_index
from repair_dialog_helpers import SHOTS


def _repaired_on(qtbot, window, tmp_path, monkeypatch, configured: str, machine: list):
    """The devices the dialog asked repair_file for, with the Settings' Device ``configured``
    on a machine that has the devices ``machine``; and the dialog's status line."""
    from llmvis_desktop.core.repair import apply as apply_mod
    from llmvis_desktop.core.suggest import device as device_mod

    monkeypatch.setattr(device_mod, "available", lambda: list(machine))
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
    window.config.device = configured
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
    text = dlg.status.text()
    SHOTS.mkdir(exist_ok=True)
    dlg.grab().save(str(SHOTS / f"repair_dialog_device_{configured}.png"))
    dlg.reject()
    return asked, text


def test_the_repair_dialog_uses_the_configured_device(qtbot, window, tmp_path, monkeypatch):
    asked, _text = _repaired_on(qtbot, window, tmp_path, monkeypatch, "mps", ["mps", "cpu"])
    assert asked == ["mps"]


def test_a_configured_device_the_machine_lacks_falls_back_to_the_cpu_and_says_so(qtbot, window, tmp_path,
                                                                                  monkeypatch):
    asked, text = _repaired_on(qtbot, window, tmp_path, monkeypatch, "cuda", ["cpu"])
    assert asked == ["cpu"]
    assert "'cuda' is not available here" in text and "the GAN ran on the CPU (Settings" in text


def test_the_apple_gpu_is_named_in_words():
    from llmvis_desktop.qt.dialogs.repair_dialog import _device_name

    assert _device_name("mps") == "the Apple GPU (mps)" and _device_name("cpu") == "the CPU"
