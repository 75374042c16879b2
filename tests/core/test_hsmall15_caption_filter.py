"""ImageFilter.has_caption, in SQL: True lists the images with a caption, False those with
none (never written, cleared, or spaces alone); it narrows the other fields as they do."""
from __future__ import annotations

from PIL import Image
from sqlalchemy import update

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store.records import ImageFilter


def test_has_caption_and_no_caption(tmp_path):
    root = tmp_path / "imgs"
    (root / "cam2").mkdir(parents=True)
    names = ["a.png", "b.png", "c.png", "d.png", "cam2/e.png", "cam2/f.png"]
    for i, name in enumerate(names):
        Image.new("RGB", (8, 6), (i * 30, 0, 0)).save(root / name)
    with Project.open(root) as project:
        project.index()
        ids = {project.image_by_path(n).relpath: project.image_by_path(n).id for n in names}
        project.set_caption(ids["a.png"], "a scratch", "t")
        project.set_caption(ids["b.png"], "written then cleared", "t")
        project.set_caption(ids["b.png"], None, "t")
        project.set_caption(ids["cam2/e.png"], "dent", "t")
        with project.store.write() as s:  # spaces alone (an import's empty cell): no caption
            s.execute(update(m.Image).where(m.Image.id == ids["c.png"]).values(caption="   "))

        def listed(flt):
            return sorted(r.relpath for r in project.images(project.image_ids(flt)))

        assert listed(ImageFilter(has_caption=True)) == ["a.png", "cam2/e.png"]
        assert listed(ImageFilter(has_caption=False)) == ["b.png", "c.png", "cam2/f.png", "d.png"]
        assert listed(ImageFilter(has_caption=False, path_prefix="cam2")) == ["cam2/f.png"]
        assert project.count(ImageFilter(has_caption=True)) == 2
