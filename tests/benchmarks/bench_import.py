"""Benchmark: a COCO import into a big project (SQLite); prints JSON.

    python tests/benchmarks/bench_import.py [--images 5000,50000] [--baseline REV]

Each size: a project of N images is built with direct SQL inserts (no image files: an
import matches names, it does not read the images), with 20 labels, and a COCO file of
N images with two boxes each (20 categories, as the hunt's big_coco.json) is imported
``--as reviewed`` (every image gets 2 labels and a reviewed status: 3 events each).

``--baseline REV``: the same import with git revision REV's ``llmvis_desktop`` too
(extracted with ``git archive`` and imported as ``llmvis_baseline``, as
bench_suggest.py does), in the same process, on its own fresh project, each size's two
runs next to each other. ``same_history``: both runs wrote the same events (image,
action, before, after, actor; not the time) in the same order, and the images ended
the same.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_rev import import_baseline  # noqa: E402
sys.path.insert(0, str(ROOT))

CATEGORIES = 20


def coco_file(path: Path, n: int) -> None:
    images = [{"id": i + 1, "file_name": f"f{i // 1000:02d}/img {i}.png", "width": 4, "height": 4}
              for i in range(n)]
    anns = [{"id": i + 1, "image_id": i + 1, "category_id": i % CATEGORIES + 1, "bbox": [0, 0, 2, 2],
             "area": 4, "iscrowd": 0} for i in range(n)]
    anns += [{"id": n + i + 1, "image_id": i + 1, "category_id": (i + 7) % CATEGORIES + 1,
              "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0} for i in range(n)]
    cats = [{"id": i + 1, "name": f"cls{i}"} for i in range(CATEGORIES)]
    path.write_text(json.dumps({"images": images, "categories": cats, "annotations": anns}))


def build(pkg: str, root: Path, n: int):
    """A project of ``pkg`` (``llmvis_desktop`` or ``llmvis_baseline``) with n images and
    the COCO file's categories as labels."""
    from sqlalchemy import insert

    Project = importlib.import_module(f"{pkg}.core.project").Project
    m = importlib.import_module(f"{pkg}.core.store.models")
    root.mkdir()
    p = Project.open(root)
    for i in range(CATEGORIES):
        p.add_label(f"cls{i}")
    with p.store.write() as s:
        s.execute(insert(m.Image), [
            {"id": i + 1, "relpath": f"f{i // 1000:02d}/img {i}.png", "size": 75, "mtime_ns": 0, "width": 4,
             "height": 4, "format": "PNG", "status": "new", "review_status": "new", "header_done": True}
            for i in range(n)])
    return p, m


def state(p, m) -> tuple:
    """(events, images): what the import wrote, comparable between two revisions."""
    from sqlalchemy import select

    with p.store.read() as s:
        events = [tuple(r) for r in s.execute(select(m.Event.image_id, m.Event.action, m.Event.before,
                                                     m.Event.after, m.Event.actor).order_by(m.Event.id))]
        images = [tuple(r) for r in s.execute(select(m.Image.id, m.Image.caption, m.Image.review_status,
                                                     m.Image.updated_by).order_by(m.Image.id))]
        labels = sorted(tuple(r) for r in s.execute(select(m.ImageLabel.image_id, m.ImageLabel.label_id)))
    return events, images, labels


def run(pkg: str, tmp: Path, n: int, coco: Path) -> tuple[dict, tuple]:
    import_file = importlib.import_module(f"{pkg}.core.interchange").import_file
    p, m = build(pkg, tmp / f"{pkg}-{n}", n)
    try:
        t0 = time.perf_counter()
        rep = import_file(p, "coco", coco, actor="bench")
        dt = time.perf_counter() - t0
        assert rep.matched == n and rep.changed == n, (rep.matched, rep.changed)
        return {"seconds": round(dt, 2), "images_per_s": round(n / dt, 1)}, state(p, m)
    finally:
        p.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default="5000,50000")
    ap.add_argument("--baseline", metavar="REV")
    args = ap.parse_args()
    sizes = [int(x) for x in args.images.split(",") if x]
    result = {"python": platform.python_version(), "cpus": os.cpu_count(), "baseline": args.baseline,
              "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.baseline:
            (tmp / "base").mkdir()
            import_baseline(args.baseline, tmp / "base")
        for n in sizes:
            coco = tmp / f"coco{n}.json"
            coco_file(coco, n)
            out = result["sizes"][str(n)] = {}
            if args.baseline:
                out["baseline"], base_state = run("llmvis_baseline", tmp, n, coco)
                print(f"{n} baseline: {out['baseline']['seconds']} s", file=sys.stderr)
            out["current"], cur_state = run("llmvis_desktop", tmp, n, coco)
            print(f"{n} current: {out['current']['seconds']} s", file=sys.stderr)
            if args.baseline:
                out["speedup"] = round(out["baseline"]["seconds"] / out["current"]["seconds"], 2)
                out["same_history"] = base_state == cur_state
                out["events"] = len(cur_state[0])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
