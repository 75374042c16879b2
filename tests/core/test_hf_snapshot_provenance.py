"""A model found in the Hugging Face cache (``models--org--name/snapshots/<commit>/``) had
a content hash as its revision and its snapshot commit recorded nowhere: a suggestion
could not be traced back to the hub commit it came from. The revision stays the content
hash (what identifies the weights); the hub repo id and the snapshot commit are kept in
each suggestion's parameters and listed by ``llmvis models list --json``."""
from __future__ import annotations

import json
import os
from pathlib import Path

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder, resolve_model
from llmvis_desktop.core.suggest.batch import run_suggest

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _cache(tiny, base: Path, key: str = "blip") -> Path:
    """The hub layout: blobs, snapshots/<commit>/ of links to them, refs/main."""
    repo = base / f"models--acme--tiny-{key}"
    snap = repo / "snapshots" / COMMIT
    (repo / "blobs").mkdir(parents=True)
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    for f in Path(tiny[key]).iterdir():
        blob = repo / "blobs" / f"blob-{f.name}"
        blob.write_bytes(f.read_bytes())
        os.symlink(blob, snap / f.name)
    return base


def test_a_cached_model_knows_its_snapshot_commit_and_keeps_its_content_revision(tiny, tmp_path, monkeypatch):
    cache = _cache(tiny, tmp_path / "hub")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    by_id = resolve_model("acme/tiny-blip")
    by_path = resolve_model(by_id.path)  # the snapshot folder, as the model manager keeps it
    by_repo = resolve_model(cache / "models--acme--tiny-blip")
    plain = inspect_folder(tiny["blip"])
    for info in (by_id, by_path, by_repo):
        assert info.revision == plain.revision  # the weights' content, as before
        assert info.hub_params() == {"hub_repo": "acme/tiny-blip", "hub_commit": COMMIT}
    assert plain.hub_params() == {}  # a plain folder: no hub to name


def test_models_list_json_names_the_hub_repo_and_commit(tiny, tmp_path, monkeypatch, capsys):
    from llmvis_desktop.cli_suggest import main

    monkeypatch.setenv("HF_HUB_CACHE", str(_cache(tiny, tmp_path / "hub")))
    assert main(["models", "list", "--json", "--dir", str(tiny["blip"].parent), "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    cached, folder = rows["acme/tiny-blip"], rows["tiny-blip"]
    assert (cached["hub_repo"], cached["hub_commit"]) == ("acme/tiny-blip", COMMIT)
    assert cached["revision"] == folder["revision"]
    assert folder["hub_repo"] is None and folder["hub_commit"] is None


def test_suggestions_of_a_cached_model_keep_the_hub_commit_in_their_params(tiny, tmp_path, monkeypatch, worker):
    monkeypatch.setenv("HF_HUB_CACHE", str(_cache(tiny, tmp_path / "hub")))
    folder = tiny_models.image_folder(tmp_path / "images", 3)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        run_suggest(project, resolve_model("acme/tiny-blip"), None, worker=worker, read_processes=0)
        cached = tiny_models.all_suggestions(project)
        assert len(cached) == 3
        for s in cached:
            assert (s.model_id, s.model_revision) == ("acme/tiny-blip", inspect_folder(tiny["blip"]).revision)
            assert (s.params["hub_repo"], s.params["hub_commit"]) == ("acme/tiny-blip", COMMIT)
        run_suggest(project, inspect_folder(tiny["blip"]), None, worker=worker, read_processes=0)
        plain = [s for s in tiny_models.all_suggestions(project) if s.model_id != "acme/tiny-blip"]
        assert len(plain) == 3 and not any("hub_commit" in s.params or "hub_repo" in s.params for s in plain)


def test_an_answer_of_a_cached_chat_model_keeps_the_hub_commit_too(tiny, tmp_path, monkeypatch, worker):
    from llmvis_desktop.core.suggest.ask import ask_image

    monkeypatch.setenv("HF_HUB_CACHE", str(_cache(tiny, tmp_path / "hub", "llava")))
    folder = tiny_models.image_folder(tmp_path / "images", 1)
    with tiny_models.labelled_project(folder, ("scratch",)) as project:
        row = ask_image(project, project.image_ids()[0], resolve_model("acme/tiny-llava"), "is there a scratch?",
                        worker=worker, device="cpu")
        assert (row.params["hub_repo"], row.params["hub_commit"]) == ("acme/tiny-llava", COMMIT)
