"""A YOLO export imported into a project without its labels made them in alphabetical
order (the class folders'), so the number keys moved: 1 was "crack" where the team had
pressed 1 for "scratch". The export now writes its taxonomy (llmvis_taxonomy.txt) and the
import makes the labels in that order."""
from __future__ import annotations

import numpy as np
from PIL import Image

from llmvis_desktop.core.interchange import export_project, import_file
from llmvis_desktop.core.project import Project

TAXONOMY = ["scratch", "dent", "crack", "stain", "pitting", "ok"]


def _project(root, labelled: bool):
    root.mkdir(parents=True)
    for i in range(6):
        Image.fromarray(np.full((8, 8), i * 30, np.uint8)).save(root / f"tile_{i}.png")
    p = Project.open(root)
    p.index()
    if labelled:
        for name in TAXONOMY:
            p.add_label(name)
        for i, name in zip(p.image_ids(), TAXONOMY[:5]):  # "ok" on no image: an empty class
            p.set_labels(i, [name], actor="lead")
    return p


def test_yolo_round_trip_keeps_the_label_order_and_keys(tmp_path):
    src = _project(tmp_path / "lead", labelled=True)
    out = tmp_path / "export"
    export_project(src, "yolo", out)
    assert (out / "llmvis_taxonomy.txt").read_text(encoding="utf-8").split("\n")[1:7] == TAXONOMY
    dst = _project(tmp_path / "teammate", labelled=False)
    import_file(dst, "yolo", out)
    got = dst.labels()
    assert [d.name for d in got] == TAXONOMY
    assert [d.shortcut for d in got] == ["1", "2", "3", "4", "5", "6"]
    by_path = {r.relpath: r.labels for r in dst.images(dst.image_ids())}
    assert by_path["tile_0.png"] == ("scratch",) and by_path["tile_4.png"] == ("pitting",)
    src.close()
    dst.close()


def test_class_folders_the_taxonomy_file_does_not_list_come_after(tmp_path):
    src = _project(tmp_path / "lead", labelled=True)
    out = tmp_path / "export"
    export_project(src, "yolo", out)
    src.close()
    (out / "train" / "burn").mkdir()  # a class a teammate added by hand, and a file edited
    (out / "llmvis_taxonomy.txt").write_text("# llmvis taxonomy\nok\nscratch\n", encoding="utf-8")
    dst = _project(tmp_path / "teammate", labelled=False)
    import_file(dst, "yolo", out)
    names = [d.name for d in dst.labels()]
    assert names[:2] == ["ok", "scratch"] and set(names[2:]) == {"dent", "crack", "stain", "pitting", "burn"}
    dst.close()
