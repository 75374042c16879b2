"""Sort benchmark: the grid's queries on N indexed images; prints JSON.

    python tests/benchmarks/bench_sort.py [--n 100000] [--dir /tmp/llmvis_bench_sort] [--db URL]

Setup (not timed; the folder is reused): N tiny PNGs in 100 folders named as cameras
and people name them (``Cam7/IMG_123.png``, ``cam10/img_9.JPG.png``: mixed case,
numbers not zero-padded). The project database is made afresh each run (first index timed).

Measured, best of 5 each: the Name sort ascending and descending (what the grid asks for
at every start), the same on a status filter, the Modified sort; and, where the code has
the Name sort key (migration 0011), the migration of a 0010 database of N rows (downgrade
to 0010, then open: the backfill and its index). Run it with the code before and after
a change (``PYTHONPATH=<checkout>``) in one session: the figures compare only there.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path


def make_folder(root: Path, n: int) -> None:
    marker = root / f".complete-{n}"
    if marker.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (120, 30, 30)).save(buf, "PNG")
    data = buf.getvalue()
    per = max(1, n // 100)
    for i in range(n):
        d = root / (f"Cam{i // per}" if (i // per) % 2 else f"cam{i // per}")
        if i % per == 0:
            d.mkdir(parents=True)
        k = i % per
        (d / (f"IMG_{k}.png" if k % 3 else f"img_{k}.JPG.png")).write_bytes(data)
    marker.touch()


def best(fn, times: int = 5) -> float:
    out = []
    for _ in range(times):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return round(min(out), 4)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_sort")
    ap.add_argument("--db", default=None, help="a database URL (PostgreSQL); default the folder's SQLite")
    args = ap.parse_args()
    if not os.environ.get("PYTHONPATH"):  # else the code PYTHONPATH names (before/after)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import migrate
    from llmvis_desktop.core.store.records import ImageFilter

    root = Path(args.dir) / f"n{args.n}"
    make_folder(root, args.n)
    shutil.rmtree(root / ".llmvis", ignore_errors=True)
    out = {"benchmark": "sort", "code": str(Path(migrate.__file__).resolve().parents[3]),
           "head_revision": migrate.HEAD_REVISION, "db": "postgresql" if args.db else "sqlite"}
    t = time.perf_counter()
    p = Project.open(root, args.db)
    out["open_new_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    out["added"] = p.scan().added
    out["first_index_s"] = round(time.perf_counter() - t, 3)
    out["name_asc_s"] = best(lambda: p.image_ids(None, "name", False))
    out["name_desc_s"] = best(lambda: p.image_ids(None, "name", True))
    unreviewed = ImageFilter(statuses=("new", "suggested"))
    out["name_asc_unreviewed_s"] = best(lambda: p.image_ids(unreviewed, "name", False))
    out["mtime_asc_s"] = best(lambda: p.image_ids(None, "mtime", False))
    out["first_names"] = [r.relpath for r in p.images(p.image_ids()[:4])]
    url = p.db_url
    p.close()
    t = time.perf_counter()
    Project.open(root, args.db).close()
    out["reopen_s"] = round(time.perf_counter() - t, 3)
    if migrate.HEAD_REVISION >= "0011":
        from alembic import command

        from llmvis_desktop.core.store.engine import make_engine

        engine = make_engine(url)
        cfg = migrate._config()
        t = time.perf_counter()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        out["downgrade_to_0010_s"] = round(time.perf_counter() - t, 3)
        engine.dispose()
        t = time.perf_counter()
        Project.open(root, args.db).close()
        out["migrate_0010_to_0011_s"] = round(time.perf_counter() - t, 3)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
