"""A CVAT "COCO 1.0" or "CVAT for images 1.1" export is a zip archive: its import said
"not UTF-8 text (invalid continuation byte at byte 10)", nothing about what to do. It was
then refused naming the file to unzip; now the member is read from the archive
(test_interchange_zip_import), YOLO folders too (they were refused, naming what to unzip)."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / "frame_000000.jpg")
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def test_a_cvat_coco_zip_names_the_file_to_import(proj, tmp_path):
    coco = {"images": [{"id": 1, "file_name": "frame_000000.jpg", "width": 4, "height": 4}],
            "categories": [{"id": 1, "name": "dent", "supercategory": ""}], "annotations": []}
    z = tmp_path / "task_1_dataset.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("annotations/instances_default.json", json.dumps(coco))
        zf.writestr("images/frame_000000.jpg", b"\xff\xd8\xff")
    rep = import_file(proj, "coco", z)  # (it was refused: "unzip it and import annotations/...")
    assert rep.records == 1 and rep.source.endswith("task_1_dataset.zip/annotations/instances_default.json")


def test_a_cvat_xml_zip_names_annotations_xml(proj, tmp_path):
    z = tmp_path / "task_1_cvat.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("annotations.xml", "<annotations><version>1.1</version></annotations>")
    rep = import_file(proj, "cvat", z)  # (it was refused: "unzip it and import annotations.xml")
    assert rep.records == 0 and rep.source.endswith("task_1_cvat.zip/annotations.xml")


def test_a_yolo_zip_is_read_as_it_is(proj, tmp_path):
    # (it was refused, "unzip it and import the folder"; now read from the archive:
    # test_hhxchg_zip_folders)
    z = tmp_path / "roboflow.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("train/dent/frame_000000.jpg", b"\xff\xd8\xff")
    rep = import_file(proj, "yolo", z)
    assert rep.matched == 1 and proj.image_by_path("frame_000000.jpg").labels == ("dent",)
