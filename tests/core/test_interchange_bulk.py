"""A big import is written a chunk of images at a time (one query locks a chunk's rows,
one reads their labels, two replace their label rows), with the same history events, in
the same order, as the repo functions write one image at a time. Per image it made 5-6
round trips: a 50k-image COCO file took 160 s where indexing the same files took 7 s."""
from __future__ import annotations

import collections
import csv
import json

import numpy as np
from PIL import Image
from sqlalchemy import event

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import repo_review as rr

N = 130


def _project(folder, db_url, n: int = N) -> Project:
    folder.mkdir()
    for i in range(n):
        Image.fromarray(np.full((4, 4, 3), i % 256, dtype=np.uint8)).save(folder / f"i{i:03d}.png")
    p = Project.open(folder, db_url)
    p.scan()
    for name in ("scratch", "dent", "ok"):
        p.add_label(name)
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    p.set_labels(ids["i001.png"], ["dent"], "alice")  # labels to replace (a clash: --overwrite)
    p.set_caption(ids["i002.png"], "mine", "alice")  # a caption the file clashes with
    p.set_labels(ids["i003.png"], ["ok"], "alice")
    p.set_status(ids["i003.png"], "reviewed", "alice")  # the file says the same: unchanged
    return p


def _csv(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file_name", "labels", "caption", "status", "reviewer", "time"])
        w.writerows(rows)


def _events(p, rel):
    return [(e.action, e.before, e.after) for e in p.history(p.image_by_path(rel).id)]


def test_a_big_import_takes_a_few_statements_per_chunk_with_the_same_history(tmp_path, db_url):
    p = _project(tmp_path / "imgs", db_url)
    try:
        rows = [[f"i{i:03d}.png", "scratch;dent" if i % 2 else "ok", f"cap {i}", "reviewed", "bob",
                 "2025-01-02T03:04:05+00:00"] for i in range(4, N)]
        rows += [["i000.png", "", "", "rejected", "", ""], ["i001.png", "scratch", "", "", "", ""],
                 ["i002.png", "", "theirs", "", "", ""], ["i003.png", "ok", "", "reviewed", "", ""]]
        _csv(tmp_path / "a.csv", rows)
        statements = []
        engine = p.store.engine
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            rep = import_file(p, "csv", tmp_path / "a.csv", actor="carol")
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        # per image it read the row, its labels twice and the labels' ids, then deleted and
        # inserted its label rows: over 500 statements for these 130 images
        assert len(statements) < 60, collections.Counter(st.split("\n")[0][:60] for st in statements).most_common(5)
        assert (rep.matched, rep.changed, rep.unchanged) == (N, N - 3, 1)
        assert sorted((c.file_name, c.field) for c in rep.conflicts) == [("i001.png", "labels"), ("i002.png", "caption")]
        actor = "import:a.csv by carol"
        r = p.image_by_path("i005.png")
        assert (r.caption, sorted(r.labels), r.review_status, r.updated_by) == ("cap 5", ["dent", "scratch"], "reviewed", "bob")
        assert _events(p, "i005.png") == [
            ("import:caption", None, "cap 5"), ("import:labels", [], ["dent", "scratch"]),
            ("import:status", "new", "reviewed"),
            ("import", None, {"reviewer": "bob", "time": "2025-01-02T03:04:05+00:00"})]
        assert all(e.actor == actor for e in p.history(r.id))
        # (no "import" event: the file names no reviewer and no time, and one saying
        # "nobody, never" was noise)
        assert _events(p, "i000.png") == [("import:status", "new", "rejected")]
        assert p.image_by_path("i001.png").labels == ("dent",) and p.image_by_path("i002.png").caption == "mine"
        assert len(_events(p, "i003.png")) == 2  # alice's two, nothing from the import
        for image_id in p.image_ids():  # the history alone rebuilds every image
            rec = p.image(image_id)
            state = rr.replay(p.history(image_id))
            assert (state["caption"], sorted(state["labels"]), state["review_status"]) == \
                (rec.caption, sorted(rec.labels), rec.review_status), rec.relpath
        # --overwrite: the clashing labels replaced, the others unchanged
        rep = import_file(p, "csv", tmp_path / "a.csv", overwrite=True, actor="carol")
        assert (rep.changed, rep.overwritten) == (2, 2)
        assert p.image_by_path("i001.png").labels == ("scratch",)
        assert _events(p, "i001.png")[-2:] == [("import:labels", ["dent"], ["scratch"]),
                                               ("import:status", "new", "reviewed")]
    finally:
        p.close()


def test_an_import_leaves_its_rows_to_no_collector(tmp_path):
    """An import's rows and statements are freed when it returns, not left in reference
    cycles for the collector: every image row it locked (with its per-image statements)
    was, and after a 50k-image import the full collection that freed them (450k objects,
    1.1 s) ran on the GUI thread, which froze 1.3-3 s right after the import."""
    import gc

    n = 450
    p = _project(tmp_path / "imgs", None, n)
    coco = {"images": [{"id": i, "file_name": f"i{i:03d}.png", "width": 4, "height": 4} for i in range(n)],
            "categories": [{"id": k, "name": f"cls{k}"} for k in range(5)],
            "annotations": [{"id": i, "image_id": i, "category_id": i % 5, "bbox": [0, 0, 2, 2], "area": 4,
                             "iscrowd": 0} for i in range(n)]}
    (tmp_path / "a.json").write_text(json.dumps(coco))
    try:
        gc.collect()
        gc.disable()
        # what lived before the import is held here, so only what the import made is counted:
        # a cache the import fills can drop earlier tests' statements meanwhile (in one run,
        # 566 of 660 objects counted were those, 142 statements' bind parameters, by test order)
        earlier = gc.get_objects()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection frees is kept in gc.garbage, to count
        try:
            rep = import_file(p, "coco", tmp_path / "a.json", actor="carol")
            gc.collect()
            kinds = collections.Counter(type(o).__name__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            del earlier
            gc.enable()
        assert rep.changed == n - 2  # (i001.png and i003.png have labels: clashes)
        assert kinds["Image"] == 0, kinds.most_common(5)
        assert sum(kinds.values()) < n, kinds.most_common(5)  # a few sessions' worth, none per image
    finally:
        p.close()
