"""Model folders as teams fill them: a Hugging Face cache (or one model's ``models--org--name``
folder of it) copied into a model folder, and weights under names transformers does not load."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from llmvis_desktop.core.suggest import ModelRefused, discover, inspect_folder, resolve_model


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


@pytest.mark.parametrize("files, phrase", [
    ({"model.safetensors": "model.fp16.safetensors"}, "model.fp16.safetensors"),  # a variant alone
    ({"model.safetensors": "adapter_model.safetensors"}, "adapter_model.safetensors"),  # a LoRA adapter
    ({"model.safetensors": "model-00001-of-00001.safetensors"}, "model.safetensors.index.json"),  # no index
])
def test_weights_under_a_name_transformers_does_not_load_are_refused_when_listed(tiny, tmp_path, files, phrase):
    """The folder was listed "fits" (the model manager let it be chosen) and every job
    failed: "no file named model.safetensors found in directory"."""
    folder = tmp_path / "models" / "renamed"
    shutil.copytree(tiny["blip"], folder)
    for old, new in files.items():
        (folder / old).rename(folder / new)
    (listed,) = discover([tmp_path / "models"], include_hf_cache=False)
    assert listed.problem and phrase in listed.problem and "model.safetensors" in listed.problem
    from llmvis_desktop.core.suggest import check

    with pytest.raises(ModelRefused, match="not under a name"):  # a job refuses it before loading
        check(resolve_model(str(folder), hf_cache=tmp_path / "no-cache"), allow_bin=True)


def test_pickle_weights_under_another_name_are_refused_before_the_opt_in(tiny, tmp_path):
    """``model.pt`` alone: it asked for the .bin opt-in, then failed to load with it."""
    from llmvis_desktop.core.suggest import check

    folder = tmp_path / "pt"
    shutil.copytree(tiny["blip"], folder)
    (folder / "model.safetensors").unlink()
    (folder / "model.pt").write_bytes(b"\0" * 16)
    info = inspect_folder(folder)
    assert "model.pt" in info.problem and "pytorch_model.bin" in info.problem and "--allow-bin" not in info.problem
    with pytest.raises(ModelRefused, match="not under a name"):
        check(info, allow_bin=True)


def test_a_shard_missing_is_named(tiny, tmp_path):
    folder = tmp_path / "sharded"
    shutil.copytree(tiny["blip"], folder)
    (folder / "model.safetensors").rename(folder / "model-00001-of-00002.safetensors")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
    problem = inspect_folder(folder).problem
    assert "model-00002-of-00002.safetensors" in problem and "1 of the 2 shards model.safetensors.index.json names is missing" in problem


def _lock(monkeypatch, folder: Path) -> None:
    """``folder`` as a user without read access to it sees it (chmod 000, another owner;
    these tests may run as root, who reads everything): it stats, but it cannot be
    listed and nothing in it can be reached."""
    import errno

    inside = str(folder) + os.sep

    def guard(real, listing=False):
        def call(path, *a, **kw):
            p = os.fspath(path) if not isinstance(path, int) else ""
            p = p.decode() if isinstance(p, bytes) else p
            if p.startswith(inside) or (listing and p.rstrip(os.sep) == str(folder)):
                raise PermissionError(errno.EACCES, "Permission denied", p)
            return real(path, *a, **kw)
        return call

    monkeypatch.setattr(os, "stat", guard(os.stat))
    monkeypatch.setattr(os, "lstat", guard(os.lstat))
    monkeypatch.setattr(os, "listdir", guard(os.listdir, listing=True))
    monkeypatch.setattr(os, "scandir", guard(os.scandir, listing=True))


def test_an_unreadable_folder_among_the_models_is_listed_as_refused(tiny, tmp_path, monkeypatch, capsys):
    """One folder the user cannot read (a colleague's, on a shared drive) made ``models
    list`` fail ("llmvis models list: [Errno 13] Permission denied: .../config.json"),
    listing none of the others, and the model manager could not open."""
    from llmvis_desktop.cli import main
    from llmvis_desktop.core.suggest import check

    models = tmp_path / "models"
    shutil.copytree(tiny["blip"], models / "tiny-blip")
    shutil.copytree(tiny["blip"], models / "locked")
    (models / "team").mkdir()
    shutil.copytree(tiny["clip"], models / "team" / "locked-too")
    _lock(monkeypatch, models / "locked")
    _lock(monkeypatch, models / "team")
    listed = {Path(i.path).name: i for i in discover([models], include_hf_cache=False)}
    assert listed["tiny-blip"].problem is None
    for name in ("locked", "team"):
        assert listed[name].problem == f"{models / name}: cannot be read (Permission denied); ask its owner " \
                                       f"for read access, or move it out of the model folder", name
    with pytest.raises(ModelRefused, match="cannot be read"):
        check(resolve_model(str(models / "locked"), hf_cache=tmp_path / "no-cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    assert main(["models", "list", "--dir", str(models), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["tiny-blip"]["problem"] is None and "cannot be read" in rows["locked"]["problem"]


def test_a_link_to_a_folder_of_models_does_not_rename_its_models(tiny, tmp_path):
    """A link to a folder holding models (``all -> .``, ``team -> ../shared``) sorting first
    listed its models by the path through the link: the model manager saved that path."""
    models = tmp_path / "models"
    shutil.copytree(tiny["blip"], models / "team" / "tiny-blip")
    os.symlink(models / "team", models / "a-team", target_is_directory=True)
    os.symlink(models, models / "all", target_is_directory=True)
    listed = discover([models], include_hf_cache=False)
    assert [i.path for i in listed] == [str(models / "team" / "tiny-blip")]


def test_a_model_in_both_a_model_folder_and_the_cache_is_listed_once(tiny, tmp_path):
    """Listed twice under one name, the cache's row could be chosen and the model folder's
    copy (maybe another revision) ran: a job resolves ``org/name`` in the model folders first."""
    models, cache = tmp_path / "models", tmp_path / "hub"
    mine = _hub_repo(Path(tiny["blip"]), models, "acme/tiny-blip", revs=("a" * 40,))
    _hub_repo(Path(tiny["blip"]), cache, "acme/tiny-blip", revs=("b" * 40,))
    listed = discover([models], include_hf_cache=True, hf_cache=cache)
    assert [i.path for i in listed] == [str(mine / "snapshots" / ("a" * 40))]
    assert resolve_model("acme/tiny-blip", [models], hf_cache=cache).path == listed[0].path
