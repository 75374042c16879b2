"""An export file name given with no extension gets the format's (CSV .csv, COCO .json, the
history .jsonl, CVAT .xml), said in the summary line: ``llmvis export --format csv --out
annotations`` wrote a file named "annotations" that no spreadsheet or tool recognised.
A name with an extension, a folder format's folder, and a path that exists stay as given."""
from __future__ import annotations


from interchange_helpers import run_cli as _run, annotate, make_files, open_scanned

from llmvis_desktop.core.interchange import export_path


def test_the_cli_adds_the_formats_extension_and_says_so(tmp_path, capsys):
    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    annotate(p)
    p.close()
    for fmt, suffix in (("csv", ".csv"), ("coco", ".json"), ("history", ".jsonl"), ("cvat", ".xml")):
        out = tmp_path / f"out_{fmt}"
        assert _run(["export", str(src), "--format", fmt, "--out", str(out)]) == 0
        said = capsys.readouterr().out
        assert not out.exists() and (tmp_path / f"out_{fmt}{suffix}").is_file(), fmt
        assert f"-> {out}{suffix} ({suffix} added to the name given, which had no extension)" in said, said
    # a name with an extension of its own: written as given, nothing said
    assert _run(["export", str(src), "--format", "csv", "--out", str(tmp_path / "rows.txt")]) == 0
    assert (tmp_path / "rows.txt").is_file() and "added to the name" not in capsys.readouterr().out
    # a folder format: the folder as given
    assert _run(["export", str(src), "--format", "jsonl", "--out", str(tmp_path / "hf")]) == 0
    assert (tmp_path / "hf").is_dir() and "added to the name" not in capsys.readouterr().out


def test_export_path_leaves_names_with_an_extension_folders_and_existing_paths(tmp_path):
    assert export_path("csv", tmp_path / "a") == (tmp_path / "a.csv", ".csv")
    assert export_path("labelstudio", tmp_path / "tasks") == (tmp_path / "tasks.json", ".json")
    assert export_path("csv", tmp_path / "a.tsv") == (tmp_path / "a.tsv", "")
    assert export_path("yolo", tmp_path / "y") == (tmp_path / "y", "")
    assert export_path("txt", tmp_path / "t") == (tmp_path / "t", "")
    (tmp_path / "old").write_text("an earlier export, named so")  # the file to replace (--force)
    assert export_path("csv", tmp_path / "old") == (tmp_path / "old", "")
    (tmp_path / "dir").mkdir()  # refused as a folder, as before: not turned into dir.csv
    assert export_path("csv", tmp_path / "dir") == (tmp_path / "dir", "")
    assert export_path("csv", str(tmp_path / "new") + "/") == (tmp_path / "new", "")
