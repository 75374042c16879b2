"""A folder format imported from a file or folder inside the dataset (a split's
metadata.jsonl, a sidecar, a YOLO split or class folder, an image in one: what a file
dialog makes easy to pick) was refused without saying what to pick instead: "the jsonl
format is imported from a folder", "no train/, val/ ... folder". The refusal now names
the folder to import."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file


@pytest.fixture
def exported(proj, tmp_path):
    out = {}
    for fmt in ("jsonl", "yolo", "txt"):
        out[fmt] = tmp_path / fmt
        export_project(proj, fmt, out[fmt], ExportOptions(split=(1.0, 0.0, 0.0), anonymize=False))
    return proj, out


def _refusal(project, fmt, path):
    with pytest.raises(InterchangeError) as err:
        import_file(project, fmt, path)
    return str(err.value)


def test_each_refusal_names_the_folder_to_import(exported):
    project, out = exported
    said = _refusal(project, "jsonl", out["jsonl"] / "train" / "metadata.jsonl")
    assert said.endswith(f"import the dataset folder {out['jsonl']} (or its train/ folder alone)"), said
    said = _refusal(project, "txt", out["txt"] / "sub" / "img6.txt")
    assert said.endswith(f"import the folder holding it, {out['txt'] / 'sub'}"), said
    said = _refusal(project, "yolo", out["yolo"] / "train")
    assert said.endswith(f"train/ is a split folder itself: import the folder above it, {out['yolo']}"), said
    said = _refusal(project, "yolo", out["yolo"] / "train" / "scratch")
    assert said.endswith(f"scratch/ is a class folder: import the dataset folder {out['yolo']}"), said
    said = _refusal(project, "yolo", out["yolo"] / "train" / "scratch" / "sub" / "img6.png")
    assert said.endswith(f"import the dataset folder {out['yolo']}"), said
    # and the folders named import
    assert import_file(project, "yolo", out["yolo"]).matched > 0
    assert import_file(project, "jsonl", out["jsonl"]).matched > 0
