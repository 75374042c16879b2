"""Files as other tools write them (Hugging Face, Ultralytics/Roboflow, Label Studio, COCO
detection, CVAT), and exports as those tools' loaders need them. The loaders themselves
(pycocotools, datasets, label-studio-sdk) are not needed: each test asserts the
structural property the consumer relies on."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file
from llmvis_desktop.core.store.records import NewSuggestion

from interchange_helpers import make_files, open_scanned


def _images(folder: Path, names) -> Path:
    for i, rel in enumerate(names):
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((8 + i, 9, 3), i * 20, dtype=np.uint8)).save(p)
    return folder


def _by_path(p):
    return {r.relpath: r for r in p.images(p.image_ids())}


def test_same_file_name_in_two_split_or_class_folders_goes_to_its_own_image(tmp_path):
    """A dataset opened as the project: train/0001.png and val/0001.png are different
    images; each record belongs to the file beside its metadata / in its class folder."""
    d = _images(tmp_path / "ds", ["train/0001.png", "train/0002.png", "val/0001.png",
                                  "cls/train/cat/0001.jpg", "cls/train/dog/0001.jpg", "cls/val/cat/0001.jpg"])
    (d / "train/metadata.jsonl").write_text(json.dumps({"file_name": "0001.png", "text": "train one"}) + "\n"
                                            + json.dumps({"file_name": "0002.png", "text": "train two"}) + "\n")
    (d / "val/metadata.jsonl").write_text(json.dumps({"file_name": "0001.png", "text": "val one"}) + "\n")
    p = open_scanned(d)
    try:
        rep = import_file(p, "jsonl", d)
        assert rep.matched == 3 and not rep.unmatched
        rows = _by_path(p)
        assert (rows["train/0001.png"].caption, rows["val/0001.png"].caption) == ("train one", "val one")
        rep = import_file(p, "yolo", d / "cls")
        rows = _by_path(p)
        assert rows["cls/train/cat/0001.jpg"].labels == ("cat",)
        assert rows["cls/train/dog/0001.jpg"].labels == ("dog",)
        assert rows["cls/val/cat/0001.jpg"].labels == ("cat",)
    finally:
        p.close()


def test_reimport_does_not_bring_back_decided_suggestions(proj, tmp_path):
    out = tmp_path / "ls.json"
    export_project(proj, "labelstudio", out, ExportOptions(include_suggestions=True, anonymize=False))
    img = proj.image_by_path("img4.png")
    for sg in proj.suggestions(img.id, pending_only=True):
        proj.decide_suggestion(sg.id, "accepted" if sg.value == "dent" else "rejected", "alice")
    rep = import_file(proj, "labelstudio", out, overwrite=True)
    assert rep.suggestions_added == 0 and rep.suggestions_known == 3
    assert "3 suggestion(s) already there" in rep.summary()
    assert not proj.suggestions(img.id, pending_only=True)
    # another revision of the same model is a new suggestion
    doc = json.loads(out.read_text())
    task = next(t for t in doc if t["data"]["image"] == "img4.png")
    task["predictions"][0]["llmvis"]["model_revision"] = "r2"
    out.write_text(json.dumps(doc))
    assert import_file(proj, "labelstudio", out, overwrite=True).suggestions_added == 1


def _task(tid, image, anns=(), preds=()):
    return {"id": tid, "data": {"image": image}, "annotations": list(anns), "predictions": list(preds)}


def _ann(result, aid=1, updated=None):
    a = {"id": aid, "result": result, "was_cancelled": False}
    if updated:
        a["updated_at"] = updated
    return a


def _choices(values, name):
    return {"type": "choices", "from_name": name, "to_name": "image", "value": {"choices": values}}


def _text(value, name):
    return {"type": "textarea", "from_name": name, "to_name": "image", "value": {"text": [value]}}


def test_labelstudio_control_names_annotators_and_local_files_prefix(proj, tmp_path):
    f = tmp_path / "ls.json"
    f.write_text(json.dumps([
        # a TextArea not named caption, the template's "choice" and a second Choices
        _task(1, "/data/local-files/?d=img5.png",
              [_ann([_choices(["dent"], "choice"), _text("a dent on the rim", "description"),
                     _choices(["blurry"], "quality")])]),
        # two annotators, the newer listed first
        _task(2, "/data/local-files/?d=imgs/img3.png",
              [_ann([_choices(["ok"], "choice")], 9, "2024-06-02T10:00:00Z"),
               _ann([_choices(["dent"], "choice")], 3, "2024-06-01T10:00:00Z")]),
    ]))
    rep = import_file(proj, "labelstudio", f, overwrite=True)
    rows = _by_path(proj)
    assert rows["img5.png"].caption == "a dent on the rim" and rows["img5.png"].labels == ("dent",)
    assert "blurry" not in [lbl.name for lbl in proj.labels()]
    assert any("'quality'" in w for w in rep.warnings)
    assert rows["img3.png"].labels == ("ok",)  # the local-files prefix "imgs/" taken off
    assert any("disagree" in w for w in rep.warnings)
    # several TextAreas: the one named caption/text/description, the others named
    f.write_text(json.dumps([_task(1, "img5.png", [_ann([_text("x", "notes"), _text("the caption", "text")])])]))
    rep = import_file(proj, "labelstudio", f, overwrite=True)
    assert _by_path(proj)["img5.png"].caption == "the caption" and any("'notes'" in w for w in rep.warnings)


def test_labelstudio_config_declares_every_control_the_tasks_use(proj, tmp_path):
    """label-studio-sdk validates each prediction's from_name against the config."""
    ids = _by_path(proj)
    proj.add_suggestions([NewSuggestion(ids["img5.png"].id, "answer", "yes", "vqa", 0.5, None, "is it bent?")])
    out = tmp_path / "ls.json"
    export_project(proj, "labelstudio", out, ExportOptions(include_suggestions=True, anonymize=False))
    declared = set(re.findall(r'name="([^"]+)"', out.with_name("ls.label_config.xml").read_text()))
    used = {r["from_name"] for t in json.loads(out.read_text()) for group in ("annotations", "predictions")
            for a in t[group] for r in a["result"]}
    assert "answer" in used and used <= declared


