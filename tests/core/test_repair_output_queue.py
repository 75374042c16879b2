"""A repair's output is not queued for review on its own. Saved in the project (the
default, ``repaired/`` beside the image), it is indexed and linked to its source
(``repairs.output_image_id``), but it was listed as one more new, unreviewed image: N went
to it after every repair. The review queue (``ImageFilter(repair_output=False)``) leaves
out the outputs of linked repairs; an undone repair's output is an image like any other."""
from __future__ import annotations

from llmvis_desktop.core.store.records import ImageFilter

# two indexed 40x40 noise PNGs on SQLite and PostgreSQL, and a classical repair of a box in one
from test_repair_unlink import _repair, project  # noqa: F401 - project: the fixture

UNREVIEWED = ("new", "suggested")


def test_a_repair_output_is_left_out_of_the_queue_while_linked(project):  # noqa: F811 - project: the fixture
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
