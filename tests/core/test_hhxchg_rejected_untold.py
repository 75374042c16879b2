"""A rejected image with labels or a caption was written into YOLO class folders, labelme
files and caption sidecars like any other: those formats carry no review status, so the
reviewer's rejection was lost without a word (a training run took the image as data, and
an import of the folder marked it reviewed). The export now says which rejected images
it wrote and how to leave them out; formats that carry the status say nothing."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import ExportOptions, export_project


@pytest.fixture
def rejected(small):
    project, ids = small
    project.set_labels(ids["img2.png"], ["a"], "alice")
    project.set_caption(ids["img2.png"], "blurred, unusable", "alice")
    project.set_status(ids["img2.png"], "rejected", "alice")
    project.set_labels(ids["img1.png"], ["b"], "alice")
    project.set_caption(ids["img1.png"], "fine", "alice")
    project.set_status(ids["img1.png"], "reviewed", "alice")
    return project


@pytest.mark.parametrize("fmt,what", [("yolo", "YOLO class folders"), ("labelme", "labelme files"),
                                      ("txt", "caption sidecars")])
def test_a_rejected_image_written_without_its_status_is_said(rejected, tmp_path, fmt, what):
    report = export_project(rejected, fmt, tmp_path / fmt, ExportOptions(split=(1.0, 0.0, 0.0)))
    said = [w for w in report.warnings if "rejected" in w]
    assert said == [f"img2.png: rejected by its reviewer, yet written with its annotations: {what} carry no review "
                    f"status, so it reads as data there (and an import marks it reviewed); export with "
                    f"--reviewed-only to leave rejected ones out"], report.warnings
    assert report.images == 2

    only = export_project(rejected, fmt, tmp_path / f"{fmt}_reviewed",
                          ExportOptions(split=(1.0, 0.0, 0.0), reviewed_only=True))
    assert only.images == 1 and not [w for w in only.warnings if "rejected" in w]


@pytest.mark.parametrize("fmt,out", [("csv", "x.csv"), ("coco", "x.json"), ("cvat", "x.xml")])
def test_formats_carrying_the_status_say_nothing(rejected, tmp_path, fmt, out):
    report = export_project(rejected, fmt, tmp_path / out)
    assert not [w for w in report.warnings if "rejected" in w]
