"""`llmvis suggest --json` with one model refused (a labeler in a project with no labels)
and the other's suggestions stored exits 1, yet its object had no "error" nor "exit_code":
a script testing `.error` (the README's failure contract, which every other exit 1 keeps)
took the run for a success. The report keeps its keys and adds both."""
from __future__ import annotations

import json

import tiny_models

from llmvis_desktop.cli import main


def test_a_model_refused_beside_one_that_ran_says_error_and_exit_code(tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    blip = tiny_models.build_blip(tmp_path / "blip")
    clip = tiny_models.build_clip(tmp_path / "clip")
    code = main(["suggest", str(folder), "--captioner", str(blip), "--labeler", str(clip), "--device", "cpu",
                 "--read-processes", "0", "--json"])
    got = capsys.readouterr()
    report = json.loads(got.out)
    assert code == 1
    assert report["models"]["suggestions"] == 2  # the captioner's, stored
    assert "no labels" in report["models"]["model_failures"]["label"]
    assert report["exit_code"] == 1
    assert report["error"] == report["models"]["model_failures"]["label"]
