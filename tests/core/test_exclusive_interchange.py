"""Exclusive labels through COCO: the flag round-trips (as a category's colour does), and a
record putting an exclusive label with another is written as the file has it and reported."""
from __future__ import annotations

import json

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.interchange import export_project, import_file
from llmvis_desktop.core.project import Project

from interchange_helpers import copy_files


def test_coco_carries_the_exclusive_flag(png_folder, tmp_path):
    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("nodule")
        p.add_label("normal", exclusive=True)
        a, b = p.image_ids()[:2]
        p.set_labels(a, ["nodule"], "ann")
        p.set_labels(b, ["normal"], "ann")
        export_project(p, "coco", tmp_path / "out.json")
    cats = {c["name"]: c for c in json.loads((tmp_path / "out.json").read_text())["categories"]}
    assert cats["normal"].get("exclusive") is True and "exclusive" not in cats["nodule"]
    fresh = copy_files(png_folder, tmp_path / "fresh")
    with Project.open(fresh) as p:
        p.scan()
        rep = import_file(p, "coco", tmp_path / "out.json", actor="carol")
        assert rep.labels_created == 2 and not rep.exclusive_clashes, rep.summary()
        assert {d.name: d.exclusive for d in p.labels()} == {"nodule": False, "normal": True}
        img = next(r.id for r in p.images(p.image_ids()) if r.labels == ("nodule",))
        ra.toggle_label(p, img, "normal", "ann", on=True)  # the rule holds in the project imported to
        assert p.snapshot(img)["labels"] == ["normal"]


def test_an_imported_record_with_both_is_kept_and_reported(png_folder, tmp_path):
    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("nodule")
        p.add_label("normal", exclusive=True)
        names = sorted(r.relpath for r in p.images(p.image_ids()))[:2]
        coco = {"images": [{"id": i, "file_name": n, "width": 4, "height": 4} for i, n in enumerate(names)],
                "categories": [{"id": 1, "name": "nodule"}, {"id": 2, "name": "normal"}],
                "annotations": [{"id": 1, "image_id": 0, "category_id": 1}, {"id": 2, "image_id": 0, "category_id": 2},
                                {"id": 3, "image_id": 1, "category_id": 2}]}
        (tmp_path / "a.json").write_text(json.dumps(coco))
        rep = import_file(p, "coco", tmp_path / "a.json", actor="carol")
        assert rep.exclusive_clashes == [(names[0], ["nodule", "normal"])]
        assert f"{names[0]}: nodule, normal" in rep.summary()
        got = {r.relpath: sorted(r.labels) for r in p.images(p.image_ids())}
        assert got[names[0]] == ["nodule", "normal"] and got[names[1]] == ["normal"]  # the file's rows kept
