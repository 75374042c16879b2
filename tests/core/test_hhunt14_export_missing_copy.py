"""A reviewed image whose file was deleted since (the index marked it missing): the
formats that copy the images (yolo, jsonl) cannot export it, and the warning says so
once. It said "its annotations are exported" (they were not: no file, no metadata
line) and then "file is missing, not copied" for the same image."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import ExportOptions, export_project


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_missing_reviewed_file_is_said_not_exported_once(proj, tmp_path, fmt):
    (proj.root / "img0.png").unlink()  # reviewed, labelled scratch, captioned
    (proj.root / "img1.png").unlink()  # reviewed, labelled dent and rust/oxide
    proj.scan()
    out = tmp_path / f"out_{fmt}"
    report = export_project(proj, fmt, out, ExportOptions(reviewed_only=True))
    # one line for both (grouped since hsmall15), naming each once
    said = [w for w in report.warnings if "img0.png" in w or "img1.png" in w]
    assert len(said) == 1 and said[0].startswith("2 images: file is missing"), said
    assert "not exported" in said[0] and "annotations are exported" not in said[0], said
    for name in ("img0.png", "img1.png"):
        assert said[0].count(name) == 1, said
        assert not any(p.name == name for p in out.rglob("*.png"))
    if fmt == "jsonl":
        meta = "".join(p.read_text() for p in out.rglob("metadata.jsonl"))
        assert "img0.png" not in meta and "sub/img6.png" in meta

