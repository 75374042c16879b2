"""Image ▸ Train repair model with Settings ▸ Device "cuda" on a machine without a GPU
failed with "device 'cuda' asked for, but no CUDA device is available here"; it trains on
the CPU and says why, as the repair dialog does."""
import numpy as np
from PIL import Image

from qthelpers import open_and_index
from repair_dialog_helpers import SHOTS


def test_training_falls_back_to_the_cpu_and_says_so(qtbot, window, tmp_path, monkeypatch):
    import torch

    from llmvis_desktop.core.repair import train as train_mod
    from llmvis_desktop.core.suggest import device as device_mod

    monkeypatch.setattr(device_mod, "available", lambda: ["cpu"])  # this machine: no GPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    used = []
    real = train_mod.train

    def spy(*a, **k):
        used.append(k.get("device"))
        return real(*a, **k)

    monkeypatch.setattr(train_mod, "train", spy)
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (72, 72), dtype=np.uint8)).save(folder / f"c{i}.png")
    project = open_and_index(qtbot, window, folder)
    window.config.device = "cuda"
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    job = window.panel_ctl.start_repair_training(5.0, steps=2, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None, job.error
    assert used == ["cpu"]
    assert (project.root / ".llmvis" / "repair.safetensors").is_file()
    said = [m for m in messages if "is trained on the CPU" in m]
    assert said and said[0].startswith("Device 'cuda' is not available") and "Settings" in said[0]
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Repair model trained"), timeout=10000)
    assert "is trained on the CPU" in bar.currentMessage()  # the end's line says it too, before the path
    assert "on the CPU" in job.done_text
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "hhrepair3_training_on_cpu.png"))
