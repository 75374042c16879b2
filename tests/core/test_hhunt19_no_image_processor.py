"""A model folder with no image processor settings (preprocessor_config.json, or the
image_processor part of processor_config.json) is refused when it loads in plain words,
naming its folder and the files: it said "Can't load image processor for '...'. If you
were trying to load it from 'https://huggingface.co/models', make sure you don't have a
local directory with the same name", about a website an offline tool never reaches."""
from __future__ import annotations

import json
import shutil

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import engines
from llmvis_desktop.core.suggest.discovery import ModelRefused, inspect_folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("improc_models")
    return {"blip": tiny_models.build_blip(base / "tiny-blip"), "clip": tiny_models.build_clip(base / "tiny-clip")}


def _strip_image_processor(folder):
    (folder / "preprocessor_config.json").unlink(missing_ok=True)
    proc = folder / "processor_config.json"
    if proc.is_file():
        cfg = json.loads(proc.read_text())
        cfg.pop("image_processor", None)
        proc.write_text(json.dumps(cfg))


@pytest.mark.parametrize("key, role", [("blip", "caption"), ("clip", "label")])
def test_no_image_processor_settings_is_refused_in_plain_words(built, tmp_path, key, role):
    folder = tmp_path / f"{key}-no-image-processor"
    shutil.copytree(built[key], folder)
    _strip_image_processor(folder)
    with pytest.raises(ModelRefused) as err:
        engines.engine_class(role)(inspect_folder(folder), "cpu")
    text = str(err.value)
    assert text.startswith(f"{folder}: no image processor settings") and "preprocessor_config.json" in text
    assert "huggingface.co" not in text and "\n" not in text
    eng = engines.engine_class(role)(inspect_folder(built[key]), "cpu")  # whole: it loads
    assert eng.loaded is not None
    eng.unload()
