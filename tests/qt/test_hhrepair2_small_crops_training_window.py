"""Image ▸ Train repair model on a project of small defect crops (40x50): it trains (on
40-pixel tiles) instead of failing with "no training image is at least 64x64 pixels",
which the window, with no tile to set, could do nothing about."""
import numpy as np
from PIL import Image

from qthelpers import open_and_index


def test_the_window_trains_on_small_crops(qtbot, window, tmp_path):
    import json

    import torch  # noqa: F401 - a runtime dependency

    folder = tmp_path / "crops"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (40, 50), dtype=np.uint8)).save(folder / f"c{i}.png")
    project = open_and_index(qtbot, window, folder)
    job = window.panel_ctl.start_repair_training(5.0, steps=2, batch=2, save_every=0, preview_every=0,
                                                 config={"width": 8, "dilations": [2, 1]})
    qtbot.waitUntil(lambda: not job.is_active, timeout=120000)
    assert job.error is None, job.error
    ck = project.root / ".llmvis" / "repair.safetensors"
    assert ck.is_file() and json.loads(ck.with_suffix(".json").read_text())["tile"] == 40
