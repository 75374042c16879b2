"""A record whose name could be two images of the project (an uploaded Label Studio file
named as two images are, a caption sidecar ``a.txt`` beside ``a.png`` and ``a.jpg``,
another machine's path two images end as) was skipped with a warning saying so, and then
counted again in "N record(s) name no image of this project (e.g. scan.png)": the report
said the image was not there at all. Such records are now counted apart ("skipped: each
could be several images"), and "name no image" lists only the records naming none."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, import_file
from llmvis_desktop.core.project import Project


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for rel in ("a/scan.png", "b/scan.png", "c.png", "c.jpg", "d.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), len(rel), np.uint8)).save(root / rel)
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _no_image_lines(rep):
    return [w for w in rep.warnings if "name no image of this project" in w]


def test_an_uploaded_name_of_two_images_is_not_said_to_name_none(proj, tmp_path):
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps([{"id": n, "data": {"image": image}, "annotations": [{"id": n, "result": [
        {"type": "textarea", "from_name": "caption", "to_name": "image", "value": {"text": ["x"]}}]}]}
        for n, image in enumerate(["/data/upload/1/0a1b2c3d-scan.png", "/data/upload/1/0a1b2c3d-d.png",
                                   "/data/upload/1/0a1b2c3d-gone.png"], 1)]), encoding="utf-8")
    rep = import_file(proj, "labelstudio", f)
    assert rep.matched == 1 and rep.several == ["scan.png"] and rep.unmatched == ["gone.png"]
    assert _no_image_lines(rep) == ["1 record(s) name no image of this project (e.g. gone.png)"]
    assert "1 record(s) name no image" in rep.summary()
    assert "1 record(s) skipped: each could be several images" in rep.summary()


def test_a_sidecar_of_two_images_and_a_path_two_images_end_as(proj, tmp_path):
    side = tmp_path / "captions"
    side.mkdir()
    (side / "c.txt").write_text("c png or jpg?", encoding="utf-8")
    (side / "d.txt").write_text("d", encoding="utf-8")
    rep = import_file(proj, "txt", side)
    assert rep.matched == 1 and rep.several == ["c"] and not rep.unmatched and not _no_image_lines(rep)

    f = tmp_path / "team.csv"
    f.write_text("file_name,caption\n/home/bob/scan.png,which?\n/home/bob/d.png,d\n", encoding="utf-8")
    rep = import_file(proj, "csv", f)
    assert rep.matched == 1 and not rep.unmatched and not _no_image_lines(rep), rep.warnings
    assert rep.tail_ambiguous == [("/home/bob/scan.png", 2)] and not rep.several  # (the path part says it)
    assert "name no image" not in rep.summary()


def test_a_file_whose_every_record_could_be_several_images_says_how_many(proj, tmp_path):
    side = tmp_path / "captions"
    side.mkdir()
    (side / "c.txt").write_text("c", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"none of its 1 record\(s\) names an image.*'c' is ambiguous"):
        import_file(proj, "txt", side)
