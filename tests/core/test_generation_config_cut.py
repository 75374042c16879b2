"""A model folder whose ``generation_config.json`` was cut short is refused, naming the file.

transformers loads such a folder without a word: it ignores the file and generates with
its default settings (the model's start, end and length settings gone), so the captions
came out otherwise than the model's author set and nothing said why.
"""
from __future__ import annotations

import json
import shutil

import pytest


def _cut_copy(src, dst):
    shutil.copytree(src, dst)
    p = dst / "generation_config.json"
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return dst


@pytest.mark.parametrize("family", ["git", "llava"])
def test_a_cut_generation_config_is_refused_at_load(tiny, tmp_path, family):
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.discovery import ModelRefused
    from llmvis_desktop.core.suggest.worker import ModelWorker

    assert (tiny[family] / "generation_config.json").is_file()
    broken = _cut_copy(tiny[family], tmp_path / f"{family}-cut")
    info = inspect_folder(broken)
    worker = ModelWorker()
    try:
        with pytest.raises(ModelRefused) as got:
            worker.engine(info, "caption", "cpu")
    finally:
        worker.shutdown()
    said = str(got.value)
    assert str(broken) in said and "generation_config.json is not valid JSON" in said, said
    assert "fetch or copy the model again" in said


def test_the_model_list_says_refused_before_any_load(tiny, tmp_path, capsys):
    from llmvis_desktop.cli import main

    shutil.copytree(tiny["git"], tmp_path / "models" / "git-ok")
    _cut_copy(tiny["git"], tmp_path / "models" / "git-cut")
    shutil.copytree(tiny["git"], tmp_path / "models" / "git-empty")
    (tmp_path / "models" / "git-empty" / "generation_config.json").write_bytes(b"")
    assert main(["models", "list", "--json", "--no-cache", "--dir", str(tmp_path / "models"), "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    cut = rows["git-cut"]
    assert cut["fits"] is None and "generation_config.json is not valid JSON" in cut["problem"], cut
    assert "generation_config.json is empty (0 bytes)" in rows["git-empty"]["problem"]
    assert rows["git-ok"]["problem"] is None and rows["git-ok"]["fits"] is True


def test_no_generation_config_is_fine(tiny, tmp_path):
    """The model's config holds the settings then: the folder still loads."""
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.loading import damaged_generation_config
    from llmvis_desktop.core.suggest.worker import ModelWorker

    assert damaged_generation_config(tiny["git"]) is None
    bare = tmp_path / "git-bare"
    shutil.copytree(tiny["git"], bare)
    (bare / "generation_config.json").unlink()
    assert damaged_generation_config(bare) is None
    info = inspect_folder(bare)
    assert info.problem is None
    worker = ModelWorker()
    try:
        assert worker.engine(info, "caption", "cpu").loaded is not None
    finally:
        worker.shutdown()
