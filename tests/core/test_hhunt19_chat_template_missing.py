"""A chat model whose folder has no chat template (an early LLaVA conversion, a template
file left behind in a copy) is refused when it loads, the message naming its folder and
what is missing. It loaded, and every caption or question then failed with transformers'
"Cannot use apply_chat_template because this processor does not have a chat template.",
naming neither the model nor what to do."""
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


def _without_template(src, dst):
    shutil.copytree(src, dst)
    for p in list(dst.iterdir()):
        if p.name.startswith("chat_template"):
            p.unlink()
        elif p.suffix == ".json":
            cfg = json.loads(p.read_text())
            if isinstance(cfg, dict) and cfg.pop("chat_template", None) is not None:
                p.write_text(json.dumps(cfg))
    return dst


@pytest.fixture(scope="module")
def llava(tmp_path_factory):
    return tiny_models.build_llava(tmp_path_factory.mktemp("tmpl_models") / "tiny-llava")


@pytest.mark.parametrize("role", ["caption", "answer"])
def test_a_chat_model_without_a_template_is_refused_at_load_naming_its_folder(llava, tmp_path, role):
    folder = _without_template(llava, tmp_path / "llava-no-template")
    info = inspect_folder(folder)
    with pytest.raises(ModelRefused) as err:
        eng = engines.engine_class(role)(info, "cpu")
        from PIL import Image

        im = Image.new("RGB", (24, 20))  # (the old code loaded it: the first call failed)
        eng.caption([im]) if role == "caption" else eng.answer([im], "is there a scratch?")
    text = str(err.value)
    assert text.startswith(f"{folder}: ") and "chat template" in text
    assert "chat_template.jinja" in text
    eng = engines.engine_class(role)(inspect_folder(llava), "cpu")  # with its template: loads
    assert eng.loaded is not None
    eng.unload()

