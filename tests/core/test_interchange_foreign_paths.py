"""Another machine's absolute image paths (C:\\Users\\bob\\data\\sub\\a.png,
/home/bob/data/sub/a.png) refused the whole file as "an absolute path outside the
project folder": a team moving from another tool had to rewrite every path first. Now
each such record is matched by the longest trailing part of its path that names one
project image, and nothing outside the project is ever opened."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, import_file
from llmvis_desktop.core.project import Project

_OPENED: list[str] = []
_WATCH = {"on": False}


def _audit(event, args):
    if _WATCH["on"] and event in ("open", "os.listdir", "os.scandir") and args:
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for rel in ("sub/a.png", "other/a.png", "b.png", "deep/c.png", "deep2/c.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), len(rel), np.uint8)).save(root / rel)
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _caption(p, rel):
    return p.image_by_path(rel).caption


def test_csv_records_with_another_machines_paths_match_by_their_end(proj, tmp_path):
    f = tmp_path / "team.csv"
    f.write_text("file_name,caption\n"
                 "C:\\Users\\bob\\data\\sub\\a.png,win\n"
                 "/home/bob/data/b.png,posix\n"
                 "\\\\server\\share\\deep\\c.png,unc\n"
                 "/home/bob/x/c.png,which c?\n"
                 "/home/bob/gone.png,nothing\n", encoding="utf-8")
    rep = import_file(proj, "csv", f)
    assert _caption(proj, "sub/a.png") == "win"
    assert _caption(proj, "other/a.png") is None
    assert _caption(proj, "b.png") == "posix"
    assert _caption(proj, "deep/c.png") == "unc"
    assert _caption(proj, "deep2/c.png") is None
    assert rep.matched == 3 and rep.matched_by_tail == 3
    assert rep.tail_ambiguous == [("/home/bob/x/c.png", 2)]
    assert rep.tail_unmatched == ["/home/bob/gone.png"]
    line = rep.summary()
    assert "5 record(s) with another machine's absolute path" in line, line
    assert "3 matched by the end of the path" in line, line
    assert "/home/bob/x/c.png (2 images end so)" in line, line
    assert "naming no image: /home/bob/gone.png" in line, line
    assert any("'deep/c.png'" in w and "'deep2/c.png'" in w and "line 5" in w for w in rep.warnings), rep.warnings
    for bad in ("/home/bob/../b.png", "C:\\data\\..\\b.png", "../b.png"):  # climbing: still refused
        f.write_text(f"file_name,caption\nb.png,changed\n{bad},x\n")
        with pytest.raises(InterchangeError, match="line 3"):
            import_file(proj, "csv", f, overwrite=True)
    assert _caption(proj, "b.png") == "posix"


def test_coco_and_jsonl_file_names_from_another_machine(proj, tmp_path):
    doc = {"images": [{"id": 1, "file_name": "D:/datasets/run7/sub/a.png"},
                      {"id": 2, "file_name": "/mnt/nas/b.png"}],
           "categories": [{"id": 1, "name": "dent"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1}, {"id": 2, "image_id": 2, "category_id": 1}]}
    f = tmp_path / "instances_default.json"
    f.write_text(json.dumps(doc))
    rep = import_file(proj, "coco", f)
    assert proj.image_by_path("sub/a.png").labels == ("dent",)
    assert proj.image_by_path("b.png").labels == ("dent",)
    assert proj.image_by_path("other/a.png").labels == ()
    assert rep.matched_by_tail == 2
    d = tmp_path / "hf" / "train"
    d.mkdir(parents=True)
    (d / "metadata.jsonl").write_text(json.dumps({"file_name": "/home/bob/other/a.png", "text": "jl"}) + "\n")
    rep = import_file(proj, "jsonl", tmp_path / "hf")
    assert _caption(proj, "other/a.png") == "jl" and rep.matched_by_tail == 1


def test_a_path_outside_the_project_is_never_opened(proj, tmp_path):
    """The record names an existing file outside the project with an image's name: the
    project's b.png gets the record, the outside file is neither opened nor changed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.png").write_bytes(b"not read")
    before = (outside / "b.png").stat()
    f = tmp_path / "x.csv"
    f.write_text(f"file_name,caption\n{outside / 'b.png'},mine\n")
    _OPENED.clear()
    _WATCH["on"] = True
    try:
        rep = import_file(proj, "csv", f)
    finally:
        _WATCH["on"] = False
    assert _caption(proj, "b.png") == "mine" and rep.matched_by_tail == 1
    assert str(f) in _OPENED  # (the hook sees what the import opens)
    assert not [p for p in _OPENED if p.startswith(str(outside))], _OPENED
    after = (outside / "b.png").stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert (outside / "b.png").read_bytes() == b"not read"
