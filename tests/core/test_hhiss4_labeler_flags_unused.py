"""`llmvis suggest` with a labeler's flags (--template, --top-k, --min-score) and no labeler
took them and dropped them without a word (a --prompt with no captioner is said unused):
a user who meant to pass --labeler, and typed only the tuning, got captions and no hint."""
from __future__ import annotations

import json

import tiny_models

from llmvis_desktop.cli import main


def test_labeler_flags_without_a_labeler_are_said_unused(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    args = ["suggest", str(folder), "--captioner", str(tiny["blip"]), "--read-processes", "0", "--limit", "1"]
    assert main(args + ["--template", "a {label} part", "--top-k", "2"]) == 0
    err = capsys.readouterr().err
    assert "warning: --template, --top-k apply to a zero-shot labeler only" in err and "not used" in err
    assert "--min-score" not in err.split("warning: --template")[1].splitlines()[0]
    assert main(args + ["--all", "--min-score", "0.2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any(m.startswith("--min-score applies to a zero-shot labeler only") for m in out["models"]["messages"])


def test_labeler_flags_with_a_labeler_say_nothing(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    with tiny_models.labelled_project(folder, ["scratch", "dent"]):
        pass
    args = ["suggest", str(folder), "--labeler", str(tiny["clip"]), "--read-processes", "0", "--limit", "1",
            "--template", "a {label} part", "--top-k", "1", "--min-score", "0.9"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "zero-shot labeler only" not in err
