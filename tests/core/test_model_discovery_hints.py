"""What model discovery says when a folder is not quite a model: a weights file the user
cannot read, model folders deeper than the listing looks, a file given as a folder, and
custom code (``auto_map``) named by the tokenizer's or processor's config only."""
from __future__ import annotations

import builtins
import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from llmvis_desktop.core.suggest import ModelRefused, check, discover, inspect_folder, resolve_model


@pytest.fixture
def no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    return tmp_path / "no-cache"


def _unreadable_file(monkeypatch, path: Path) -> None:
    """``path`` as a user without read access sees it (chmod 600, another owner; these tests
    may run as root, who reads everything): it stats, but opening it is refused."""
    real_open = builtins.open
    denied = os.path.realpath(path)

    def guarded(file, *a, **kw):
        if not isinstance(file, int) and os.path.realpath(os.fspath(file)) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", guarded)


def test_a_weights_file_the_user_cannot_read_is_not_called_damaged(tiny, tmp_path, monkeypatch, capsys, no_cache):
    """It said "model.safetensors is damaged ([Errno 13] Permission denied: ...)": the file is
    whole, the user lacks read access to it; re-downloading it would not help."""
    from llmvis_desktop.cli import main

    folder = tmp_path / "models" / "locked-weights"
    shutil.copytree(tiny["blip"], folder)
    _unreadable_file(monkeypatch, folder / "model.safetensors")
    info = inspect_folder(folder)
    assert "damaged" not in info.problem, info.problem
    assert info.problem.startswith(f"{folder}: model.safetensors cannot be read (permission denied)"), info.problem
    assert "ask its owner for read access" in info.problem
    with pytest.raises(ModelRefused, match="cannot be read"):
        check(info)
    assert main(["models", "list", "--dir", str(tmp_path / "models")]) == 0
    out = capsys.readouterr().out
    assert "model.safetensors cannot be read (permission denied)" in out and "damaged" not in out


def test_a_folder_of_models_given_as_a_model_names_the_models_in_it(tiny, tmp_path, no_cache):
    """``--captioner models/team`` said only "no config.json, so this is not a model folder"."""
    team = tmp_path / "models" / "team"
    shutil.copytree(tiny["clip"], team / "vision" / "clip-deep")
    shutil.copytree(tiny["blip"], team / "vision" / "blip-deep")
    with pytest.raises(ModelRefused) as caught:
        check(resolve_model(str(team)))
    msg = str(caught.value)
    assert "no config.json" in msg and "vision/blip-deep, vision/clip-deep" in msg, msg
    assert str(team / "vision" / "blip-deep") in msg  # the path to give
    with pytest.raises(ModelRefused, match="vision/blip-deep"):
        check(resolve_model("team", [tmp_path / "models"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds model folders" not in inspect_folder(empty).problem


def test_models_deeper_than_the_listing_looks_are_named(tiny, tmp_path, capsys, no_cache):
    """models/team/vision/clip-deep was left out of ``models list`` and nothing said so."""
    from llmvis_desktop.cli import main

    models = tmp_path / "models"
    shutil.copytree(tiny["blip"], models / "tiny-blip")
    shutil.copytree(tiny["clip"], models / "team" / "vision" / "clip-deep")
    (models / "team" / "vision" / "notes").mkdir()  # not a model: not named
    assert main(["models", "list", "--dir", str(models)]) == 0
    out, err = capsys.readouterr()
    assert "tiny-blip" in out and "clip-deep" not in out
    assert "two folders deep" in err and str(models / "team" / "vision" / "clip-deep") in err, err
    assert "notes" not in err
    assert f"--dir {models / 'team' / 'vision'}" in err
    skipped: list = []
    discover([models], include_hf_cache=False, too_deep=skipped)
    assert skipped == [str(models / "team" / "vision" / "clip-deep")]


def test_a_file_given_as_a_folder_says_so(tmp_path, capsys, no_cache):
    from llmvis_desktop.cli import main

    f = tmp_path / "model.safetensors"
    f.write_bytes(b"x")
    assert main(["models", "list", "--dir", str(f)]) == 0
    err = capsys.readouterr().err
    assert f"--dir {f}: a file, not a folder" in err and "no such folder" not in err, err
    with pytest.raises(ModelRefused, match="a file, not a folder"):
        resolve_model(str(f))


@pytest.mark.parametrize("where", ["tokenizer_config.json", "processor_config.json",
                                   "processor_config.json:image_processor", "preprocessor_config.json"])
def test_custom_code_named_by_the_tokenizer_or_processor_config_needs_the_opt_in(tiny, tmp_path, where):
    """transformers 5 without trust_remote_code loads such a folder with its default
    tokenizer / processor class in place of the one its ``auto_map`` names (checked: a
    BlipProcessor and a BertTokenizer, not XProcessor / XTokenizer), so the model ran
    otherwise than its author meant, and it was listed as usable."""
    folder = tmp_path / "custom"
    shutil.copytree(tiny["blip"], folder)
    name, _, nested = where.partition(":")
    path = folder / name
    cfg = json.loads(path.read_text()) if path.is_file() else {}
    target = cfg.setdefault(nested, {}) if nested else cfg
    target["auto_map"] = {"AutoProcessor": "processing_x.XProcessor"}
    path.write_text(json.dumps(cfg))
    info = inspect_folder(folder)
    assert info.needs_remote_code and info.remote_code_in == name
    assert "trust_remote_code" in info.problem and f"auto_map in {name}" in info.problem, info.problem
    assert check(info, allow_remote_code=True) is info


def test_a_plain_model_needs_no_remote_code(tiny):
    info = inspect_folder(tiny["blip"])
    assert (info.needs_remote_code, info.remote_code_in, info.problem) == (False, None, None)
