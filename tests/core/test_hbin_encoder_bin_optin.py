"""The learned suggester's encoder honours the project's .bin opt-in (issue #4): a CLIP
folder whose weights are only a pickle ``pytorch_model.bin`` was refused as the encoder
even after the user opted in for that model (captioners and labelers honour it), by
`llmvis settings ... learned_encoder`, the learned runs and ``--learned-encoder``; and the
refusal told nothing of how to opt in for the encoder. Remote code stays refused."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from llmvis_desktop.cli import main
from llmvis_desktop.core.suggest.discovery import ModelRefused
from llmvis_desktop.core.suggest.features import ClipFeatures
from llmvis_desktop.core.suggest.optins import OPTINS_SETTING

OPT_IN_WORDS = "\u201cAllow pickle .bin weights for this model\u201d"


@pytest.fixture(scope="module")
def pickled(tmp_path_factory):
    """A tiny CLIP whose weights are only a pickle .bin (as save_pretrained(safe_serialization=False) wrote)."""
    import tiny_models
    from safetensors.torch import load_file

    folder = tiny_models.build_clip(tmp_path_factory.mktemp("hbin") / "clip-bin")
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder


def _image(n: int = 2):
    rng = np.random.default_rng(3)
    return [rng.integers(0, 255, (30, 26, 3), dtype=np.uint8) for _ in range(n)]


def _learned_models(project) -> set[str]:
    from tiny_models import all_suggestions

    return {s.model_id for s in all_suggestions(project) if s.model_id.startswith("learned:")}


def test_refused_as_the_encoder_without_the_opt_in_saying_how(learned, pickled, capsys):
    p, _ = learned
    with pytest.raises(SystemExit):
        main(["settings", str(p.root), "learned_encoder", str(pickled)])
    err = capsys.readouterr().err
    assert f"{pickled}: weights only in pickle .bin form" in err and OPT_IN_WORDS in err, err
    assert "--allow-bin" in err and "learned_encoder" not in p.settings()
    p.set_setting(OPTINS_SETTING, {"/somewhere/else": ["bin"]})  # another model's opt-in does not count
    with pytest.raises(SystemExit):
        main(["settings", str(p.root), "learned_encoder", str(pickled)])
    assert OPT_IN_WORDS in capsys.readouterr().err


def test_the_saved_opt_in_lets_the_setting_and_a_learned_run_use_it(learned, pickled, capsys):
    p, _ = learned
    p.set_setting(OPTINS_SETTING, {str(pickled): ["bin"]})  # as the Models dialog saves it
    assert main(["settings", str(p.root), "learned_encoder", str(pickled), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["settings"]["learned_encoder"]
    assert shown["value"] == str(pickled.resolve()) and shown["set"]
    assert main(["suggest", str(p.root), "--learned", "--read-processes", "0"]) == 0
    assert {m.split("-")[0] for m in _learned_models(p)} == {"learned:clip:clip"}, _learned_models(p)

    p.set_setting(OPTINS_SETTING, {})  # unticked since: the run is refused, saying how to opt in
    capsys.readouterr()
    assert main(["suggest", str(p.root), "--learned", "--all", "--read-processes", "0"]) != 0
    assert OPT_IN_WORDS in capsys.readouterr().err


def test_allow_bin_opts_in_the_learned_encoder_for_one_run(learned, pickled, capsys):
    p, _ = learned
    args = ["suggest", str(p.root), "--learned", "--learned-encoder", str(pickled), "--read-processes", "0"]
    assert main(args) != 0
    assert OPT_IN_WORDS in capsys.readouterr().err
    assert main(args + ["--allow-bin"]) == 0
    assert any(m.startswith("learned:clip:clip-bin-") for m in _learned_models(p))
    assert OPTINS_SETTING not in p.settings()  # (this run only: nothing saved)


def test_clip_features_load_a_bin_folder_only_when_opted_in(pickled):
    with pytest.raises(ModelRefused) as err:  # (transformers fell back to the pickle unasked)
        ClipFeatures(pickled).extract(_image())
    assert str(err.value).startswith(f"{pickled}: weights only in pickle .bin form") and OPT_IN_WORDS in str(err.value)
    out = ClipFeatures(pickled, allow_bin=True).extract(_image())
    assert out.shape[0] == 2 and np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)


def test_remote_code_stays_refused_for_the_encoder_whatever_the_opt_ins(pickled, tmp_path):
    from llmvis_desktop.core.suggest.learned_encoder import resolve_encoder

    folder = shutil.copytree(pickled, tmp_path / "clip-code")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_x.X"}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelRefused, match="needs its own Python code"):
        resolve_encoder(str(folder), optins={str(folder): ["bin", "remote_code"]})
    assert resolve_encoder(str(pickled), optins={str(pickled): ["bin"]}).path == str(pickled)
