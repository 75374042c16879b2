"""Exports of a project where no image carries what the format holds:
- labelme wrote an empty folder and said "0 images" with no warning (the YOLO and caption
  sidecar exports say why: "the 1 image has no label, and ..."); it now says so too;
- the YOLO export (no class folder, its llmvis_taxonomy.txt only) imported again was
  refused "no train/ ... folder; this looks like a folder of caption .txt sidecars, not
  yolo": the export's own taxonomy file was taken for a caption sidecar."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, export_project, import_file
from llmvis_desktop.core.project import Project


def test_a_labelme_export_with_nothing_to_write_says_why(small, tmp_path):
    project, _ids = small
    report = export_project(project, "labelme", tmp_path / "lm")
    assert report.images == 0
    assert report.warnings == ["none of the 4 images has a label or a caption, and labelme files are written for "
                               "images with labels or a caption only"]


def test_an_empty_yolo_export_is_not_taken_for_caption_sidecars(tmp_path):
    root = tmp_path / "new"
    root.mkdir()
    Image.new("L", (8, 8), 30).save(root / "img1.png")
    with Project.open(root) as project:  # (no label yet: no class folder)
        project.index()
        out = tmp_path / "yolo"
        export_project(project, "yolo", out)
        assert (out / "llmvis_taxonomy.txt").is_file()
        with pytest.raises(InterchangeError) as err:
            import_file(project, "yolo", out)
    assert "no train/" in str(err.value) and "caption .txt" not in str(err.value)
