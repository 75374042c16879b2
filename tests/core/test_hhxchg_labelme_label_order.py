"""A labelme export lists every taxonomy label as a flag, in the project's order; its
import into a project without the labels made them in the order the images first used
them, so each got another number key (1 was "early" where the team had pressed 1 for
"late"), as the YOLO import did before it read the taxonomy file. The labels an import
makes now follow the order of the files' flags; a flag no image has set is still not
made."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.interchange import export_project, import_file
from llmvis_desktop.core.project import Project


def _project(root, labels=()):
    root.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("L", (6, 6), 90).save(root / name)
    p = Project.open(root)
    p.index()
    for name in labels:
        p.add_label(name)
    return p


def test_a_labelme_round_trip_keeps_the_label_order(tmp_path):
    with _project(tmp_path / "src", ["late", "never", "early"]) as src:
        ids = {r.name: r.id for r in src.images(src.image_ids())}
        src.set_labels(ids["a.png"], ["early"], "alice")
        src.set_labels(ids["b.png"], ["late"], "alice")
        export_project(src, "labelme", tmp_path / "lm")
    with _project(tmp_path / "dst") as dst:
        report = import_file(dst, "labelme", tmp_path / "lm")
        assert report.matched == 2, report.summary()
        assert [lbl.name for lbl in dst.labels()] == ["late", "early"]
        assert dst.image_by_path("a.png").labels == ("early",)
