"""The headless contract every command keeps: Ctrl+C answered at once, --json's object on
stdout for success and failure alike, options a format ignores refused, one error style."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.cli import main


@pytest.fixture(scope="module")
def blip(tmp_path_factory):
    return tiny_models.build_blip(tmp_path_factory.mktemp("models") / "blip")


def test_ctrl_c_while_the_models_load_does_not_wait_for_the_load(blip, tmp_path, monkeypatch):
    """Ctrl+C (or SIGTERM) while `suggest` loaded its models was answered only when the load
    finished (a large model: a minute): the job's cleanup joined the model thread, busy
    loading. The thread is a daemon and nothing is saved during a load: it is left to end."""
    from llmvis_desktop.core.suggest import engines
    from llmvis_desktop.core.suggest.batch import run_suggest
    from llmvis_desktop.core.suggest.discovery import inspect_folder
    from llmvis_desktop.core.suggest.worker import ModelWorker

    loading, release, finished = threading.Event(), threading.Event(), []

    class SlowLoad:  # a model whose load takes as long as the test wants
        def __init__(self, *a, **k):
            loading.set()
            release.wait(10)  # (a guard: the load would otherwise hold the old code forever)
            finished.append(1)

    monkeypatch.setattr(engines, "engine_class", lambda role: SlowLoad)
    call = ModelWorker.call

    def ctrl_c_during_the_load(self, fn, *a, **k):
        if getattr(fn, "__name__", "") == "_engine":  # Ctrl+C while waiting for the load
            self.submit(fn, *a, **k)
            loading.wait(10)
            raise KeyboardInterrupt
        return call(self, fn, *a, **k)

    monkeypatch.setattr(ModelWorker, "call", ctrl_c_during_the_load)
    folder = tiny_models.image_folder(tmp_path / "images", 3)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    project = tiny_models.labelled_project(folder, ["ok"])
    try:
        with pytest.raises(KeyboardInterrupt):
            run_suggest(project, inspect_folder(blip), None, read_processes=0)
        assert not finished, "the interrupt waited for the model load to finish"
        assert tiny_models.all_suggestions(project) == []
    finally:
        release.set()
        project.close()
    after = {p.relative_to(folder) for p in folder.rglob("*")} - set(before)
    assert all(p.parts[0] == ".llmvis" for p in after), after  # only the project database


def test_an_interrupt_before_the_command_began_keeps_the_json_contract(tmp_path, capsys, monkeypatch):
    """Ctrl+C or SIGTERM in a command's first second (its modules loading) left stdout empty
    with --json, and its stderr line lacked the `llmvis CMD:` every other line has."""
    from llmvis_desktop import cli

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupt)
    assert main(["info", str(tmp_path), "--json"]) == 130
    got = capsys.readouterr()
    assert json.loads(got.out) == {"error": "interrupted before anything was done", "exit_code": 130}
    assert got.err.strip() == "llmvis info: interrupted before anything was done"
    assert main(["--debug", "labels", "add", str(tmp_path), "dent"]) == 130
    got = capsys.readouterr()
    assert got.out == "" and got.err.strip() == "llmvis labels add: interrupted before anything was done"


def _usage_error(argv) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


@pytest.mark.parametrize("given, named", [
    (["--split", "0.5,0.5"], "--split applies"),
    (["--link", "--seed", "5"], "--seed, --link apply"),
    (["--seed", "0"], "--seed applies"),  # given, even as the default
    (["--images-8bit"], "--images-8bit applies"),
])
def test_export_options_a_format_ignores_are_usage_errors(png_folder, tmp_path, capsys, given, named):
    """`export --format csv --split 0.5,0.5` (--link, --seed) exited 0 with the option
    silently ignored, while --images-8bit with csv was a usage error: all four are now."""
    assert main(["index", str(png_folder)]) == 0
    capsys.readouterr()
    out = tmp_path / "x.csv"
    assert _usage_error(["export", str(png_folder), "--format", "csv", "--out", str(out), *given]) == 2
    err = capsys.readouterr().err
    assert f"{named} to the formats that copy the images (yolo, jsonl), not csv" in err
    assert "usage: llmvis export" in err and not out.exists()
    assert _usage_error(["export", str(png_folder), "--format", "coco", "--out", str(out), *given, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["exit_code"] == 2
    assert main(["export", str(png_folder), "--format", "jsonl", "--out", str(tmp_path / "j"), *given]) == 0


def _image_and_mask(folder: Path):
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (40, 48), dtype=np.uint8)).save(folder / "a.png")
    mask = np.zeros((40, 48), np.uint8)
    mask[10:20, 10:20] = 255
    Image.fromarray(mask).save(folder / "m.png")
    return folder / "a.png", folder / "m.png"


def test_repair_apply_prints_lines_by_default_and_json_when_asked(tmp_path, capsys):
    """`repair apply` printed a JSON object whatever was asked and refused --json (exit 2);
    a refusal printed nothing on stdout. It now keeps every command's contract."""
    img, mask = _image_and_mask(tmp_path / "loose")
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"repaired {img} -> ") and "a.repaired.png (telea, " in out
    assert "recorded in no project" in out and "{" not in out
    again = tmp_path / "loose" / "repaired" / "again.png"
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea", "--json",
                 "--out", str(again)]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["output"] == str(again) and done["method"] == "telea" and done["project"] is None
    assert done["notes"] == []  # (nothing waited for, no GPU fallback)
    # a refusal: the object on stdout too
    assert main(["repair", "apply", str(img), "--mask", str(tmp_path / "nope.png"), "--method", "telea",
                 "--json"]) == 1
    got = capsys.readouterr()
    failed = json.loads(got.out)
    assert failed["exit_code"] == 1 and "nope.png" in failed["error"] and not failed["error"].startswith("error")


