"""labelme and X-AnyLabeling per-image JSON files import (a team switching from them)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, import_file
from llmvis_desktop.core.project import Project


def _img(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(path)


def _labelme(path, image_path, shapes=(), flags=None, **extra):
    doc = {"version": "5.4.1", "flags": flags or {},
           "shapes": [{"label": s, "points": [[1, 2], [3, 4]], "group_id": None, "description": "",
                       "shape_type": "rectangle", "flags": {}, "mask": None} for s in shapes],
           "imagePath": image_path, "imageData": None, "imageHeight": 6, "imageWidth": 8, **extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8-sig")  # (a BOM, as Windows editors leave one)


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for n in ("a.png", "sub/b.jpg", "sub/c.png", "d.png"):
        _img(root / n)
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _by_name(p):
    return {r.relpath: r for r in p.images(p.image_ids())}


def test_labelme_folder_beside_images_and_elsewhere(proj, tmp_path):
    root = proj.root
    # beside the image, as labelme saves by default, flags and a shape
    _labelme(root / "a.json", "a.png", shapes=["rust/oxide", "scratch mark "], flags={"ok": False, "defect": True})
    # an output folder: imagePath relative to the JSON, with Windows backslashes
    out = tmp_path / "ann"
    _labelme(out / "b.json", "..\\proj\\sub\\b.jpg", shapes=["dent"])
    # X-AnyLabeling: another machine's absolute path, and a description of the image
    _labelme(out / "sub" / "c.json", "C:\\Users\\bob\\data\\sub\\c.png", shapes=[],
             description="a dent near the rim")
    rep = import_file(proj, "labelme", root, actor="eve")
    rows = _by_name(proj)
    assert set(rows["a.png"].labels) == {"defect", "rust/oxide", "scratch mark"}
    assert rows["a.png"].review_status == "reviewed"
    assert any("geometry" in w for w in rep.warnings)
    assert any("spaces around" in w for w in rep.warnings)
    rep = import_file(proj, "labelme", out, actor="eve")
    rows = _by_name(proj)
    assert rows["sub/b.jpg"].labels == ("dent",)
    assert rows["sub/c.png"].caption == "a dent near the rim"
    assert rows["sub/c.png"].labels == ()
    assert rep.matched == 2 and not rep.unmatched


def test_labelme_one_file_names_what_is_not_matched(proj, tmp_path):
    _labelme(tmp_path / "x" / "gone.json", "/home/bob/gone.png", shapes=["dent"])
    (tmp_path / "x" / "project.json").write_text('{"name": "not labelme"}', encoding="utf-8")
    _labelme(tmp_path / "x" / "d.json", "d.png", flags={"ok": True})
    rep = import_file(proj, "labelme", tmp_path / "x", actor="eve")
    assert rep.unmatched == ["gone.png"]
    assert any("project.json" in w for w in rep.warnings)
    rep = import_file(proj, "labelme", tmp_path / "x" / "d.json", actor="eve")
    assert rep.matched == 1


def test_labelme_keeps_reviewed_work_and_records_the_source(proj, tmp_path):
    ids = {r.relpath: r.id for r in proj.images(proj.image_ids())}
    proj.add_label("dent")
    proj.set_labels(ids["a.png"], ["dent"], "alice")
    proj.set_status(ids["a.png"], "reviewed", "alice")
    _labelme(tmp_path / "x" / "a.json", "a.png", shapes=["scratch"])
    rep = import_file(proj, "labelme", tmp_path / "x", actor="eve")
    assert [c.file_name for c in rep.conflicts] == ["a.png"]
    assert _by_name(proj)["a.png"].labels == ("dent",)
    _labelme(tmp_path / "y" / "d.json", "d.png", shapes=["scratch"])
    import_file(proj, "labelme", tmp_path / "y", actor="eve")
    events = proj.history(ids["d.png"])
    assert any("import:y by eve" == e.actor for e in events)


def test_a_labelme_file_given_as_coco_says_which_format(proj, tmp_path):
    _labelme(tmp_path / "a.json", "a.png", shapes=["dent"])
    with pytest.raises(InterchangeError, match="try --format labelme|labelme"):
        import_file(proj, "coco", tmp_path / "a.json")


def test_labelme_export_hands_labels_and_captions_back(proj, tmp_path):
    from llmvis_desktop.core.interchange import export_project

    ids = {r.relpath: r.id for r in proj.images(proj.image_ids())}
    for name in ("dent", "rust/oxide"):
        proj.add_label(name)
    proj.set_labels(ids["sub/b.jpg"], ["rust/oxide"], "alice")
    proj.set_caption(ids["sub/b.jpg"], "oxide on the bolt", "alice")
    export_project(proj, "labelme", tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "sub" / "b.json").read_text(encoding="utf-8"))
    assert doc["flags"] == {"dent": False, "rust/oxide": True}
    assert doc["description"] == "oxide on the bolt"
    assert (tmp_path / "out" / "sub" / doc["imagePath"]).resolve() == (proj.root / "sub" / "b.jpg").resolve()
    assert not (tmp_path / "out" / "a.json").exists()  # nothing to hand back
