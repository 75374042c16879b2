"""Another tool's table separates labels with commas: its cell ``"scratch, dent"`` was
imported as ONE new label "scratch, dent", beside the project's "scratch" and "dent",
silently. A plain cell that would make a label holding ", " whose parts are all labels
already (the project's, or whole labels of the file's other records) is now refused,
saying to separate labels with ';' or to write a JSON list for one label with a comma;
nothing is imported. A comma label whose parts are not all labels imports as before, and
an llmvis export writes a comma label's cell as a JSON list, so it round-trips even
without its taxonomy file."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file

from interchange_helpers import copy_files, open_scanned


def test_a_comma_separated_cell_of_known_labels_is_refused(small, tmp_path):
    project, ids = small
    path = tmp_path / "other_tool.csv"
    path.write_text('file_name,labels\nimg1.png,"a, b"\nimg2.png,a\n', encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"other_tool\.csv line 2: the label 'a, b' would be made, but 'a', "
                                               r"'b' are labels already: separate labels with ';' \(a; b\)"):
        import_file(project, "csv", path)
    assert [lbl.name for lbl in project.labels()] == ["a", "b"]
    assert all(not r.labels for r in project.images(list(ids.values())))


def test_the_same_in_a_metadata_jsonl(small, tmp_path):
    project, _ids = small
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "metadata.jsonl").write_text(json.dumps({"file_name": "img1.png", "labels": "b, a"}) + "\n",
                                                    encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"the label 'b, a' would be made"):
        import_file(project, "jsonl", tmp_path / "ds")


def test_comma_labels_that_are_meant_import(small, tmp_path):
    project, ids = small
    path = tmp_path / "ok.csv"
    path.write_text('file_name,labels\nimg1.png,"a, new"\nimg2.png,"[""a, b""]"\n', encoding="utf-8")
    import_file(project, "csv", path)
    assert project.image(ids["img1.png"]).labels == ("a, new",)
    assert project.image(ids["img2.png"]).labels == ("a, b",)


def test_an_llmvis_export_with_a_comma_label_round_trips(small, tmp_path):
    project, ids = small
    project.add_label("a, b")
    project.set_labels(ids["img1.png"], ["a, b"], "alice")
    project.set_labels(ids["img2.png"], ["a"], "alice")
    project.set_labels(ids["img3.png"], ["b"], "alice")
    out = tmp_path / "x.csv"
    export_project(project, "csv", out, ExportOptions())
    assert '"[""a, b""]"' in out.read_text(encoding="utf-8")  # (written as a JSON list)
    out.with_name("x.labels.txt").unlink()  # (the CSV sent alone: still one label)
    fresh = open_scanned(copy_files(project.root, tmp_path / "fresh"))
    try:
        import_file(fresh, "csv", out)
        assert fresh.image_by_path("img1.png").labels == ("a, b",)
        assert fresh.image_by_path("img2.png").labels == ("a",)
    finally:
        fresh.close()
