"""`llmvis suggest --all` interrupted (Ctrl+C, SIGTERM) said "kept suggestions for 10 of
the 55 images this run had to do (45 to go); run again to resume", and a plain run again
said "nothing to do: all 55 images already have suggestions from these models": the 45
were never redone (they keep the earlier pick, e.g. before a new --top-k). A full disk
already said "run llmvis suggest --all again"; the interrupt now says it too.
(/tmp/hunt-huser4: a 58-image folder, tiny BLIP + CLIP, SIGTERM 0.1 s into the --all run.)"""
from __future__ import annotations

import re

from llmvis_desktop.cli import main

try:
    from . import tiny_models
except ImportError:  # run as a plain module
    import tiny_models

N_IMAGES, BATCH = 8, 2


def _suggest(folder, blip, *more) -> list[str]:
    return ["suggest", str(folder), "--captioner", blip, "--batch", str(BATCH), "--read-processes", "0",
            "--no-index", *more]


def test_an_interrupted_redo_says_run_it_with_all_again(tiny, tmp_path, capsys, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    blip = str(tiny["blip"])
    assert main(["index", str(folder), "-q"]) == 0
    assert main(_suggest(folder, blip)) == 0  # every image has the model's caption
    capsys.readouterr()
    tiny_models.fail_after_commits(monkeypatch, 1, KeyboardInterrupt)
    assert main(_suggest(folder, blip, "--all")) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.match(r"llmvis suggest: interrupted; \d+ images' suggestions were stored, of the ", err), err
    assert err.endswith("; run llmvis suggest --all again to finish: a run without --all counts the images "
                        "left as done, as they have these models' suggestions from before"), err
    monkeypatch.undo()
    # what the old advice ("run again to resume") did: nothing
    assert main(_suggest(folder, blip)) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_an_interrupted_plain_run_still_says_run_again_to_resume(tiny, tmp_path, capsys, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    blip = str(tiny["blip"])
    assert main(["index", str(folder), "-q"]) == 0
    tiny_models.fail_after_commits(monkeypatch, 1, KeyboardInterrupt)
    assert main(_suggest(folder, blip)) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith("; run again to resume")
