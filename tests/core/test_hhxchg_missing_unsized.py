"""An image whose file was deleted (or moved) before the index read its header has no
known size: a COCO or CVAT export left it out ("image size unknown (the file could not be
read; see the index's error for it); left out of the COCO file") and said in the same
breath "2 images: file is missing ...; its annotations are exported". It now says one
thing, that it was not exported and why, with no index error to look for."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core.interchange import export_project
from llmvis_desktop.core.project import Project


@pytest.mark.parametrize("fmt,out", [("coco", "x.json"), ("cvat", "x.xml")])
def test_a_missing_file_of_unknown_size_is_said_once_as_not_exported(tmp_path, fmt, out):
    root = tmp_path / "proj"
    root.mkdir()
    for name in ("kept.png", "gone.png"):
        Image.new("L", (6, 4), 50).save(root / name)
    with Project.open(root) as p:
        p.scan()  # (no header read yet)
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        p.add_label("dent")
        p.set_labels(ids["gone.png"], ["dent"], "alice")
        p.set_status(ids["gone.png"], "reviewed", "alice")
        (root / "gone.png").unlink()
        p.scan()
        assert p.image(ids["gone.png"]).width is None
        report = export_project(p, fmt, tmp_path / out)
    said = [w for w in report.warnings if "gone.png" in w]
    assert len(said) == 1, report.warnings
    assert "file is missing" in said[0] and "not exported" in said[0] and "annotations are exported" not in said[0]
    assert "index's error" not in said[0]
    assert report.images == 1
    assert "gone.png" not in (tmp_path / out).read_text(encoding="utf-8")
