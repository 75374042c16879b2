"""A model whose folder changed (weights saved over it, an HF-cache model updated to a new
snapshot) loads again at its new revision, and the copy of its old revision is unloaded:
both stayed in memory, and unloading the models the project does not use kept both (the
project still names the model)."""
from __future__ import annotations

import json
import shutil

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest.discovery import hf_repo_model, inspect_folder
from llmvis_desktop.core.suggest.worker import ModelWorker


@pytest.fixture(scope="module")
def blip(tmp_path_factory):
    return tiny_models.build_blip(tmp_path_factory.mktemp("rev_models") / "tiny-blip")


def _loaded(worker):
    worker.call(lambda: None)
    return [(info.path, info.revision, role) for info, role, _dev, _dtype in worker.loaded_models()]


def _changed(folder):
    """The model saved again over its folder (another revision, same path)."""
    cfg = json.loads((folder / "config.json").read_text())
    cfg["_saved_again"] = True
    (folder / "config.json").write_text(json.dumps(cfg))


def test_a_folder_saved_again_keeps_one_copy_loaded(blip, tmp_path):
    folder = tmp_path / "team-blip"
    shutil.copytree(blip, folder)
    with ModelWorker() as worker:
        old = inspect_folder(folder)
        worker.engine(old, "caption", "cpu")
        _changed(folder)
        new = inspect_folder(folder)
        assert new.revision != old.revision
        eng = worker.engine(new, "caption", "cpu")
        assert eng.loaded is not None
        assert _loaded(worker) == [(str(folder), new.revision, "caption")]
        worker.unload_unused([str(folder)], optins={}, device="cpu").result()
        assert _loaded(worker) == [(str(folder), new.revision, "caption")]


def test_an_updated_hf_cache_model_keeps_one_copy_loaded(blip, tmp_path):
    repo = tmp_path / "hub" / "models--acme--blip"
    for commit in ("aaa111", "bbb222"):
        shutil.copytree(blip, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("aaa111")
    with ModelWorker() as worker:
        old = hf_repo_model(repo)
        worker.engine(old, "caption", "cpu")
        _changed(repo / "snapshots" / "bbb222")
        (repo / "refs" / "main").write_text("bbb222")  # downloaded again: a new snapshot
        new = hf_repo_model(repo)
        assert new.model_id == old.model_id == "acme/blip" and new.path != old.path
        worker.engine(new, "caption", "cpu")
        assert _loaded(worker) == [(new.path, new.revision, "caption")]

