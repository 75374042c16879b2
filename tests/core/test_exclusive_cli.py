"""`llmvis labels set` (colour, key, exclusive) and the flag in `llmvis labels list`."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def test_labels_set_marks_recolours_rekeys_and_list_shows_it(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "nodule", "normal"]) == 0
    with Project.open(png_folder) as p:
        p.scan()
        img = p.image_ids()[0]
        p.set_labels(img, ["nodule", "normal"], "ann")  # (two labels, neither exclusive yet)
    capsys.readouterr()
    assert main(["labels", "set", str(png_folder), "normal", "--exclusive", "--color", "#00aa00",
                 "--key", "5"]) == 0
    got = capsys.readouterr()
    assert "normal: key 5, colour #00aa00, exclusive" in got.out
    assert "1 image(s) carry normal with another label" in got.err
    assert main(["labels", "list", str(png_folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "[exclusive]" in next(ln for ln in lines if "normal" in ln)
    assert "[exclusive]" not in next(ln for ln in lines if "nodule" in ln)
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["labels"]}
    assert (listed["normal"]["exclusive"], listed["normal"]["shortcut"], listed["normal"]["color"]) == (
        True, "5", "#00aa00")
    assert listed["nodule"]["exclusive"] is False
    with Project.open(png_folder) as p:
        p.toggle_label(img, "nodule", "ann", on=False)
        p.toggle_label(img, "nodule", "ann", on=True)  # a defect put on: normal comes off
        assert p.snapshot(img)["labels"] == ["nodule"]
    assert main(["labels", "set", str(png_folder), "normal", "--no-exclusive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["label"]["exclusive"] is False


def test_labels_set_refusals_name_the_label_or_value(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "nodule", "normal"]) == 0
    capsys.readouterr()
    assert main(["labels", "set", str(png_folder), "nope", "--exclusive"]) == 1
    assert "label 'nope' does not exist" in capsys.readouterr().err
    assert main(["labels", "set", str(png_folder), "normal", "--key", "1"]) == 1
    assert "shortcut '1' is already used by label 'nodule'" in capsys.readouterr().err
    assert main(["labels", "set", str(png_folder), "normal", "--color", "green"]) == 1
    assert "colour 'green' is not of the form #rrggbb" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # a usage error, as `labels add --key` with two names
        main(["labels", "set", str(png_folder), "normal"])
    assert exc.value.code == 2 and "nothing to change" in capsys.readouterr().err


def test_labels_add_exclusive(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "ok", "--exclusive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"][0]["exclusive"] is True
