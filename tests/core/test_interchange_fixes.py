"""Import defects a hunt found: stale files over newer local work, Label Studio regions,
taxonomy and absolute URLs, Unicode forms of label names, CSV formula cells, no-op
history events and unclear messages."""
from __future__ import annotations

import csv
import json
import unicodedata

import pytest

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file
from llmvis_desktop.core.store.convert import as_utc

from interchange_helpers import copy_files, open_scanned, state


@pytest.fixture
def fresh(proj, tmp_path):
    q = open_scanned(copy_files(tmp_path / "imgs", tmp_path / "copy"))
    yield q
    q.close()


def _task(tid, image, result=(), updated=None, data=None):
    ann = {"id": tid, "result": list(result), "was_cancelled": False}
    if updated:
        ann["updated_at"] = updated
    return {"id": tid, "data": {"image": image, **(data or {})}, "annotations": [ann], "predictions": []}


# --- D4: --overwrite and a file older than the image's last change ---------------------


def test_overwrite_keeps_newer_local_work_and_never_moves_the_time_back(proj, tmp_path):
    from llmvis_desktop.core.when import format_when, short_when  # (to the second: same minute)

    out = tmp_path / "t0.csv"
    export_project(proj, "csv", out, ExportOptions(anonymize=False))
    img = proj.image_by_path("img0.png")
    proj.set_caption(img.id, "NEWER caption", "bob")
    local = proj.image(img.id)
    rep = import_file(proj, "csv", out, overwrite=True, actor="carl")
    row = proj.image(img.id)
    assert row.caption == "NEWER caption" and row.updated_by == "bob"
    assert as_utc(row.updated_at) == as_utc(local.updated_at)
    (c,) = [c for c in rep.conflicts if c.file_name == "img0.png"]
    text = str(c)
    assert "NEWER caption" in text and "a scratch near the edge" in text
    assert "bob" in text and "alice" in text and any(f"changed here at {w(local.updated_at)} by bob" in text for w in (short_when, format_when))
    assert rep.overwritten == 0
    # forced: the file's value goes in, but the image's time and reviewer do not go back
    rep = import_file(proj, "csv", out, overwrite=True, overwrite_newer=True, actor="carl")
    row = proj.image(img.id)
    assert row.caption == "a scratch near the edge" and rep.overwritten == 1
    assert as_utc(row.updated_at) >= as_utc(local.updated_at) and row.updated_by != "alice"


# --- D12: no no-op import event --------------------------------------------------------


def test_first_import_of_a_suggested_only_image_writes_no_event_and_is_not_changed(proj, fresh, tmp_path):
    out = tmp_path / "s.csv"
    export_project(proj, "csv", out, ExportOptions(anonymize=False, include_suggestions=True))
    rep = import_file(fresh, "csv", out)
    img = fresh.image_by_path("img4.png")
    assert img.review_status == "suggested" and len(fresh.suggestions(img.id, pending_only=True)) == 3
    assert not [e for e in fresh.history(img.id) if e.action == "import"]
    # img0, img1, img2, img3, sub/img6 and the DICOM changed; img4 and img5 did not
    assert rep.changed == 6, rep.summary()


# --- D1: Label Studio regions, taxonomy and other results ---------------------------------


def test_labelstudio_regions_and_taxonomy_label_the_image_and_other_results_are_named(proj, tmp_path):
    f = tmp_path / "ls.json"
    f.write_text(json.dumps([_task(1, "img5.png", [
        {"from_name": "bbox", "to_name": "image", "type": "rectanglelabels",
         "value": {"x": 1, "y": 1, "width": 5, "height": 5, "rectanglelabels": ["dent"]}},
        {"from_name": "poly", "to_name": "image", "type": "polygonlabels",
         "value": {"points": [[1, 1], [2, 2], [1, 2]], "polygonlabels": ["crack"]}},
        {"from_name": "tax", "to_name": "image", "type": "taxonomy",
         "value": {"taxonomy": [["Defect", "Bent"]]}},
        {"from_name": "quality", "to_name": "image", "type": "rating", "value": {"rating": 2}},
        {"from_name": "r", "to_name": "image", "type": "rating", "value": {"rating": 4}},
    ])]))
    rep = import_file(proj, "labelstudio", f)
    assert set(proj.image_by_path("img5.png").labels) == {"dent", "crack", "Defect/Bent"}
    assert any("2 region(s)" in w and "each gave its label to its image as an image-level label" in w
               and "geometry was not imported" in w for w in rep.warnings), rep.warnings
    assert any("2 result(s)" in w and "rating" in w and "not imported" in w for w in rep.warnings), rep.warnings


