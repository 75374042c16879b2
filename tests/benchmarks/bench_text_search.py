"""Text search benchmark: the grid's text filter on N images (SQLite); prints JSON.

    python tests/benchmarks/bench_text_search.py [--n 100000] [--dir /tmp/llmvis_bench_text] [--repeat 7]

Setup (not timed): a project database with N synthetic rows, no files (the rows are
inserted as the indexer inserts them): paths as cameras and people name them, a tenth of
them non-ASCII (NFC and NFD accents, "Straße", Greek, Turkish "İ"), and a caption on one
row in four. Measured, median of ``--repeat`` runs each, for several queries (ASCII,
upper case, NFC and NFD accents, "STRASSE", Greek, no hit, one letter):

* ``old_ms``: the query as it was before the stored folded columns (0012): every row's
  caption and path folded by the Python function ``llmvis_fold`` inside ``instr``;
* ``new_ms``: ``Project.image_ids(ImageFilter(text=...))``, the grid's query as the code
  under test makes it (the same as ``old_ms`` on code before 0012).

Both give the ids in the Name order; the run fails when they differ on any query.
Also timed: the 0011 -> 0012 migration of the N rows (downgrade, then open), where the
code has it. Run it in one session only: the figures compare only there.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import unicodedata
from pathlib import Path

QUERIES = ["img_12", "CAM7/", "scratch", "café", unicodedata.normalize("NFD", "CAFÉ"), "STRASSE",
           "σίσυφος", "istanbul", "no such text", "e"]

_WORDS = ["scratch", "dent", "rust stain", "Crack near weld", "ÉCLAIR burn", "straße mark", "ΣΊΣΥΦΟΣ",
          "İstanbul line", "oil", "clean"]


def rows(n: int) -> list[tuple[str, int, int]]:
    per = max(1, n // 100)
    nfd = unicodedata.normalize("NFD", "café")
    out = []
    for i in range(n):
        k = i % per
        d = f"Cam{i // per}" if (i // per) % 2 else f"cam{i // per}"
        if i % 10 == 3:
            name = (f"{nfd}_{k}.png", f"Café_{k}.png", f"Straße_{k}.png", f"σίσυφος_{k}.png",
                    f"İzmir_{k}.png")[(i // 10) % 5]
        else:
            name = f"IMG_{k}.png" if k % 3 else f"img_{k}.JPG.png"
        out.append((f"{d}/{name}", 1000 + i, 1_700_000_000_000_000_000 + i))
    return out


def caption(i: int):
    if i % 4:
        return None
    return f"{_WORDS[(i // 4) % len(_WORDS)]} #{i}" + (" café" if i % 12 == 0 else "")


def median_ms(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return round(statistics.median(out) * 1000, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_text")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    if not os.environ.get("PYTHONPATH"):  # else the code PYTHONPATH names
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from sqlalchemy import text as sql

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import migrate
    from llmvis_desktop.core.store import repo_images as ri
    from llmvis_desktop.core.store.records import ImageFilter

    root = Path(args.dir) / f"n{args.n}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    p = Project.open(root)
    t = time.perf_counter()
    with p.store.write() as s:
        ri.insert_new(s, rows(args.n))
    out = {"benchmark": "text_search", "code": str(Path(migrate.__file__).resolve().parents[3]),
           "head_revision": migrate.HEAD_REVISION, "db": "sqlite", "n": args.n,
           "insert_s": round(time.perf_counter() - t, 3)}
    with p.store.write() as s:
        ids = list(s.scalars(sql("SELECT id FROM images ORDER BY id")))
        # captions as a review writes them (repo_review.set_caption), without a history
        # event per row: the setup alone
        from llmvis_desktop.core.store import models as m

        for i, image_id in enumerate(ids):
            c = caption(i)
            if c is not None:
                s.get(m.Image, image_id).caption = c
    old_sql = sql("SELECT id FROM images WHERE instr(llmvis_fold(caption), llmvis_fold(:t)) > 0 "
                  "OR instr(llmvis_fold(relpath), llmvis_fold(:t)) > 0 ORDER BY name_key, id")
    queries = []
    for q in QUERIES:
        flt = ImageFilter(text=q)
        with p.store.read() as s:
            old = list(s.scalars(old_sql, {"t": q}))
        new = p.image_ids(flt)
        if old != new:
            raise SystemExit(f"{q!r}: the new query found {len(new)} images, the old one {len(old)}")

        def run_old(q=q):
            with p.store.read() as s:
                return list(s.scalars(old_sql, {"t": q}))

        queries.append({"text": q, "found": len(new), "old_ms": median_ms(run_old, args.repeat),
                        "new_ms": median_ms(lambda flt=flt: p.image_ids(flt), args.repeat)})
    out["queries"] = queries
    out["median_old_ms"] = round(statistics.median(x["old_ms"] for x in queries), 2)
    out["median_new_ms"] = round(statistics.median(x["new_ms"] for x in queries), 2)
    out["speedup"] = round(out["median_old_ms"] / max(out["median_new_ms"], 1e-6), 1)
    url = p.db_url
    p.close()
    if migrate.HEAD_REVISION >= "0012":
        from alembic import command

        from llmvis_desktop.core.store.engine import make_engine

        engine = make_engine(url)
        cfg = migrate._config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        engine.dispose()
        t = time.perf_counter()
        Project.open(root).close()
        out["migrate_0011_to_0012_s"] = round(time.perf_counter() - t, 3)
        with Project.open(root) as p:  # the migrated columns find what the old query finds
            for q in QUERIES:
                with p.store.read() as s:
                    if list(s.scalars(old_sql, {"t": q})) != p.image_ids(ImageFilter(text=q)):
                        raise SystemExit(f"{q!r}: after the migration the new query differs")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
