"""Two imports that "named no image" though the image was there:

* an annotation file written on Windows or macOS (case-insensitive file systems) names
  ``IMG_0001.JPG`` or ``Cam1/b.png`` while the folder, copied to Linux, holds
  ``img_0001.jpg`` and ``cam1/b.png``;
* a COCO/CVAT file made on a file share names ``data/batch3/cam1/a.png`` for the
  project's ``cam1/a.png`` (folders above the project's root).

Such a record is now matched when exactly one image fits (letter case ignored, or the
longest trailing part of its path), never guessed between two, and the report says how
many were matched so, with a few examples (text summary and ``--json``)."""
from __future__ import annotations

import json

import pytest
from PIL import Image

from llmvis_desktop import cli_interchange
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project

FILES = ("img_0001.jpg", "cam1/b.png", "cam1/a.png", "cam2/a.png", "solo/c.png",
         "twin/d.png", "twin/D.png", "x/e.png", "y/e.png")


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for n, rel in enumerate(FILES):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (4 + n, 4), (n, n, n)).save(root / rel, format="JPEG" if rel.endswith(".jpg") else "PNG")
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _csv(tmp_path, names):
    f = tmp_path / "team.csv"
    f.write_text("file_name,caption\n" + "".join(f"{n},cap {n}\n" for n in names), encoding="utf-8")
    return f


def _caption(proj, rel):
    return proj.image_by_path(rel).caption


def test_a_name_differing_in_letter_case_matches_the_one_image(proj, tmp_path):
    rep = import_file(proj, "csv", _csv(tmp_path, ["IMG_0001.JPG", "Cam1/B.png", "TWIN/d.png", "nothere.png"]))
    assert _caption(proj, "img_0001.jpg") == "cap IMG_0001.JPG"
    assert _caption(proj, "cam1/b.png") == "cap Cam1/B.png"
    assert rep.matched == 2 and rep.matched_by_case == [("IMG_0001.JPG", "img_0001.jpg"), ("Cam1/B.png", "cam1/b.png")]
    # twin/d.png and twin/D.png differ only by case: never guessed, counted apart
    assert _caption(proj, "twin/d.png") is None and _caption(proj, "twin/D.png") is None
    assert rep.several == ["TWIN/d.png"] and rep.unmatched == ["nothere.png"]
    assert any("TWIN/d.png" in w and "letter case" in w for w in rep.warnings), rep.warnings
    text = rep.summary()
    assert "2 record(s) matched ignoring letter case (IMG_0001.JPG -> img_0001.jpg, Cam1/B.png -> cam1/b.png)" in text
    js = cli_interchange.import_json(rep)
    assert js["matched_by_case"] == [{"file_name": "IMG_0001.JPG", "image": "img_0001.jpg"},
                                     {"file_name": "Cam1/B.png", "image": "cam1/b.png"}]


def test_an_exact_name_wins_over_one_differing_in_case(proj, tmp_path):
    rep = import_file(proj, "csv", _csv(tmp_path, ["twin/D.png"]))
    assert _caption(proj, "twin/D.png") == "cap twin/D.png" and _caption(proj, "twin/d.png") is None
    assert rep.matched == 1 and not rep.matched_by_case and "letter case" not in rep.summary()


def test_extra_leading_folders_match_by_the_longest_shared_suffix(proj, tmp_path):
    coco = tmp_path / "coco.json"
    names = ["data/batch3/cam1/a.png", "share/projectX/solo/c.png", "data/batch3/e.png", "data/cam3/a.png",
             "Data/Batch3/CAM1/B.PNG"]
    coco.write_text(json.dumps({
        "images": [{"id": k, "file_name": n, "width": 4, "height": 4} for k, n in enumerate(names, 1)],
        "categories": [{"id": 1, "name": "scratch"}],
        "annotations": [{"id": k, "image_id": k, "category_id": 1} for k in range(1, len(names) + 1)]}),
        encoding="utf-8")
    rep = import_file(proj, "coco", coco)
    assert proj.image_by_path("cam1/a.png").labels == ("scratch",)
    assert proj.image_by_path("cam2/a.png").labels == ()  # cam1 names one of the two a.png
    assert proj.image_by_path("solo/c.png").labels == ("scratch",)
    assert proj.image_by_path("cam1/b.png").labels == ("scratch",)  # both: folders above and case
    # e.png: x/e.png or y/e.png, and a.png under cam3: cam1/a.png or cam2/a.png - never guessed
    assert proj.image_by_path("x/e.png").labels == () and proj.image_by_path("y/e.png").labels == ()
    assert rep.matched == 3 and sorted(rep.several) == ["data/batch3/e.png", "data/cam3/a.png"]
    assert not rep.unmatched
    assert rep.matched_by_suffix == [("data/batch3/cam1/a.png", "cam1/a.png"),
                                     ("share/projectX/solo/c.png", "solo/c.png"),
                                     ("Data/Batch3/CAM1/B.PNG", "cam1/b.png")]
    assert rep.matched_by_case == [("Data/Batch3/CAM1/B.PNG", "cam1/b.png")]
    assert any("data/batch3/e.png" in w and "2 images" in w for w in rep.warnings), rep.warnings
    text = rep.summary()
    assert ("3 record(s) matched by the end of their path, the folders before it taken off "
            "(data/batch3/cam1/a.png -> cam1/a.png, share/projectX/solo/c.png -> solo/c.png, "
            "Data/Batch3/CAM1/B.PNG -> cam1/b.png)") in text, text
    js = cli_interchange.import_json(rep)
    assert js["matched_by_suffix"][0] == {"file_name": "data/batch3/cam1/a.png", "image": "cam1/a.png"}


