"""The window's learned suggester learns from the project's ``learned_encoder`` (a CLIP or
SigLIP folder, `llmvis settings FOLDER learned_encoder PATH`): it was always built on the
handcrafted features, so the issue's "or a local CLIP/SigLIP encoder's embeddings" could
not be had in the window."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmvis_desktop.core import user_settings as us
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.learned_holder import LearnedHolder

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def test_the_holder_builds_the_suggester_on_the_projects_encoder(tmp_path):
    clip = tiny_models.build_clip(tmp_path / "tiny-clip")
    with Project.open(tiny_models.image_folder(tmp_path / "imgs", 2)) as p:
        p.index()
        default = LearnedHolder(p).get().model_id  # the handcrafted features
        assert not default.startswith("learned:clip:")
        us.change(p, "learned_encoder", str(clip))
        sugg = LearnedHolder(p).get()
        assert sugg.model_id.startswith("learned:clip:tiny-clip-") and sugg.model_id != default
        assert sugg.extractor.model_path == clip.resolve()


def test_an_encoder_gone_since_is_refused_naming_its_folder(tmp_path):
    from llmvis_desktop.core.suggest.discovery import ModelRefused

    clip = tiny_models.build_clip(tmp_path / "tiny-clip")
    with Project.open(tiny_models.image_folder(tmp_path / "imgs", 2)) as p:
        p.index()
        us.change(p, "learned_encoder", str(clip))
        for f in clip.glob("*.safetensors"):
            f.unlink()
        with pytest.raises(ModelRefused, match="tiny-clip: no weights"):
            LearnedHolder(p).get()
