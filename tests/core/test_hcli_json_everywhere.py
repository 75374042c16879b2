"""Every command a script runs takes --json: `export`, `import`, `labels add` and `labels
remove` refused it as an unknown argument (exit 2, nothing done), so a pipeline passing
--json to each step failed there, and an import's conflicts and unmatched records (exit 0)
could only be found by parsing its text."""
from __future__ import annotations

import json

from llmvis_desktop.cli import main


def _json(capsys) -> dict:
    got = capsys.readouterr()
    obj = json.loads(got.out)  # the whole of stdout is one object
    assert isinstance(obj, dict), got.out
    return obj


def test_labels_add_and_remove_print_an_object_with_json(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "dent", "scratch", "--json"]) == 0
    added = _json(capsys)["added"]
    assert [(a["name"], a["shortcut"]) for a in added] == [("dent", "1"), ("scratch", "2")]
    assert all(isinstance(a["id"], int) and a["color"].startswith("#") for a in added)
    assert main(["labels", "remove", str(png_folder), "scratch", "--json"]) == 0
    assert _json(capsys) == {"removed": [{"name": "scratch", "images": 0}]}
    assert main(["labels", "add", str(png_folder), "dent", "--json"]) == 1  # taken: the error object
    assert _json(capsys) == {"error": "label 'dent' already exists", "exit_code": 1}


def test_export_prints_its_report_as_an_object_with_json(png_folder, tmp_path, capsys):
    assert main(["index", str(png_folder), "-q"]) == 0
    capsys.readouterr()
    out = tmp_path / "x.csv"
    assert main(["export", str(png_folder), "--format", "csv", "--out", str(out), "--json"]) == 0
    report = _json(capsys)
    assert report["format"] == "csv" and report["out"] == str(out)
    assert report["images"] == 5 and report["files_written"] == 2
    assert isinstance(report["seconds"], float) and report["warnings"] == []
    # a failure: the error object (here the file exists, no --force)
    assert main(["export", str(png_folder), "--format", "csv", "--out", str(out), "--json"]) == 1
    failed = _json(capsys)
    assert failed["exit_code"] == 1 and "exists" in failed["error"]


def test_import_lists_its_conflicts_and_unmatched_records_with_json(png_folder, tmp_path, capsys):
    assert main(["index", str(png_folder), "-q"]) == 0
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("file_name,labels,caption,status\nimg0.png,dent,first,reviewed\n"
                     "gone.png,dent,x,reviewed\n")
    second.write_text("file_name,labels,caption,status\nimg0.png,dent,second,reviewed\n")
    capsys.readouterr()
    assert main(["import", str(png_folder), "--format", "csv", str(first), "--json"]) == 0
    report = _json(capsys)
    assert (report["records"], report["matched"], report["changed"], report["labels_created"]) == (2, 1, 1, 1)
    assert report["unmatched"] == ["gone.png"] and report["as"] == "reviewed"
    assert report["source"] == str(first) and report["conflicts"] == []
    assert main(["import", str(png_folder), "--format", "csv", str(second), "--json"]) == 0
    conflicts = _json(capsys)["conflicts"]
    assert conflicts == [{"file_name": "img0.png", "field": "caption", "existing": "first",
                          "incoming": "second", "existing_time": None, "existing_by": None,
                          "incoming_time": None, "incoming_by": None}]
    assert main(["import", str(png_folder), "--format", "csv", str(tmp_path / "none.csv"), "--json"]) == 1
    assert _json(capsys)["exit_code"] == 1