# --- D3: Label Studio round trip keeps the taxonomy and its order -------------------------


def test_labelstudio_round_trip_keeps_unused_labels_and_their_order(proj, fresh, tmp_path):
    proj.add_label("empty class")
    out = tmp_path / "ls.json"
    export_project(proj, "labelstudio", out, ExportOptions(anonymize=False))
    import_file(fresh, "labelstudio", out)
    assert [(lb.name, lb.shortcut) for lb in fresh.labels()] == [(lb.name, lb.shortcut) for lb in proj.labels()]


def test_csv_round_trip_keeps_unused_labels_and_their_order(proj, fresh, tmp_path):
    proj.add_label("empty class")
    out = tmp_path / "t.csv"
    export_project(proj, "csv", out, ExportOptions(anonymize=False))
    assert (tmp_path / "t.labels.txt").is_file()
    import_file(fresh, "csv", out)
    assert [(lb.name, lb.shortcut) for lb in fresh.labels()] == [(lb.name, lb.shortcut) for lb in proj.labels()]


def test_csv_creates_new_labels_in_the_files_first_seen_order(proj, tmp_path):
    f = tmp_path / "order.csv"
    f.write_text("file_name,labels\nimg5.png,zeta;alpha\nimg3.png,mid\n")
    import_file(proj, "csv", f, overwrite=True)
    assert [lb.name for lb in proj.labels()][-3:] == ["zeta", "alpha", "mid"]


# --- D2: Label Studio absolute URLs ----------------------------------------------------


def test_labelstudio_absolute_urls_match_like_relative_ones(proj, tmp_path):
    f = tmp_path / "ls.json"
    choice = [{"from_name": "labels", "to_name": "image", "type": "choices", "value": {"choices": ["dent"]}}]
    f.write_text(json.dumps([
        _task(1, "http://localhost:8080/data/local-files/?d=imgs/img5.png", choice),
        _task(2, "https://ls.example.org/data/upload/1/deadbeef-img3.png", choice),
    ]))
    rep = import_file(proj, "labelstudio", f, overwrite=True)
    assert rep.matched == 2 and not rep.unmatched
    assert proj.image_by_path("img5.png").labels == ("dent",)
    assert proj.image_by_path("img3.png").labels == ("dent",)


# --- D8: label names in another Unicode form --------------------------------------------


def test_nfd_label_maps_to_the_existing_nfc_label_and_new_ones_are_nfc(proj, tmp_path):
    proj.add_label("défaut")
    nfd = unicodedata.normalize("NFD", "défaut")
    new_nfd = unicodedata.normalize("NFD", "rayé")
    f = tmp_path / "nfd.csv"
    f.write_text(f"file_name,labels\nimg5.png,{nfd}\nimg3.png,{nfd};{new_nfd}\n", encoding="utf-8")
    rep = import_file(proj, "csv", f, overwrite=True)
    assert proj.image_by_path("img5.png").labels == ("défaut",)
    assert set(proj.image_by_path("img3.png").labels) == {"défaut", "rayé"}
    names = [lb.name for lb in proj.labels()]
    assert "rayé" in names and nfd not in names and new_nfd not in names
    assert len([w for w in rep.warnings if "Unicode" in w]) == 1


# --- D7: CSV formula cells --------------------------------------------------------------


