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
