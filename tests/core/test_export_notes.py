"""Answers kept as notes ("Ask the image" ▸ Keep as note, an answer card accepted) are in
the CSV and imagefolder (jsonl) exports, in a ``notes`` column / key: they were only in a
Label Studio export with --include-suggestions and in the history export."""
from __future__ import annotations

import csv
import json

from llmvis_desktop.core.interchange import ExportOptions, export_project, import_file
from llmvis_desktop.core.store.records import NewSuggestion

from interchange_helpers import annotate, copy_files, make_files, open_scanned


def _with_notes(tmp_path):
    p = open_scanned(make_files(tmp_path / "images"))
    annotate(p)
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    img = ids["img0.png"]
    kept, edited, pending, rejected = p.add_suggestions([
        NewSuggestion(img, "answer", "yes, near the left edge", "chat-a", prompt="Is there a crack?"),
        NewSuggestion(img, "answer", "=2 bolts", "chat-a", prompt="How many bolts?"),
        NewSuggestion(img, "answer", "a pending answer", "chat-a", prompt="What metal?"),
        NewSuggestion(img, "answer", "a rejected answer", "chat-a", prompt="Is it wet?")])
    p.decide_suggestion(kept, "accepted", "alice")
    p.decide_suggestion(edited, "edited", "bob", "three bolts")
    p.decide_suggestion(rejected, "rejected", "bob")
    return p, img


def _check_notes(text: str) -> None:
    notes = json.loads(text)
    assert [(n["question"], n["answer"], n["by"]) for n in notes] == [  # in the order kept
        ("Is there a crack?", "yes, near the left edge", "alice"), ("How many bolts?", "three bolts", "bob")]
    assert all(n["model_id"] == "chat-a" and n["time"] for n in notes)


def test_csv_export_has_the_kept_notes(tmp_path):
    p, _img = _with_notes(tmp_path)
    try:
        out = tmp_path / "out.csv"
        export_project(p, "csv", out, ExportOptions(anonymize=False))
        rows = {r["file_name"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
        _check_notes(rows["img0.png"]["notes"])
        assert all(r["notes"] == "" for name, r in rows.items() if name != "img0.png")
        # an import of it reads what it reads and says nothing of the notes column
        fresh = open_scanned(copy_files(p.root, tmp_path / "fresh"))
        try:
            rep = import_file(fresh, "csv", out, as_="reviewed")
            assert not [w for w in rep.warnings if "notes" in w], rep.warnings
        finally:
            fresh.close()
    finally:
        p.close()


def test_jsonl_export_has_the_kept_notes(tmp_path):
    p, _img = _with_notes(tmp_path)
    try:
        out = tmp_path / "ds"
        export_project(p, "jsonl", out, ExportOptions(anonymize=False))
        recs = {}
        for meta in out.glob("*/metadata.jsonl"):
            for line in meta.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                recs[rec["file_name"]] = rec
        _check_notes(recs["img0.png"]["notes"])
        assert all(r["notes"] == "" for name, r in recs.items() if name != "img0.png")  # text in every row
        fresh = open_scanned(copy_files(p.root, tmp_path / "fresh"))
        try:
            rep = import_file(fresh, "jsonl", out, as_="reviewed")
            assert not [w for w in rep.warnings if "notes" in w], rep.warnings
        finally:
            fresh.close()
    finally:
        p.close()