def test_csv_export_defuses_formula_cells_and_imports_them_back_exactly(proj, fresh, tmp_path):
    ids = {r.relpath: r.id for r in proj.images(proj.image_ids())}
    proj.add_label("=cmd")
    proj.set_caption(ids["img5.png"], '=HYPERLINK("http://x","click")', "alice")
    proj.set_labels(ids["img5.png"], ["=cmd"], "alice")
    proj.set_caption(ids["img3.png"], "-5 dents", "@bob")
    proj.set_caption(ids["img2.png"], "'=already quoted", "alice")
    proj.set_caption(ids["img1.png"], "+\tplus", "alice")
    out = tmp_path / "x.csv"
    export_project(proj, "csv", out, ExportOptions(anonymize=False, include_suggestions=True))
    with open(out, encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    import_file(fresh, "csv", out)
    assert state(fresh) == state(proj)


def test_csv_import_keeps_a_leading_apostrophe_of_plain_text(proj, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("file_name,caption\nimg5.png,'tis a dent\n")
    import_file(proj, "csv", f)
    assert proj.image_by_path("img5.png").caption == "'tis a dent"


# --- D11: messages ----------------------------------------------------------------------


def test_labelstudio_image_under_another_key_says_so(proj, tmp_path):
    f = tmp_path / "ls.json"
    f.write_text(json.dumps([{"id": 1, "data": {"img": "img5.png", "extra": 1}, "annotations": []}]))
    with pytest.raises(InterchangeError) as exc:
        import_file(proj, "labelstudio", f)
    assert "no 'image'" in str(exc.value) and "'img'" in str(exc.value) and "'extra'" in str(exc.value)


def test_labelstudio_json_min_export_gets_a_hint(proj, tmp_path):
    f = tmp_path / "min.json"
    f.write_text(json.dumps([{"image": "/data/local-files/?d=img5.png", "id": 1, "choice": "dent",
                              "annotator": 1, "annotation_id": 5}]))
    with pytest.raises(InterchangeError) as exc:
        import_file(proj, "labelstudio", f)
    assert "JSON-MIN" in str(exc.value) and '"JSON"' in str(exc.value)


def test_coco_absolute_file_name_inside_the_project_is_accepted(proj, tmp_path):
    f = tmp_path / "abs.json"
    f.write_text(json.dumps({"images": [{"id": 1, "file_name": str(proj.root / "sub" / "img6.png")}],
                             "categories": [{"id": 1, "name": "dent"}],
                             "annotations": [{"id": 1, "image_id": 1, "category_id": 1}]}))
    import_file(proj, "coco", f, overwrite=True)
    assert proj.image_by_path("sub/img6.png").labels == ("dent",)
    # another machine's path: matched by its end (it refused the file, naming the project folder)
    f.write_text(json.dumps({"images": [{"id": 1, "file_name": "/elsewhere/img6.png"}],
                             "categories": [{"id": 1, "name": "ok"}],
                             "annotations": [{"id": 1, "image_id": 1, "category_id": 1}]}))
    rep = import_file(proj, "coco", f, overwrite=True)
    assert proj.image_by_path("sub/img6.png").labels == ("ok",) and rep.matched_by_tail == 1
    f.write_text(json.dumps({"images": [{"id": 1, "file_name": "/elsewhere/../img6.png"}], "annotations": []}))
    with pytest.raises(InterchangeError) as exc:
        import_file(proj, "coco", f)
    assert str(proj.root) in str(exc.value)


def test_conflict_lines_say_no_caption_not_none(proj, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("file_name,caption\nimg1.png,hf text\nimg0.png,\n")
    rep = import_file(proj, "csv", f)
    lines = [str(c) for c in rep.conflicts]
    assert lines and not [ln for ln in lines if "None" in ln], lines
    assert any("no caption" in ln for ln in lines), lines


def test_txt_sidecar_shared_by_two_images_is_named_ambiguous(tmp_path):
    import numpy as np
    from PIL import Image

    d = tmp_path / "stem"
    d.mkdir()
    for name in ("a.png", "a.jpg"):
        Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(d / name)
    p = open_scanned(d)
    try:
        (d / "a.txt").write_text("a caption")
        with pytest.raises(InterchangeError) as exc:
            import_file(p, "txt", d)
        assert "a.png" in str(exc.value) and "a.jpg" in str(exc.value) and "ambiguous" in str(exc.value)
    finally:
        p.close()
