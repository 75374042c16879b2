"""An import ``--as reviewed`` marked an image the index could not read (or whose file is
missing) reviewed or rejected: a status no reviewer could have given (Enter, R and Delete
refuse such an image: nobody could see it), then counted "error" by ``llmvis info`` and
"reviewed" by ``llmvis evaluate``. The import keeps the record's annotation (labels,
caption) and leaves the review status as it was; its report says how many and names a
few."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


def _project(root):
    for n in ("a", "b", "gone"):
        Image.new("RGB", (16, 16), (10, 20, 30)).save(root / f"{n}.png")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    p = Project.open(root)
    p.index()
    (root / "gone.png").unlink()
    p.index()
    return p


def test_an_import_keeps_the_annotation_of_an_unreadable_image_but_marks_nothing(tmp_path):
    root = tmp_path / "f"
    root.mkdir()
    p = _project(root)
    try:
        assert p.image_by_path("corrupt.png").status == "error"
        assert p.image_by_path("gone.png").status == "missing"
        f = tmp_path / "in.csv"
        f.write_text("file_name,labels,caption,status\n"
                     "a.png,crack,,reviewed\n"
                     "corrupt.png,crack,a crack,reviewed\n"
                     "gone.png,ok,,rejected\n"
                     "b.png,ok,,\n")
        report = import_file(p, "csv", f)
        a, b, bad, gone = (p.image_by_path(n) for n in ("a.png", "b.png", "corrupt.png", "gone.png"))
        assert (a.review_status, b.review_status) == ("reviewed", "reviewed")
        # the annotation is kept, the status is not one a reviewer could have given
        assert bad.labels == ("crack",) and bad.caption == "a crack" and bad.review_status == "new", bad
        assert gone.labels == ("ok",) and gone.review_status == "new", gone
        assert report.changed == 4
        assert report.not_marked == ["corrupt.png", "gone.png"]
        text = report.summary()
        assert "2 not marked reviewed or rejected (unreadable or missing file: corrupt.png, gone.png)" in text, text
        # imported again: nothing new to say (the annotation is there), still not marked
        again = import_file(p, "csv", f, overwrite=True)
        assert again.not_marked == ["corrupt.png", "gone.png"] and again.changed == 0, again.summary()
        assert p.image_by_path("corrupt.png").review_status == "new"
    finally:
        p.close()


def test_a_record_with_labels_and_no_status_does_not_mark_it_either(tmp_path):
    """A format without a status (COCO, YOLO...) marks what it sets reviewed: not here."""
    root = tmp_path / "f"
    root.mkdir()
    p = _project(root)
    try:
        f = tmp_path / "in.csv"
        f.write_text("file_name,labels\ncorrupt.png,crack\n")
        report = import_file(p, "csv", f)
        bad = p.image_by_path("corrupt.png")
        assert bad.labels == ("crack",) and bad.review_status == "new"
        assert report.not_marked == ["corrupt.png"] and report.changed == 1
    finally:
        p.close()


def test_the_summary_names_a_few(tmp_path):
    from llmvis_desktop.core.interchange.common import ImportReport

    r = ImportReport("csv", "in.csv", "reviewed", not_marked=[f"x{i}.png" for i in range(7)])
    assert "7 not marked reviewed or rejected (unreadable or missing file: x0.png, x1.png, x2.png and 4 more)" \
        in r.summary(), r.summary()
