"""Model discovery, refusals with their messages, lazy imports, ``llmvis models list``."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import ModelRefused, check, discover, inspect_folder, resolve_model
from llmvis_desktop.core.suggest.discovery import scan_hf_cache

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_models_are_recognised(tiny):
    for key in ("blip", "clip", "llava"):
        tiny[key]
    found = {Path(i.path).name: i for i in discover([tiny["blip"].parent], include_hf_cache=False)}
    blip, clip, llava = found["tiny-blip"], found["tiny-clip"], found["tiny-llava"]
    assert (blip.family, blip.kind) == ("blip", "captioner")
    assert (clip.family, clip.kind) == ("clip", "labeler")
    assert (llava.family, llava.kind) == ("llava", "chat")
    for info in (blip, clip, llava):
        assert info.problem is None and info.weights_format == "safetensors"
        assert info.size_bytes > 10_000 and info.params and info.params > 1000
        assert info.revision and len(info.revision) == 16
        assert check(info) is info


def test_revision_is_copy_stable_and_changes_with_weights(tiny, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny["blip"], copy)
    assert inspect_folder(copy).revision == inspect_folder(tiny["blip"]).revision
    cfg = json.loads((copy / "config.json").read_text())
    cfg["note"] = "edited"
    (copy / "config.json").write_text(json.dumps(cfg))
    assert inspect_folder(copy).revision != inspect_folder(tiny["blip"]).revision


def test_revision_follows_the_whole_weights_and_is_hashed_once(tiny, tmp_path, monkeypatch):
    """A re-save with the same tensor names, shapes and dtypes (a fine-tune with frozen first
    and last layers) kept the revision: only the first and last 64 KiB were hashed."""
    import shutil

    from llmvis_desktop.core.suggest import discovery

    copy = tmp_path / "tuned"
    shutil.copytree(tiny["blip"], copy)
    before = inspect_folder(copy).revision
    assert before == inspect_folder(tiny["blip"]).revision
    weights = copy / "model.safetensors"
    size = weights.stat().st_size
    with open(weights, "r+b") as fh:  # a weight in the middle of the file changes
        fh.seek(size // 2)
        old = fh.read(4)
        fh.seek(size // 2)
        fh.write(bytes(b ^ 0x5A for b in old))
    assert weights.stat().st_size == size
    tuned = inspect_folder(copy).revision
    assert tuned != before
    # unrelated files do not count
    (copy / "README.md").write_text("# fine-tuned")
    assert inspect_folder(copy).revision == tuned
    # each weight file is hashed once: then the cache answers, until the file changes
    hashed = []
    real = discovery._sha256
    monkeypatch.setattr(discovery, "_sha256", lambda p, *a: hashed.append(p) or real(p, *a))
    assert inspect_folder(copy).revision == tuned and hashed == []
    assert discovery.digest_cache_path().is_file()
    os.utime(weights, ns=(1, 1))  # touched: hashed again, the same content
    assert inspect_folder(copy).revision == tuned and hashed == [str(weights.resolve())]


@pytest.mark.parametrize("key, phrase", [
    ("refused_no_config", "no config.json"),
    ("refused_no_weights", "no weights"),
    ("refused_unknown", "architecture BertForMaskedLM is not one we can run"),
    ("refused_bin", "pickle .bin"),
    ("refused_remote", "trust_remote_code"),
])
def test_each_refused_folder_says_why(tiny, key, phrase):
    info = inspect_folder(tiny[key])
    assert info.problem and phrase in info.problem and str(tiny[key]) in info.problem
    with pytest.raises(ModelRefused) as err:
        check(info)
    assert phrase in str(err.value) and str(tiny[key]) in str(err.value)


def test_opt_ins_are_per_kind(tiny):
    check(inspect_folder(tiny["refused_bin"]), allow_bin=True)
    check(inspect_folder(tiny["refused_remote"]), allow_remote_code=True)
    with pytest.raises(ModelRefused):
        check(inspect_folder(tiny["refused_bin"]), allow_remote_code=True)
    with pytest.raises(ModelRefused):
        check(inspect_folder(tiny["refused_remote"]), allow_bin=True)


def _fake_cache(tiny, base: Path) -> Path:
    """The HF hub cache layout: blobs, snapshots/<rev>/ of symlinks, refs/main."""
    repo = base / "models--acme--tiny-blip"
    snap = repo / "snapshots" / "0123abcd"
    (repo / "blobs").mkdir(parents=True)
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    for f in Path(tiny["blip"]).iterdir():
        blob = repo / "blobs" / f"blob-{f.name}"
        blob.write_bytes(f.read_bytes())
        os.symlink(blob, snap / f.name)
    (base / "datasets--acme--data").mkdir()
    text = base / "models--acme--bert" / "snapshots" / "feed"
    text.mkdir(parents=True)
    (text / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    (text / "model.safetensors").write_bytes(b"\0" * 16)
    return base


def test_hf_cache_discovery_and_resolution(tiny, tmp_path, monkeypatch):
    cache = _fake_cache(tiny, tmp_path / "hub")
    infos = scan_hf_cache(cache)
    assert [i.model_id for i in infos] == ["acme/bert", "acme/tiny-blip"]
    info = infos[1]
    assert info.family == "blip" and info.source == "hf-cache" and info.problem is None
    assert info.size_bytes == (Path(tiny["blip"]) / "model.safetensors").stat().st_size
    assert info.revision == inspect_folder(tiny["blip"]).revision
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert resolve_model("acme/tiny-blip").path == info.path
    # chosen by its snapshot folder (as the model manager keeps it), it is the same model:
    # it was a folder model with the snapshot path as id, so done work was redone
    by_path = resolve_model(info.path)
    assert (by_path.model_id, by_path.source, by_path.revision) == ("acme/tiny-blip", "hf-cache", info.revision)
    assert [i.model_id for i in discover([], include_hf_cache=True)] == ["acme/tiny-blip"]
    every = discover([], include_hf_cache=True, cache_known_only=False)
    assert [i.model_id for i in every] == ["acme/bert", "acme/tiny-blip"] and "BertModel" in every[0].problem


def test_missing_model_names_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelRefused) as err:
        resolve_model("acme/nothing", [tmp_path / "models"])
    msg = str(err.value)
    assert "acme/nothing" in msg and str(tmp_path / "models") in msg and str(tmp_path / "hub") in msg


def test_import_does_not_load_torch():
    code = (
        "import sys\n"
        "import llmvis_desktop.core.suggest, llmvis_desktop.core.suggest.batch\n"
        "import llmvis_desktop.core.suggest.worker, llmvis_desktop.core.suggest.device\n"
        "import llmvis_desktop.cli_suggest\n"
        "from llmvis_desktop.core.suggest import discover\n"
        "discover([], include_hf_cache=True)\n"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_models_list_json(tiny, capsys, monkeypatch, tmp_path):
    from llmvis_desktop.cli_suggest import main

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    for key in ("blip", "clip", "llava"):
        tiny[key]
    assert main(["models", "list", "--json", "--dir", str(tiny["blip"].parent), "--device", "cpu"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["tiny-blip"]["family"] == "blip" and rows["tiny-blip"]["fits"] is True
    assert rows["tiny-clip"]["kind"] == "labeler" and rows["tiny-llava"]["kind"] == "chat"
    assert main(["models", "list", "--dir", str(tiny["refused_bin"].parent), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "refused" in out and "pickle .bin" in out


def test_suggest_cli_refuses_with_one_line(tiny, tmp_path, capsys):
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    for key, phrase in (("refused_bin", "pickle .bin"), ("refused_no_weights", "no weights"),
                        ("refused_remote", "trust_remote_code")):
        assert main(["suggest", str(folder), "--captioner", str(tiny[key])]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and phrase in err[0] and str(tiny[key]) in err[0]
    assert main(["suggest", str(folder), "--captioner", str(tmp_path / "nope")]) == 1
    assert "no such model folder" in capsys.readouterr().err
    assert main(["suggest", str(folder), "--labeler", str(tiny["blip"])]) == 1
    assert "not a zero-shot labeler" in capsys.readouterr().err


def test_a_folder_that_fails_to_load_is_refused_clearly(tiny, tmp_path):
    import shutil

    from llmvis_desktop.core.suggest.engines import Captioner

    broken = tmp_path / "broken-blip"
    shutil.copytree(tiny["blip"], broken)
    (broken / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{bad json")
    with pytest.raises(ModelRefused) as err:
        Captioner(inspect_folder(broken), "cpu")
    assert str(err.value).startswith(f"{broken}: model.safetensors is damaged")


@pytest.mark.parametrize("how", ["cut", "lfs"])
def test_damaged_weights_are_refused_when_listed_not_when_a_job_loads_them(tiny, tmp_path, how):
    """A download cut short, or a Git LFS pointer where the weights should be (a clone
    without LFS), was listed as usable ("fits") and failed only when a job started."""
    import shutil

    from llmvis_desktop.core.suggest import discover

    folder = tmp_path / "models" / f"{how}-blip"
    shutil.copytree(tiny["blip"], folder)
    weights = folder / "model.safetensors"
    if how == "cut":
        data = weights.read_bytes()
        weights.write_bytes(data[: len(data) - 1000])
    else:
        weights.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 123456\n")
    info = inspect_folder(folder)
    want = "cut short" if how == "cut" else "Git LFS pointer"
    assert info.problem and want in info.problem
    (listed,) = discover([tmp_path / "models"], include_hf_cache=False)
    assert want in listed.problem
    assert inspect_folder(tiny["blip"]).problem is None  # a whole one is not


def test_suggest_learned_not_ready_is_one_line(tmp_path, capsys):
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    assert main(["suggest", str(folder), "--learned"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("llmvis suggest: learned suggester:")


def test_input_side_is_known_only_for_fixed_size_processors():
    from types import SimpleNamespace as NS

    from llmvis_desktop.core.suggest.registry import family_named, input_side

    def loaded(family, **ip):
        return NS(family=family_named(family), processor=NS(image_processor=NS(**ip)))

    assert input_side(loaded("blip", size={"height": 384, "width": 384})) == 384
    assert input_side(loaded("clip", size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})) == 224
    assert input_side(loaded("florence2", size=NS(height=768, width=768, shortest_edge=None, longest_edge=None))) == 768
    assert input_side(loaded("clip", size={"longest_edge": 512})) is None  # bounded, not fixed
    assert input_side(loaded("idefics3", size={"height": 364, "width": 364})) is None  # tiles large images
    assert input_side(loaded("qwen2_vl", size={"shortest_edge": 3136})) is None  # dynamic resolution
    assert input_side(loaded("blip")) is None  # the processor does not say


def test_models_list_on_a_device_not_here_still_lists(tiny, capsys, monkeypatch, tmp_path):
    """A configured device that is not available (cuda on a machine without a GPU) made
    `llmvis models list` fail; it lists the models and cannot say whether they fit."""
    from llmvis_desktop.cli_suggest import main
    from llmvis_desktop.core.suggest import device

    def unavailable(name):
        raise device.DeviceError(f"device {name!r} is not available here")

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    monkeypatch.setattr(device, "resolve", unavailable)
    assert main(["models", "list", "--json", "--dir", str(tiny["blip"].parent), "--device", "cuda"]) == 0
    captured = capsys.readouterr()
    rows = {r["name"]: r for r in json.loads(captured.out)["models"]}
    assert rows["tiny-blip"]["fits"] is None and rows["tiny-blip"]["device"] is None
    assert "not available here" in captured.err


def test_incomplete_downloads_are_refused_at_discovery(tiny, tmp_path):
    """A dangling weights link, or an index whose shards are missing, was listed as a
    usable model ("fits") and failed only when a job loaded it."""
    import shutil

    blip = Path(tiny["blip"])
    dangling = tmp_path / "dangling"
    dangling.mkdir()
    shutil.copyfile(blip / "config.json", dangling / "config.json")
    os.symlink(tmp_path / "gone.safetensors", dangling / "model.safetensors")
    sharded = tmp_path / "sharded"
    sharded.mkdir()
    for side in blip.iterdir():  # config, tokenizer, image processor: whole once its shards are
        if side.name != "model.safetensors":
            shutil.copyfile(side, sharded / side.name)
    shutil.copyfile(blip / "model.safetensors", sharded / "model-00001-of-00002.safetensors")
    (sharded / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
    for folder in (dangling, sharded):
        info = inspect_folder(folder)
        assert info.problem and "download may be incomplete" in info.problem, folder
    shutil.copyfile(blip / "model.safetensors", sharded / "model-00002-of-00002.safetensors")
    assert inspect_folder(sharded).problem is None


def test_opt_ins_saved_for_a_linked_folder_apply_to_jobs(tiny, tmp_path):
    """The model manager keeps opt-ins under the path it lists (a link into a big disk);
    jobs resolved the link and did not find them, refusing the model the dialog allowed."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.batch import OPTINS_SETTING, optins_for

    (tmp_path / "models").mkdir()
    link = tmp_path / "models" / "linked-bin"
    os.symlink(tiny["refused_bin"], link)
    (tmp_path / "imgs").mkdir()
    with Project.open(tmp_path / "imgs") as p:
        p.set_setting(OPTINS_SETTING, {str(link): ["bin"]})
        assert optins_for(p, resolve_model(str(link))) == (True, False)
        assert optins_for(p, resolve_model("linked-bin", [tmp_path / "models"])) == (True, False)
        assert optins_for(p, inspect_folder(os.path.realpath(link))) == (True, False)


