"""An import given the wrong format says what the file looks like. A CSV imported with
``--format coco`` said only "not valid JSON at line 1, column 1: Expecting value"; now the
refusal adds "this looks like a CSV file, not coco" and the command line "try --format
csv" (a :class:`~llmvis_desktop.core.interchange.WrongFormat` naming the format)."""
from __future__ import annotations

import json

import pytest
from interchange_helpers import annotate, db_fingerprint, make_files, open_scanned

from llmvis_desktop.cli import main
from llmvis_desktop.core.interchange import (ExportOptions, InterchangeError, WrongFormat, export_project,
                                             import_file)
from llmvis_desktop.core.interchange.sniff import looks_like


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One export of a small annotated project in each importable format: {format: path}."""
    base = tmp_path_factory.mktemp("exports")
    p = open_scanned(make_files(base / "imgs"))
    try:
        annotate(p)
        out = {}
        for fmt, name in (("coco", "a.json"), ("csv", "a.csv"), ("labelstudio", "ls.json"),
                          ("cvat", "a.xml"), ("yolo", "yolo"), ("jsonl", "hf"), ("txt", "txt")):
            export_project(p, fmt, base / name, ExportOptions(anonymize=False))
            out[fmt] = base / name
        yield out
    finally:
        p.close()


def test_each_export_looks_like_its_own_format(exports):
    assert {fmt: looks_like(path) for fmt, path in exports.items()} == {fmt: fmt for fmt in exports}


@pytest.mark.parametrize("given, asked, said", [
    ("csv", "coco", "not valid JSON at line 1"),
    ("csv", "labelstudio", "not valid JSON at line 1"),
    ("coco", "csv", "malformed CSV near line 1"),
    ("labelstudio", "coco", "not a COCO file"),
    ("coco", "cvat", ""),
    ("cvat", "coco", "not valid JSON"),
    ("yolo", "coco", "imported from a file, not a folder"),
    ("jsonl", "yolo", "none of its 2 record(s) names an image"),  # (read as class folders)
    ("csv", "yolo", "imported from a folder"),
])
def test_the_wrong_format_says_which_it_looks_like(tmp_path, exports, given, asked, said):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        before = db_fingerprint(p)
        with pytest.raises(WrongFormat) as err:
            import_file(p, asked, exports[given])
        assert err.value.looks_like == given
        assert said in str(err.value) and f", not {asked}" in str(err.value)
        assert "this looks like a" in str(err.value)
        assert db_fingerprint(p) == before  # nothing imported
    finally:
        p.close()


def test_a_file_like_no_format_is_refused_as_before(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        bad = tmp_path / "notes.json"
        bad.write_text("hello there, no format at all\nreally\n")
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
        with pytest.raises(InterchangeError) as err:
            import_file(p, "coco", bad)
        assert not isinstance(err.value, WrongFormat)
        # a file of the format asked for, broken, says what is wrong with it alone
        broken = tmp_path / "broken.json"
        broken.write_text(json.dumps({"images": "x", "categories": []}))
        with pytest.raises(InterchangeError) as err:
            import_file(p, "coco", broken)
        assert not isinstance(err.value, WrongFormat) and "this looks like" not in str(err.value)
    finally:
        p.close()


def test_the_cli_names_the_option(tmp_path, exports, capsys):
    folder = make_files(tmp_path / "imgs")
    open_scanned(folder).close()
    assert main(["import", str(folder), "--format", "coco", str(exports["csv"])]) == 1
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "this looks like a CSV file, not coco; try --format csv" in err
    assert err.rstrip().endswith("(nothing was imported)")
    assert main(["import", str(folder), "--format", "coco", str(exports["csv"]), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert "try --format csv" in doc["error"]
    assert main(["import", str(folder), "--format", "csv", str(exports["csv"])]) == 0