def test_another_machines_path_differing_in_case(proj, tmp_path):
    rep = import_file(proj, "csv", _csv(tmp_path, ["C:\\Users\\bob\\CAM1\\B.png", "/home/bob/TWIN/D.PNG"]))
    assert _caption(proj, "cam1/b.png") == "cap C:\\Users\\bob\\CAM1\\B.png"
    assert rep.matched == 1 and rep.matched_by_tail == 1
    assert rep.matched_by_case == [("C:\\Users\\bob\\CAM1\\B.png", "cam1/b.png")]
    assert [n for n, _k in rep.tail_ambiguous] == ["/home/bob/TWIN/D.PNG"]


def test_a_file_shares_absolute_path_is_shown_with_the_image_it_matched(proj, tmp_path):
    rep = import_file(proj, "csv", _csv(tmp_path, ["/mnt/share/projectX/batch3/cam1/a.png"]))
    assert _caption(proj, "cam1/a.png") == "cap /mnt/share/projectX/batch3/cam1/a.png"
    assert rep.tail_matched == [("/mnt/share/projectX/batch3/cam1/a.png", "cam1/a.png")]
    assert ("1 matched by the end of the path (folders and file name): "
            "/mnt/share/projectX/batch3/cam1/a.png -> cam1/a.png") in rep.summary(), rep.summary()
    js = cli_interchange.import_json(rep)
    assert js["matched_by_tail"] == [{"file_name": "/mnt/share/projectX/batch3/cam1/a.png", "image": "cam1/a.png"}]


def test_a_bare_name_is_not_looked_for_in_the_folders(proj, tmp_path):
    """Only folders above the root are taken off: a bare name (a YOLO class folder's file,
    a CSV row naming a root image that is gone) is not matched to the one image in some
    folder with that name."""
    rep = import_file(proj, "csv", _csv(tmp_path, ["b.png", "img_0001.jpg"]))
    assert _caption(proj, "cam1/b.png") is None and rep.unmatched == ["b.png"]
    assert not rep.matched_by_suffix and not rep.matched_by_case


def test_cvat_and_label_studio_names_with_folders_above_or_another_case(proj, tmp_path):
    cvat = tmp_path / "annotations.xml"
    cvat.write_text('<annotations><version>1.1</version>'
                    '<image id="0" name="nas/batch3/cam1/a.png" width="4" height="4"><tag label="dent"/></image>'
                    '<image id="1" name="IMG_0001.JPG" width="4" height="4"><tag label="dent"/></image>'
                    '</annotations>', encoding="utf-8")
    rep = import_file(proj, "cvat", cvat)
    assert proj.image_by_path("cam1/a.png").labels == ("dent",) and proj.image_by_path("cam2/a.png").labels == ()
    assert proj.image_by_path("img_0001.jpg").labels == ("dent",)
    assert rep.matched_by_suffix == [("nas/batch3/cam1/a.png", "cam1/a.png")]
    assert rep.matched_by_case == [("IMG_0001.JPG", "img_0001.jpg")]

    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"id": n, "data": {"image": image}, "annotations": [{"id": n, "result": [
        {"type": "textarea", "from_name": "caption", "to_name": "image", "value": {"text": [f"t{n}"]}}]}]}
        for n, image in enumerate(["/data/upload/3/0a1b2c3d-C.PNG", "/data/upload/3/0a1b2c3d-d.PNG"], 1)]),
        encoding="utf-8")
    rep = import_file(proj, "labelstudio", tasks)
    assert _caption(proj, "solo/c.png") == "t1"  # an upload named in another case: the one c.png
    assert _caption(proj, "twin/d.png") is None and _caption(proj, "twin/D.png") is None
    assert rep.matched == 1 and rep.matched_by_case == [("C.PNG", "solo/c.png")] and rep.several == ["d.PNG"]
