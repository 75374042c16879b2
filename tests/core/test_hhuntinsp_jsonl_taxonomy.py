"""A Hugging Face imagefolder (jsonl) export carries the whole taxonomy, in its order.

An inspection team's fixed taxonomy (scratch, dent, crack, ok) exported as jsonl and
imported into a fresh project came back as only the labels some image used, in the
order the rows first named them: `ok` got key 1 where `scratch` had it, so a reviewer
pressing 1 from habit labelled the wrong defect, and `dent`, not yet seen, was gone
(/tmp/hunt-hhuntinsp/repro_jsonl_taxonomy.sh). CSV, COCO, YOLO, Label Studio and CVAT
exports already kept it."""
from __future__ import annotations

import json

from llmvis_desktop.core.interchange import ExportOptions, export_project, import_file

from interchange_helpers import copy_files, make_files, open_scanned

TAXONOMY = ["scratch", "dent", "crack", "ok"]


def _project(tmp_path):
    p = open_scanned(make_files(tmp_path / "images"))
    for name in TAXONOMY:
        p.add_label(name)
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    for rel, label in (("img0.png", "ok"), ("img1.png", "crack"), ("img2.png", "ok")):
        p.set_labels(ids[rel], [label], "inspector")
        p.set_status(ids[rel], "reviewed", "inspector")
    return p


def test_jsonl_round_trip_keeps_the_whole_taxonomy_in_its_order(tmp_path):
    src = _project(tmp_path)
    out = tmp_path / "hf"
    try:
        export_project(src, "jsonl", out, ExportOptions(anonymize=False))
        fresh = open_scanned(copy_files(src.root, tmp_path / "fresh"))
        try:
            rep = import_file(fresh, "jsonl", out, as_="reviewed")
            assert [lbl.name for lbl in fresh.labels()] == TAXONOMY, rep.summary()
            assert [lbl.shortcut for lbl in fresh.labels()] == [lbl.shortcut for lbl in src.labels()]
            assert fresh.image_by_path("img1.png").labels == ("crack",)
            assert not rep.warnings, rep.warnings
        finally:
            fresh.close()
    finally:
        src.close()


def test_jsonl_metadata_rows_are_unchanged_by_the_taxonomy_file(tmp_path):
    """The loader reads only the split folders: the rows stay what they were."""
    src = _project(tmp_path)
    try:
        out = tmp_path / "hf"
        export_project(src, "jsonl", out, ExportOptions(anonymize=False, split=(1.0, 0.0)))
        rows = [json.loads(line) for line in (out / "train" / "metadata.jsonl").read_text().splitlines()]
        assert {r["file_name"]: r["labels"] for r in rows if r["labels"]} == {
            "img0.png": "ok", "img1.png": "crack", "img2.png": "ok"}
        assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["llmvis_taxonomy.txt"]
    finally:
        src.close()
