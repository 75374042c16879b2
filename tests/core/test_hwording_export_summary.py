"""An export's summary counts what the format's file holds, and names the unit
(/tmp/hunt-hhuntind/exp: "coco: ... 186 annotation(s)" for a COCO file of 147
annotations: it counted labels plus captions, and the captions are in the other file;
the CSV's summary said "annotation(s)" of a file of rows). The CLI prints the same
summary, and so does the Export dialog."""
from __future__ import annotations

import csv
import json
import re

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.interchange import ExportOptions, export_project

from interchange_helpers import annotate, make_files, open_scanned


@pytest.fixture
def project(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    annotate(p)  # 8 images; 6 labels on 4 of them; 4 captions
    yield p
    p.close()


def _count(text: str, unit: str) -> int:
    m = re.search(rf"(\d+) {unit}\b", text)
    assert m, (unit, text)
    return int(m.group(1))


def test_coco_summary_counts_the_coco_files_annotations_and_the_captions_apart(project, tmp_path):
    out = tmp_path / "out.coco"
    rep = export_project(project, "coco", out, ExportOptions())
    doc = json.loads(out.read_text(encoding="utf-8"))
    caps = json.loads((tmp_path / "out.coco.captions.json").read_text(encoding="utf-8"))
    text = rep.summary()
    assert _count(text, "images") == len(doc["images"]) == 8, text
    assert _count(text, "annotations") == len(doc["annotations"]) == 6, text
    assert _count(text, "captions") == len(caps["annotations"]) == 4, text
    assert "annotation(s)" not in text and "10 " not in text, text


def test_csv_summary_counts_rows(project, tmp_path):
    out = tmp_path / "out.csv"
    rep = export_project(project, "csv", out, ExportOptions())
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    text = rep.summary()
    assert _count(text, "rows") == len(rows) == 8, text
    labels = sum(len([x for x in r["labels"].split(";") if x]) for r in rows)
    assert _count(text, "labels") == labels == 6, text
    assert _count(text, "captions") == sum(1 for r in rows if r["caption"]) == 4, text
    assert "annotation" not in text, text


def test_yolo_summary_counts_the_image_files_in_label_folders(project, tmp_path):
    out = tmp_path / "yolo"
    rep = export_project(project, "yolo", out, ExportOptions())
    files = [p for p in out.rglob("*") if p.is_file() and p.parent != out]  # (not llmvis_taxonomy.txt beside the splits)
    text = rep.summary()
    assert _count(text, "images") == 4, text  # the labelled ones
    assert _count(text, "files in label folders") == len(files) == 6, text  # one per label


def test_every_format_names_its_unit(project, tmp_path):
    for fmt, name in (("cvat", "out.xml"), ("labelstudio", "ls.json"), ("jsonl", "hf"), ("txt", "txt")):
        text = export_project(project, fmt, tmp_path / name, ExportOptions()).summary()
        assert "annotation(s)" not in text and "image(s)" not in text, text


def test_the_cli_prints_the_coco_files_count(project, tmp_path, capsys):
    folder = project.root
    out = tmp_path / "cli.coco"
    assert main(["export", str(folder), "--format", "coco", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert f"{len(doc['annotations'])} annotations" in said and "4 captions" in said, said
