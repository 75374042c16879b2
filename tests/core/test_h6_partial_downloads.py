"""Model folders a download left half done, as `llmvis models list` and a job's resolve say them.

- A Hugging Face cache snapshot is links into ``blobs/``; a download cut short leaves links
  whose blob is not there. With ``config.json``'s blob missing the model was refused as
  "no config.json, so this is not a model folder; point to the folder that save_pretrained
  wrote", with the weights' blob missing as "no weights ... beside config.json": neither
  named the broken links nor said to download it again.
- A ``model.safetensors.index.json`` that does not parse was said to "name no shards".
"""
from __future__ import annotations

import json
import os
import shutil

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.suggest.discovery import ModelRefused, check, resolve_model


def _cache_model(cache, source, repo="models--acme--tinyblip", commit="c0ffee", drop=()):
    """``source`` as an HF cache holds it: snapshot files link into blobs/; ``drop``'s blobs deleted."""
    repo_dir = cache / repo
    blobs, snap = repo_dir / "blobs", repo_dir / "snapshots" / commit
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(commit)
    for f in source.iterdir():
        blob = blobs / f"blob-{f.name}"
        shutil.copy(f, blob)
        os.symlink(os.path.relpath(blob, snap), snap / f.name)
        if f.name in drop:
            blob.unlink()
    return snap


@pytest.mark.parametrize("missing", ["config.json", "model.safetensors"])
def test_a_cache_snapshot_whose_blob_is_missing_says_so(tiny, tmp_path, monkeypatch, capsys, missing):
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    snap = _cache_model(cache, tiny["blip"], drop=(missing,))
    _cache_model(cache, tiny["clip"], repo="models--acme--tinyclip")

    assert main(["models", "list", "--json", "--all", "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["acme/tinyclip"]["problem"] is None  # the whole model beside it stays usable
    problem = rows["acme/tinyblip"]["problem"]
    assert problem.startswith(f"{snap}: {missing} is a link to nothing"), problem
    assert f"blob-{missing}" in problem and "download the model again" in problem
    assert "not a model folder" not in problem and "no weights" not in problem

    with pytest.raises(ModelRefused, match=f"{missing} is a link to nothing"):
        check(resolve_model("acme/tinyblip"), allow_bin=True)


def test_a_safetensors_index_that_does_not_parse_says_so(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    models = tmp_path / "models"
    for name, index in (("cut", '{"weight_map": {"a": "model-00001-of'), ("empty", '{"weight_map": {}}')):
        folder = shutil.copytree(tiny["blip"], models / name)
        (folder / "model.safetensors").rename(folder / "model-00001-of-00001.safetensors")
        (folder / "model.safetensors.index.json").write_text(index)
    shutil.copytree(tiny["blip"], models / "whole")

    assert main(["models", "list", "--json", "--no-cache", "--dir", str(models), "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["whole"]["problem"] is None and rows["whole"]["fits"] is True
    cut = rows["cut"]["problem"]
    assert cut.startswith(f"{models / 'cut'}: model.safetensors.index.json cannot be read ("), cut
    assert "names no shards" not in cut
    assert rows["empty"]["problem"].endswith("model.safetensors.index.json names no shards; "
                                             "the download may be incomplete")
