"""Training on a project of small defect crops (here 40x50): no image holds the default
64-pixel tile. The window's training, which has no tile to set, failed with "no training
image is at least 64x64 pixels" and could not train at all; it now trains on the largest
tile the images hold (tile=None). A tile asked for (--tile 64) is kept, and its refusal
says which tile fits."""
import json

import numpy as np
import pytest

from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair.train import train

from repair_helpers import one_torch_thread  # noqa: F401 - autouse fixture

SMALL = {"width": 8, "dilations": [2, 1]}


def _crops(n=3, shape=(40, 50)):
    return [np.random.default_rng(i).integers(0, 255, shape, dtype=np.uint8) for i in range(n)]


def test_no_tile_given_trains_on_the_tile_the_crops_hold(tmp_path):
    out = tmp_path / "ck.safetensors"
    res = train(_crops(), steps=2, out=out, device="cpu", tile=None, batch=2, config=SMALL, save_every=0)
    assert res.step == 2 and out.is_file()
    assert json.loads(out.with_suffix(".json").read_text())["tile"] == 40


def test_no_tile_given_keeps_64_where_the_images_hold_it(tmp_path):
    out = tmp_path / "ck.safetensors"
    train(_crops(shape=(70, 90)), steps=1, out=out, device="cpu", tile=None, batch=2, config=SMALL, save_every=0)
    assert json.loads(out.with_suffix(".json").read_text())["tile"] == 64


def test_a_tile_too_large_is_refused_with_the_one_that_fits(tmp_path):
    with pytest.raises(RepairError, match=r"no training image is at least 64x64 pixels; --tile 40 fits the largest"):
        train(_crops(), steps=1, out=tmp_path / "ck.safetensors", device="cpu", tile=64, batch=2, config=SMALL)
    with pytest.raises(RepairError, match=r"at least 16x16 pixels; the smallest training tile is 16"):
        train(_crops(shape=(12, 30)), steps=1, out=tmp_path / "ck.safetensors", device="cpu", tile=16,
              batch=2, config=SMALL)
