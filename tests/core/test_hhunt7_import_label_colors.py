"""A COCO or CVAT export imported into a project without its labels gave them the
palette's next colours: the lead's red for "scratch" came back green (CVAT's file even
carried the colour). The labels an import makes take the file's colour now."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import export_project, import_file
from llmvis_desktop.core.project import Project

COLORS = {"scratch": "#ff0000", "dent": "#00aa00", "crack": "#123456"}


def _project(root, labelled: bool):
    root.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((8, 8), i * 60, np.uint8)).save(root / f"tile_{i}.png")
    p = Project.open(root)
    p.index()
    if labelled:
        for name, color in COLORS.items():
            p.add_label(name, color=color)
        for i, name in zip(p.image_ids(), ["scratch", "crack"]):  # "dent" on no image
            p.set_labels(i, [name], actor="lead")
    return p


@pytest.mark.parametrize("fmt", ["coco", "cvat"])
def test_labels_made_by_an_import_take_the_files_colours(tmp_path, fmt):
    src = _project(tmp_path / "lead", labelled=True)
    out = tmp_path / f"export.{fmt}"
    export_project(src, fmt, out)
    src.close()
    dst = _project(tmp_path / "teammate", labelled=False)
    dst.add_label("crack", color="#abcdef")  # a label already there keeps its own colour
    import_file(dst, fmt, out)
    got = {d.name: d.color for d in dst.labels()}
    assert got == {"scratch": "#ff0000", "dent": "#00aa00", "crack": "#abcdef"}
    dst.close()


def test_a_coco_colour_that_is_not_one_takes_the_palettes(tmp_path):
    src = _project(tmp_path / "lead", labelled=True)
    out = tmp_path / "export.json"
    export_project(src, "coco", out)
    src.close()
    doc = json.loads(out.read_text(encoding="utf-8"))
    for cat in doc["categories"]:
        cat["color"] = {"scratch": "red", "dent": 7, "crack": "#FFAA00"}[cat["name"]]
    out.write_text(json.dumps(doc), encoding="utf-8")
    dst = _project(tmp_path / "teammate", labelled=False)
    import_file(dst, "coco", out)
    got = {d.name: d.color for d in dst.labels()}
    assert got["crack"] == "#ffaa00"
    assert got["scratch"].startswith("#") and got["scratch"] != "red" and isinstance(got["dent"], str)
    dst.close()
