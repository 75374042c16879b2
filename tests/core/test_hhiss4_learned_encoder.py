"""The learned suggester's "local CLIP/SigLIP encoder's embeddings" (issue #4) could only be
had from Python (``LearnedSuggester(project, ClipFeatures(...))``): neither `llmvis suggest
--learned` nor the window offered it. Now the project setting ``learned_encoder`` and
``--learned-encoder PATH`` pick one, checked as a model is; a SigLIP2 folder as the
encoder was loaded with SigLIP's class and refused (a position table of another size)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from llmvis_desktop.cli import main


def _learned_models(project) -> set[str]:
    from tiny_models import all_suggestions

    return {s.model_id for s in all_suggestions(project) if s.model_id.startswith("learned:")}


def test_the_setting_is_checked_and_stored_as_a_full_path(learned, tiny, capsys, monkeypatch, tmp_path):
    p, _ = learned
    folder = str(p.root)
    monkeypatch.chdir(tiny["clip"].parent)
    with pytest.raises(SystemExit):  # a captioner is no encoder
        main(["settings", folder, "learned_encoder", str(tiny["blip"])])
    assert "gives no image embeddings" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["settings", folder, "learned_encoder", str(tmp_path / "nowhere")])
    assert "no such model folder" in capsys.readouterr().err
    assert main(["settings", folder, "learned_encoder", tiny["clip"].name, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["settings"]["learned_encoder"]
    assert shown["value"] == str(tiny["clip"].resolve()) and shown["set"]


def test_suggest_learned_uses_the_setting_and_the_flag(learned, tiny, capsys):
    from llmvis_desktop.core import user_settings as us

    p, _ = learned
    us.change(p, "learned_encoder", str(tiny["clip"]))
    args = ["suggest", str(p.root), "--learned", "--read-processes", "0"]
    assert main(args) == 0
    assert {m.split("-")[0] for m in _learned_models(p)} == {"learned:clip:tiny"}
    assert main(args + ["--all", "--learned-encoder", str(tiny["siglip"])]) == 0
    assert any(m.startswith(f"learned:clip:{tiny['siglip'].name}-") for m in _learned_models(p))
    capsys.readouterr()
    assert main(args[:2] + ["--captioner", str(tiny["blip"]), "--learned-encoder", str(tiny["clip"]),
                            "--limit", "1", "--read-processes", "0"]) == 0
    assert "--learned-encoder applies to the learned suggester only" in capsys.readouterr().err


def test_siglip2_as_the_encoder_gives_embeddings(tiny):
    from llmvis_desktop.core.suggest.features import ClipFeatures

    rng = np.random.default_rng(0)
    out = ClipFeatures(tiny["siglip2"]).extract([rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)] * 2)
    assert out.shape[0] == 2 and np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)
