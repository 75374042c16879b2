"""A JSON import file saved with a UTF-8 byte order mark (Windows Notepad, PowerShell's
``Out-File -Encoding utf8``, Excel's "JSON") was refused: "not valid JSON at line 1,
column 1: Unexpected UTF-8 BOM" (COCO, Label Studio) and "train/metadata.jsonl line 1:
not valid JSON" (imagefolder), while a CSV or labelme file with one imported. Each now
imports as the same file without the mark does."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import import_file

BOM = b"\xef\xbb\xbf"


def _coco(folder):
    path = folder / "coco.json"
    doc = {"categories": [{"id": 7, "name": "a"}, {"id": 9, "name": "b"}],
           "images": [{"id": 3, "file_name": "img1.png", "width": 8, "height": 8},
                      {"id": 4, "file_name": "img2.png", "width": 8, "height": 8}],
           "annotations": [{"id": 1, "image_id": 3, "category_id": 7},
                           {"id": 2, "image_id": 4, "category_id": 9}]}
    path.write_bytes(BOM + json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    return path


def _labelstudio(folder):
    path = folder / "tasks.json"
    tasks = [{"id": n, "data": {"image": f"/data/upload/3/0a1b2c3d-{name}"},
              "annotations": [{"id": n, "result": [{"type": "choices", "from_name": "choice", "to_name": "image",
                                                    "value": {"choices": [label]}}]}]}
             for n, (name, label) in enumerate((("img1.png", "a"), ("img2.png", "b")), 1)]
    path.write_bytes(BOM + json.dumps(tasks).encode("utf-8"))
    return path


def _jsonl(folder):
    path = folder / "dataset"
    (path / "train").mkdir(parents=True)
    lines = [json.dumps({"file_name": "img1.png", "labels": "a"}), json.dumps({"file_name": "img2.png", "labels": "b"})]
    (path / "train" / "metadata.jsonl").write_bytes(BOM + "\n".join(lines).encode("utf-8") + b"\n")
    return path


@pytest.mark.parametrize("fmt,make", [("coco", _coco), ("labelstudio", _labelstudio), ("jsonl", _jsonl)])
def test_a_file_with_a_byte_order_mark_imports(small, tmp_path, fmt, make):
    project, ids = small
    report = import_file(project, fmt, make(tmp_path))
    assert report.matched == 2 and not report.unmatched, report.summary()
    got = {r.name: list(r.labels) for r in project.images(list(ids.values()))}
    assert got["img1.png"] == ["a"] and got["img2.png"] == ["b"]
    assert {r.review_status for r in project.images([ids["img1.png"], ids["img2.png"]])} == {"reviewed"}
