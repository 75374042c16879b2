"""Line-scan strips (20x20000, 60000x300) as the models see them.

Before, a 20x20000 strip reached the model as a 1x1024 sliver (the reader's shrink to a
1024-px longest side), which the processor then stretched to its square input: the
suggestion described noise. A strip is now cut into pieces laid side by side (or
stacked), a square-ish image holding the whole strip undistorted, and each
suggestion's parameters say so (``model_input``).
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.reading import read_files


def _strip(path, w, h):
    """An RGB strip whose red channel counts rows along its long side (mod 256)."""
    along = np.arange(max(w, h)) % 256
    a = np.zeros((h, w, 3), np.uint8)
    if h >= w:
        a[..., 0] = along[:, None]
    else:
        a[..., 0] = along[None, :]
    a[..., 1] = 90
    Image.fromarray(a).save(path)
    return path


@pytest.mark.parametrize("w,h", [(20, 20000), (20000, 20)])
def test_a_thin_strip_reaches_the_model_folded_not_as_a_sliver(tmp_path, w, h):
    p = _strip(tmp_path / "s.png", w, h)
    (im, err), = read_files([str(p)], None, 1024, None)
    assert err is None
    # the whole strip, undistorted: 32 pieces of 20x625 side by side (or stacked)
    assert sorted(im.size) == [625, 640], im.size
    view = im.info["model_input"]
    assert view["pieces"] == 32 and view["source_px"] == [w, h] and view["input_px"] == list(im.size)
    a = np.asarray(im)
    if h > w:  # piece 2 (columns 20-39) goes on from row 625 of the strip
        assert a[0, 20, 0] == 625 % 256 and a[624, 0, 0] == 624 % 256
    else:
        assert a[20, 0, 0] == 625 % 256 and a[0, 624, 0] == 624 % 256


def test_a_plain_photo_is_not_folded(tmp_path):
    p = tmp_path / "photo.png"
    Image.new("RGB", (300, 100), (1, 2, 3)).save(p)  # 3:1, a panorama at most
    (im, err), = read_files([str(p)], None, 1024, None)
    assert im.size == (300, 100) and im.info["model_input"] == {"input_px": [300, 100]}


def test_a_big_strip_is_shrunk_before_it_is_folded(tmp_path):
    p = tmp_path / "big.png"
    Image.new("L", (1000, 40000), 128).save(p)  # 40:1
    (im, err), = read_files([str(p)], None, 1024, None)
    assert err is None and max(im.size) <= 1024 and min(im.size) >= 700, im.size
    assert im.info["model_input"]["pieces"] == 6


@pytest.mark.parametrize("read_processes", [0, 1])
def test_the_job_says_what_the_model_saw(tmp_path, tiny, worker, read_processes):
    folder = tmp_path / "web"
    folder.mkdir()
    _strip(folder / "strip.png", 20, 20000)
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "photo.png")
    project = tiny_models.labelled_project(folder, ["scratch", "ok"])
    run_suggest(project, tiny["blip"], tiny["clip"], worker=worker, read_processes=read_processes)
    by_name = {}
    for s in tiny_models.all_suggestions(project):
        by_name.setdefault(project.image(s.image_id).name, []).append(s)
    assert {s.kind for s in by_name["strip.png"]} == {"caption", "label"}
    for s in by_name["strip.png"]:
        view = s.params["model_input"]
        assert view["pieces"] == 32 and view["source_px"] == [20, 20000] and view["arranged"] == "side by side"
    for s in by_name["photo.png"]:
        assert "pieces" not in s.params["model_input"]


def test_ask_the_image_says_what_the_model_saw(tmp_path, tiny, worker):
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.batch import ask_image

    folder = tmp_path / "web"
    folder.mkdir()
    _strip(folder / "strip.png", 20000, 20)
    project = tiny_models.labelled_project(folder, [])
    (image_id,) = project.image_ids()
    row = ask_image(project, image_id, inspect_folder(tiny["llava"]), "is there a defect?", worker=worker, store=False)
    assert row.params["model_input"]["pieces"] == 32 and row.params["model_input"]["arranged"] == "stacked"