def test_repair_train_prints_lines_by_default_and_json_when_asked(tmp_path, capsys, monkeypatch):
    """`repair train` as `repair apply`: its result as a line, --json the object; a run
    refused (the output held by another run) says so on stdout with --json."""
    from llmvis_desktop.core.repair import train as train_mod
    from llmvis_desktop.core.repair.out_lock import OutputLock

    class Result:
        step, data, metrics = 4, {"images": 2}, {"val_masked_psnr_db": 30.123}

    def fake_train(project, *, out, **kw):
        out.write_bytes(b"trained")
        return Result()

    monkeypatch.setattr(train_mod, "train", fake_train)
    folder = tmp_path / "proj"
    _image_and_mask(folder)
    out = tmp_path / "ck" / "r.safetensors"
    out.parent.mkdir()
    argv = ["repair", "train", str(folder), "--from", "scratch", "--steps", "4", "--out", str(out), "--device", "cpu"]
    assert main(argv) == 0
    got = capsys.readouterr().out
    assert got.strip() == f"trained {out}: step 4 on 2 images, validation masked PSNR 30.12 dB"
    assert main([*argv, "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"checkpoint": str(out), "steps": 4, "data": {"images": 2},
                                                   "val_masked_psnr_db": 30.12}
    held = OutputLock(out)
    held.acquire()
    try:
        assert main([*argv, "--force", "--json"]) == 1
    finally:
        held.release()
    failed = json.loads(capsys.readouterr().out)
    assert failed["exit_code"] == 1 and "another llmvis repair train is writing" in failed["error"]


@pytest.mark.parametrize("argv, usage", [
    (["export", "{f}", "--format", "csv", "--out", "{f}/../x.csv", "--jsn"], "usage: llmvis export "),
    (["labels", "add", "{f}", "dent", "--colour", "red"], "usage: llmvis labels add "),
    (["info", "{f}", "extra"], "usage: llmvis info "),
])
def test_a_misspelled_option_is_said_with_the_subcommands_usage(tmp_path, capsys, argv, usage):
    """`llmvis export lp --format csv --out x --jsn` printed the top-level usage
    (`usage: llmvis [-h] [--version] [--debug] COMMAND ...`), not export's."""
    argv = [a.format(f=tmp_path) for a in argv]
    assert _usage_error(argv) == 2
    err = capsys.readouterr().err
    assert usage in err and "unrecognized arguments: " in err
    assert "usage: llmvis [-h]" not in err
    assert _usage_error([*argv, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"].startswith("unrecognized arguments: ")
    assert not (tmp_path / ".llmvis").exists()


def test_a_suggest_run_with_nothing_to_do_says_so(blip, tmp_path, capsys):
    """A run over images all done printed "0 suggestions for 0 images in 0.0 s (0.0
    images/s on no device), 3 already done"."""
    folder = tiny_models.image_folder(tmp_path / "images", 3)
    argv = ["suggest", str(folder), "--captioner", str(blip), "--device", "cpu", "--read-processes", "0"]
    assert main(argv) == 0
    assert "3 suggestions for 3 images" in capsys.readouterr().out
    assert main(argv) == 0
    out = capsys.readouterr().out.strip()
    assert out == "nothing to do: all 3 images already have suggestions from these models (--all to redo)"
    assert main([*argv, "--limit", "1", "--all"]) == 0
    assert "for 1 image in " in capsys.readouterr().out  # --all: the same card again, kept


@pytest.mark.parametrize("argv, prefix", [
    (["info", "{d}/nonexist"], "llmvis info: "),
    (["labels", "list", "{d}/nonexist"], "llmvis labels list: "),
    (["evaluate", "{d}/nonexist"], "llmvis evaluate: "),
    (["export", "{d}/nonexist", "--format", "csv", "--out", "{d}/x.csv"], "llmvis export: "),
    (["repair", "train", "{d}/nonexist", "--out", "{d}/r.safetensors"], "llmvis repair train: "),
    (["repair", "apply", "{d}/nonexist.png", "--mask", "{d}/m.png", "--method", "telea"], "llmvis repair apply: "),
])
def test_every_command_says_its_error_in_one_style(tmp_path, capsys, argv, prefix):
    """`error: X: ...` for index, info, labels and repair; `llmvis evaluate: X: ...` for the
    others: one failure, two styles. Every error line is now `llmvis CMD: MESSAGE`."""
    assert main([a.format(d=tmp_path) for a in argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(prefix) and "error: " not in err[-1], err


def test_the_list_commands_print_an_object_as_every_other_json_output(blip, png_folder, tmp_path, capsys):
    """`labels list --json` and `models list --json` printed bare arrays, where every other
    --json output, their own failures included, is an object: a script had to tell a list
    from an error object by its type. They print {"labels": [...]} and {"models": [...],
    "dirs": [...], "hf_cache": ...} (the folders and cache looked in: an empty list says where)."""
    assert main(["labels", "add", str(png_folder), "dent", "--json"]) == 0
    capsys.readouterr()
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert list(listed) == ["labels"] and [(lbl["name"], lbl["images"]) for lbl in listed["labels"]] == [("dent", 0)]
    assert main(["labels", "list", str(tmp_path / "nope"), "--json"]) == 1
    assert list(json.loads(capsys.readouterr().out)) == ["error", "exit_code"]

    models = blip.parent
    assert main(["models", "list", "--dir", str(models), "--no-cache", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in listed["models"]] == ["blip"] and listed["dirs"] == [str(models)]
    assert listed["hf_cache"] is None  # --no-cache: not looked in
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["models", "list", "--dir", str(empty), "--no-cache", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"models": [], "dirs": [str(empty)], "hf_cache": None}
