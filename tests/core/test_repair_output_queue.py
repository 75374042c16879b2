"""A repair's output is not queued for review on its own. Saved in the project (the
default, ``repaired/`` beside the image), it is indexed and linked to its source
(``repairs.output_image_id``), but it was listed as one more new, unreviewed image: N went
to it after every repair. The review queue (``ImageFilter(repair_output=False)``) leaves
out the outputs of linked repairs; an undone repair's output is an image like any other."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import cv2  # noqa: F401 - a runtime dependency of the classical repair

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import apply as apply_mod
from llmvis_desktop.core.store.records import ImageFilter

UNREVIEWED = ("new", "suggested")


@pytest.fixture
def project(tmp_path, db_url):
    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(7)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3)).astype(np.uint8)).save(root / name)
    with Project.open(root, db_url) as p:
        p.index()
        yield p


def _repair(p, name):
    mask = np.zeros((40, 40), bool)
    mask[5:15, 5:25] = True
    return apply_mod.repair_file(p.root / name, mask, method="telea", project=p, actor="tester")


def test_a_repair_output_is_left_out_of_the_queue_while_linked(project):
    p = project
    a, b = p.image_by_path("a.png"), p.image_by_path("b.png")
    res = _repair(p, "a.png")
    out = p.image(res.output_image_id)
    assert out.relpath.startswith("repaired/") and out.status == "new"  # listed, as before
    queue = ImageFilter(statuses=UNREVIEWED, repair_output=False)
    assert p.image_ids(queue) == [a.id, b.id]
    assert p.image_ids(ImageFilter(repair_output=True)) == [out.id]
    assert p.count(ImageFilter(repair_output=False)) == 2
    # a repair of the output (a repair of a repair) is left out too, its source is not
    res2 = _repair(p, out.relpath)
    assert sorted(p.image_ids(ImageFilter(repair_output=True))) == sorted([out.id, res2.output_image_id])
    assert p.image_ids(queue) == [a.id, b.id]
    # undone, the repair no longer links it: it is an image of the folder like any other
    p.unlink_repair(res.repair_id, "tester")
    assert out.id in p.image_ids(queue)
    assert res2.output_image_id not in p.image_ids(queue)
