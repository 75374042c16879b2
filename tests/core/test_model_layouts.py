"""Model folders as teams fill them: a Hugging Face cache (or one model's ``models--org--name``
folder of it) copied into a model folder, and weights under names transformers does not load."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import ModelRefused, discover, inspect_folder, resolve_model


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    return tiny_models.session_models(tmp_path_factory)


def _hub_repo(src: Path, hub: Path, model_id: str, revs=("0" * 40, "1" * 40)) -> Path:
    """``models--org--name`` as huggingface_hub writes it: blobs, one snapshot per revision
    (links to the blobs), refs/main naming the last one."""
    repo = hub / ("models--" + model_id.replace("/", "--"))
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    for rev in revs:
        snap = repo / "snapshots" / rev
        snap.mkdir(parents=True)
        for f in sorted(src.iterdir()):
            blob = repo / "blobs" / f"{rev[:4]}-{f.name}"
            blob.write_bytes(f.read_bytes())
            os.symlink(os.path.relpath(blob, snap), snap / f.name)
    (repo / "refs" / "main").write_text(revs[-1])
    return repo


@pytest.mark.parametrize("where", ["repo", "hub", "hf_home"])
def test_a_hugging_face_cache_copied_into_a_model_folder_is_listed_by_its_id(tiny, tmp_path, where):
    """An offline team copies a machine's ``~/.cache/huggingface`` (or one model's
    ``models--org--name`` folder of it) into its model folder. It was "no models found", or
    listed once per revision under a hash, chosen one of those by chance."""
    models = tmp_path / "models"
    hub = {"repo": models, "hub": models / "hub", "hf_home": models / "huggingface" / "hub"}[where]
    repo = _hub_repo(Path(tiny["blip"]), hub, "acme/tiny-blip")
    (hub / "datasets--acme--data").mkdir()
    (listed,) = discover([models], include_hf_cache=False)
    assert (listed.model_id, listed.source, listed.family, listed.problem) == (
        "acme/tiny-blip", "hf-cache", "blip", None)
    assert Path(listed.path) == repo / "snapshots" / ("1" * 40)  # refs/main's revision
    # chosen by its id (as the model manager saves it) or by the folder, a job finds it
    empty_cache = tmp_path / "no-cache"
    assert resolve_model("acme/tiny-blip", [models], hf_cache=empty_cache).path == listed.path
    by_folder = resolve_model(str(repo), hf_cache=empty_cache)
    assert (by_folder.path, by_folder.model_id, by_folder.problem) == (listed.path, "acme/tiny-blip", None)


def test_a_repo_folder_with_no_snapshot_says_so(tmp_path):
    repo = tmp_path / "models" / "models--acme--cut"
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / "abc.incomplete").write_bytes(b"x")
    (listed,) = discover([tmp_path / "models"], include_hf_cache=False)
    assert listed.model_id == "acme/cut" and "no downloaded snapshot" in listed.problem
    with pytest.raises(ModelRefused, match="no downloaded snapshot"):
        resolve_model(str(repo), hf_cache=tmp_path / "no-cache")