def test_jsonl_reads_a_caption_key_and_names_unread_keys(proj, tmp_path):
    m = tmp_path / "meta"
    m.mkdir()
    (m / "metadata.jsonl").write_text(json.dumps({"file_name": "img5.png", "caption": "a plate", "source": "web"})
                                      + "\n")
    rep = import_file(proj, "jsonl", m)
    assert proj.image_by_path("img5.png").caption == "a plate"
    assert any("'source'" in w and "not read" in w for w in rep.warnings)


def test_yolo_refuses_a_detection_dataset_and_reads_valid_splits(tmp_path):
    det = _images(tmp_path / "det", ["train/images/a.jpg", "valid/images/b.jpg"])
    for split, stem in (("train", "a"), ("valid", "b")):
        (det / split / "labels").mkdir()
        (det / split / "labels" / f"{stem}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    p = open_scanned(det)
    try:
        with pytest.raises(InterchangeError, match="detection"):
            import_file(p, "yolo", det)
        assert not p.labels()
    finally:
        p.close()
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml/data.yaml").write_text("train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ['x']\n")
    _images(tmp_path / "yaml", ["train/x/a.png"])
    with pytest.raises(InterchangeError, match="detection"):
        import_file(open_scanned(tmp_path / "yaml"), "yolo", tmp_path / "yaml")
    d = _images(tmp_path / "cls", ["train/scratch/t.png", "valid/scratch/v.png", "validation/dent/w.png",
                                   "extra/ok/e.png"])
    p = open_scanned(d)
    try:
        rep = import_file(p, "yolo", d)
        rows = _by_path(p)
        assert rows["valid/scratch/v.png"].labels == ("scratch",) and rows["validation/dent/w.png"].labels == ("dent",)
        assert any("extra" in w and "not read" in w for w in rep.warnings)
    finally:
        p.close()


def test_coco_regions_and_cvat_shapes_give_image_labels_with_warnings(proj, tmp_path):
    coco = tmp_path / "det.json"
    coco.write_text(json.dumps({
        "images": [{"id": 0, "file_name": "img5.png", "width": 9, "height": 13}],
        "categories": [{"id": 0, "name": "defects"}, {"id": 1, "name": "scratch"}, {"id": 7, "name": "bent"}],
        "annotations": [{"id": 0, "image_id": 0, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 0},
                        {"id": 1, "image_id": 0, "category_id": 7, "segmentation": {"counts": [0, 9], "size": [13, 9]},
                         "iscrowd": 1}]}))
    rep = import_file(proj, "coco", coco, overwrite=True)
    assert set(_by_path(proj)["img5.png"].labels) == {"bent", "scratch"}
    assert any("2 region(s)" in w and "geometry" in w for w in rep.warnings)
    assert "defects" not in [lbl.name for lbl in proj.labels()]
    assert any("'defects'" in w for w in rep.warnings)
    cvat = tmp_path / "task.xml"
    cvat.write_text("""<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version>
<meta><task><labels><label><name>scratch</name><attributes/></label><label><name>unused_one</name></label>
</labels></task></meta>
<image id="0" name="img5.png" width="9" height="13"><tag label="scratch" source="manual">
<attribute name="severity">high</attribute></tag></image>
<image id="1" name="img4.png" width="9" height="12"><box label="dent" source="manual" xtl="1" ytl="1" xbr="5" ybr="6"/>
<polygon label="scratch" source="manual" points="1,1;5,1;5,5"/></image></annotations>""")
    rep = import_file(proj, "cvat", cvat, overwrite=True)
    assert set(_by_path(proj)["img4.png"].labels) == {"dent", "scratch"}
    assert any("2 shape(s)" in w for w in rep.warnings) and any("'severity'" in w for w in rep.warnings)
    assert "unused_one" not in [lbl.name for lbl in proj.labels()]


def test_coco_export_loads_where_every_annotation_needs_a_category(proj, tmp_path):
    """pycocotools reads category_id of every annotation of a file with categories."""
    out = tmp_path / "c.json"
    export_project(proj, "coco", out, ExportOptions(anonymize=False))
    main, caps = json.loads(out.read_text()), json.loads((tmp_path / "c.captions.json").read_text())
    assert main["annotations"] and all("category_id" in a for a in main["annotations"])
    assert "categories" not in caps and caps["annotations"] and all("caption" in a for a in caps["annotations"])
    # both files come back in, as one export
    fresh = open_scanned(make_files(tmp_path / "fresh"))
    try:
        import_file(fresh, "coco", out)
        assert fresh.image_by_path("img0.png").caption == "a scratch near the edge"
        assert fresh.image_by_path("img0.png").labels == ("scratch",)
        # a version 1 export (captions and labels in one file) still imports
        main["info"] = {"llmvis_extension": 1}
        main["annotations"] += [dict(a, id=1000 + a["id"]) for a in caps["annotations"]]
        old = tmp_path / "old.json"
        old.write_text(json.dumps(main).replace("a scratch near the edge", "old caption"))
        import_file(fresh, "coco", old, overwrite=True)
        assert fresh.image_by_path("img0.png").caption == "old caption"
    finally:
        fresh.close()


def test_jsonl_export_gives_every_split_the_same_types(proj, tmp_path):
    """The imagefolder loader infers each split's types from its rows and refuses splits
    that differ: no null, no empty list, no value it takes for a timestamp."""
    out = tmp_path / "hf"
    export_project(proj, "jsonl", out, ExportOptions(include_suggestions=True, include_repairs=True,
                                                     anonymize=False, split=(0.4, 0.3, 0.3), seed=1))
    metas = sorted(out.glob("*/metadata.jsonl"))
    assert len(metas) >= 2
    for meta in metas:
        rows = [json.loads(line) for line in meta.read_text().splitlines()]
        assert rows
        for r in rows:
            assert all(isinstance(v, str) for v in r.values()), r
            assert not r["time"] or "." in r["time"]  # microseconds: text, not a timestamp
    fresh = open_scanned(make_files(tmp_path / "fresh"))
    try:
        import_file(fresh, "jsonl", out)
        assert set(fresh.image_by_path("img1.png").labels) == {"dent", "rust/oxide"}
        assert {s.value for s in fresh.suggestions(fresh.image_by_path("img4.png").id)} == {"a dent, maybe", "dent",
                                                                                            "scratch"}
    finally:
        fresh.close()


def test_a_caption_the_image_already_has_does_not_mark_it_reviewed(tmp_path):
    """Formats with no status mark what they set as reviewed: a caption equal to the
    image's own sets nothing (a suggested image with a pending card became reviewed)."""
    d = _images(tmp_path / "imgs", ["a.png", "b.png"])
    p = open_scanned(d)
    try:
        rows = _by_path(p)
        a, b = rows["a.png"].id, rows["b.png"].id
        p.add_label("dent")
        p.set_caption(a, "a dent", "alice")
        p.add_suggestions([NewSuggestion(a, "label", "dent", "clip", 0.7, "r1", None)])
        assert p.image(a).review_status == "suggested"
        side = tmp_path / "txt"
        side.mkdir()
        (side / "a.txt").write_text("a dent")
        (side / "b.txt").write_text("a scratch")
        rep = import_file(p, "txt", side)
        assert (rep.unchanged, rep.changed) == (1, 1)
        assert p.image(a).review_status == "suggested" and p.suggestions(a, pending_only=True)
        assert (p.image(b).caption, p.image(b).review_status) == ("a scratch", "reviewed")
    finally:
        p.close()


@pytest.mark.parametrize("header, row", [("file_name,caption", "a.png,a dent"),
                                         ("file_name,caption,status", "a.png,a dent,")])
def test_a_csv_with_no_status_marks_what_it_sets_reviewed(tmp_path, header, row):
    """docs/interchange.md said a CSV's missing column "leaves that field alone", and that
    only YOLO and txt mark reviewed: a CSV with no status column (or a blank status cell,
    as a spreadsheet leaves it) is a record with no status, as any format's, and marks the
    image reviewed where it sets a caption or labels (``--as reviewed``: the file's
    annotations are done work); an image it sets nothing on keeps its status."""
    d = _images(tmp_path / "imgs", ["a.png", "b.png"])
    p = open_scanned(d)
    try:
        rows = _by_path(p)
        b = rows["b.png"].id
        p.set_caption(b, "a scratch", "alice")
        p.set_status(b, "new", "alice")
        f = tmp_path / "c.csv"
        f.write_text(f"{header}\n{row}\nb.png,a scratch{',' if 'status' in header else ''}\n")
        rep = import_file(p, "csv", f)
        assert (rep.changed, rep.unchanged) == (1, 1)
        assert (p.image(rows["a.png"].id).caption, p.image(rows["a.png"].id).review_status) == ("a dent",
                                                                                                "reviewed")
        assert p.image(b).review_status == "new"
        # --as suggestions leaves the images to review
        (tmp_path / "d.csv").write_text(f"{header}\nb.png,a scratch maybe{',' if 'status' in header else ''}\n")
        import_file(p, "csv", tmp_path / "d.csv", as_="suggestions")
        assert p.image(b).review_status in ("new", "suggested")
    finally:
        p.close()


def test_yolo_classification_folder_with_a_data_yaml_is_read_by_its_layout(tmp_path):
    """An Ultralytics classification dataset may carry a data.yaml (names, nc, train: train,
    val: val): its split/<class>/<image> folders, with no labels/ of box files, decide; it
    was refused as a detection dataset because the yaml's keys were checked first."""
    d = _images(tmp_path / "cls", ["train/scratch/a.png", "train/scratch/sub/b.png", "val/dent/e.png"])
    (d / "data.yaml").write_text("names:\n  0: scratch\n  1: dent\nnc: 2\ntrain: train\nval: val\n")
    p = open_scanned(d)
    try:
        rep = import_file(p, "yolo", d)
        rows = _by_path(p)
        assert rep.matched == 3
        assert rows["train/scratch/a.png"].labels == ("scratch",)
        assert rows["train/scratch/sub/b.png"].labels == ("scratch",)
        assert rows["val/dent/e.png"].labels == ("dent",)
    finally:
        p.close()


def test_yolo_import_of_a_folder_that_is_not_class_folders_labels_no_other_image(tmp_path):
    """A folder laid out as split/<project path> (an imagefolder export) imported as YOLO:
    train/nested/same.png is the project's nested/same.png, not the top-level same.png of
    class "nested"; it labelled (and marked reviewed) same.png. Images lying directly in a
    split folder, in no class folder, were skipped without a word."""
    proj = _images(tmp_path / "proj", ["same.png", "nested/same.png", "plain.png"])
    ds = _images(tmp_path / "ds", ["train/nested/same.png", "train/scratch/plain.png", "train/plain.png",
                                   "train/other.png"])
    p = open_scanned(proj)
    try:
        rep = import_file(p, "yolo", ds)
        rows = _by_path(p)
        assert rows["same.png"].labels == () and rows["same.png"].review_status != "reviewed"
        assert rows["nested/same.png"].labels == ()
        assert rows["plain.png"].labels == ("scratch",)  # a real class folder still counts
        assert any("nested/same.png" in w for w in rep.warnings), rep.warnings
        assert any("train/" in w and "2" in w and "class folder" in w for w in rep.warnings), rep.warnings
    finally:
        p.close()
