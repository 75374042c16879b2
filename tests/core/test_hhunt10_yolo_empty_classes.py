"""A YOLO classification export of a small reviewed set: a split or a class folder with no
image (kept so the class numbers agree across splits) is refused by training tools
(torchvision's ImageFolder: "Found no valid file for the classes ..."), and the export said
nothing. It says which split lacks which label now."""
from __future__ import annotations

import numpy as np
from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project


def _project(root, n: int, names):
    root.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(np.full((8, 8), i * 7, np.uint8)).save(root / f"tile_{i:02d}.png")
    p = Project.open(root)
    p.index()
    p.add_labels(["scratch", "dent", "ok"])
    for i, image_id in enumerate(p.image_ids()):
        p.set_labels(image_id, [names[i % len(names)]], actor="lead")
    return p


def _empty_folders(out):
    return sorted(f"{d.parent.name}/{d.name}" for d in out.glob("*/*") if d.is_dir() and not any(d.iterdir()))


def test_an_empty_split_and_empty_class_folders_are_said(tmp_path):
    with _project(tmp_path / "few", 3, ["scratch", "dent"]) as p:
        out = tmp_path / "yolo"
        report = export_project(p, "yolo", out, ExportOptions(split=(0.5, 0.5, 0.0), seed=0))
    said = "\n".join(report.warnings)
    for split in ("train", "val"):
        empty = [n for n in ("scratch", "dent", "ok") if not any((out / split / n).iterdir())]
        assert empty  # "ok" is on no image
        if len(empty) == 3:
            assert f"{split}/: no image at all (its 3 class folder(s) are empty)" in said
            assert "split 0.5,0.5 (--split)" in said
        else:
            assert f"{split}/: no image of {', '.join(empty)}; " in said and "allow_empty=True" in said, said


def test_a_split_with_no_image_is_said(tmp_path):
    with _project(tmp_path / "one", 1, ["scratch"]) as p:
        out = tmp_path / "yolo"
        report = export_project(p, "yolo", out, ExportOptions(split=(0.8, 0.2, 0.0), seed=0))
    [empty] = [sp for sp in ("train", "val") if not any((out / sp).rglob("*.png"))]
    assert any(w.startswith(f"{empty}/: no image at all (its 3 class folder(s) are empty): too few labelled "
                            "images for the split 0.8,0.2 (--split)") for w in report.warnings), report.warnings