def test_a_link_to_a_model_folder_does_not_hide_the_folder(tiny, tmp_path):
    """A link sorting before its folder hid the folder from the list. (A job run through
    the link is still a model of its own id: the ids of suggestions already stored
    keep counting as they were.)"""
    import shutil

    models = tmp_path / "models"
    models.mkdir()
    real = models / "tiny-blip"
    shutil.copytree(tiny["blip"], real)
    os.symlink(real, models / "a-link-blip", target_is_directory=True)
    listed = discover([models], include_hf_cache=False)
    assert [Path(i.path).name for i in listed] == ["tiny-blip"]
    assert resolve_model(real).model_id == listed[0].model_id == str(real)


@pytest.mark.parametrize("how", ["half", "empty", "nan", "no_tokenizer"])
def test_a_folder_with_missing_or_broken_parts_is_refused_at_load(tiny, tmp_path, how):
    """Weights missing (empty, only the vision tower's), NaN weights, no tokenizer files:
    each loaded (random or empty parts) and stored junk suggestions without a word."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    from llmvis_desktop.core.suggest.engines import Captioner

    folder = tmp_path / f"blip-{how}"
    shutil.copytree(tiny["blip"], folder)
    weights = folder / "model.safetensors"
    tensors = load_file(weights)
    if how == "half":
        save_file({k: v for k, v in tensors.items() if k.startswith("vision_model.")}, weights)
    elif how == "empty":
        save_file({}, weights)
    elif how == "nan":
        name = next(k for k in sorted(tensors) if k.startswith("text_decoder.") and k.endswith(".weight"))
        tensors[name] = torch.full_like(tensors[name], float("nan"))
        save_file(tensors, weights)
    else:
        for f in folder.iterdir():
            if f.name.startswith(("tokenizer", "vocab", "special_tokens")):
                f.unlink()
    with pytest.raises(ModelRefused) as err:
        Captioner(inspect_folder(folder), "cpu")
    msg = str(err.value)
    assert msg.startswith(f"{folder}: ") and "\n" not in msg
    expected = {"half": r"\d+ weights missing from the checkpoint \(text_decoder\.\* \d+\)",
                "empty": r"\d+ weights missing from the checkpoint \((text_decoder|vision_model)\.\* \d+, ",
                "nan": r"1 weight tensor holds NaN or infinite values \(text_decoder\.\*\)",
                "no_tokenizer": "no tokenizer files"}[how]
    assert re.search(expected, msg), msg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_for_weights_is_refused_without_blocking(tiny, tmp_path):
    """``models list`` hung for ever on a model.safetensors that was a named pipe."""
    import shutil

    folder = tmp_path / "fifo-model"
    folder.mkdir()
    shutil.copy(tiny["blip"] / "config.json", folder)
    os.mkfifo(folder / "model.safetensors")
    code = (f"from llmvis_desktop.core.suggest import inspect_folder\n"
            f"print(inspect_folder({str(folder)!r}).problem)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{folder}: model.safetensors is not a regular file"


def test_architectures_given_as_a_string_is_one_name(tmp_path):
    folder = tmp_path / "one-arch"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": "BlipForConditionalGeneration"}))
    (folder / "model.safetensors").write_bytes(tiny_models.EMPTY_SAFETENSORS)
    info = inspect_folder(folder)
    assert (info.family, info.architecture) == ("blip", "BlipForConditionalGeneration")


def test_models_list_json_paths_are_absolute_for_a_relative_dir(tiny, capsys, monkeypatch):
    from llmvis_desktop.cli_suggest import main

    monkeypatch.chdir(Path(tiny["blip"]).parent)
    assert main(["models", "list", "--json", "--no-cache", "--dir", Path(tiny["blip"]).name]) == 0
    (row,) = json.loads(capsys.readouterr().out)["models"]
    assert row["path"] == str(tiny["blip"]) == row["model_id"] and os.path.isabs(row["path"])


def test_a_model_folder_deleted_while_it_loads_says_so(tiny, tmp_path, monkeypatch):
    """Transformers took the vanished path for a hub repo id: "Repo id must be in the
    form 'repo_name'..." (or "the download is incomplete")."""
    import shutil

    from llmvis_desktop.core.suggest import registry
    from llmvis_desktop.core.suggest.engines import Captioner

    folder = tmp_path / "blip"
    shutil.copytree(tiny["blip"], folder)
    info = inspect_folder(folder)
    real = registry.Family.make_processor

    def vanish(self, path, kw):
        shutil.rmtree(folder)
        return real(self, path, kw)

    monkeypatch.setattr(registry.Family, "make_processor", vanish)
    with pytest.raises(ModelRefused) as err:
        Captioner(info, "cpu")
    assert str(err.value) == f"{folder}: the model folder is no longer there (moved or deleted while it was loading)"
