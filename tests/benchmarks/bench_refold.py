"""Re-fold benchmark: opening a project of N images (SQLite) when the Unicode version
recorded for the text search's folded copies is this Python's, or older; prints JSON.

    python tests/benchmarks/bench_refold.py [--n 100000] [--dir /tmp/llmvis_bench_refold] [--repeat 3]

Setup (not timed): the rows of ``bench_text_search.py`` (a tenth of the paths non-ASCII,
a caption on one row in four). Measured, median of ``--repeat`` opens each
(``Project.open`` + close):

* ``open_equal_ms``: the version recorded is this Python's (every open from now on);
* ``open_unrecorded_ms``: no version recorded (the first open of a project made before
  the record): every non-ASCII row folded again, none differs, none written;
* ``open_refold_all_non_ascii_ms``: a newer version whose fold (simulated) differs on
  every non-ASCII value: all those rows rewritten (a real Unicode upgrade changes far fewer);
* ``refold_rows_written``: how many rows that rewrote;
* ``every_row_rewritten_ms``: for comparison, one UPDATE rewriting every row's copies
  through the Python function, as migration 0012 fills them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_refold")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    here = Path(__file__).resolve()
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(here.parents[2]))
    sys.path.insert(0, str(here.parent))
    from bench_text_search import caption, rows
    from sqlalchemy import text as sql

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import fold as fold_mod
    from llmvis_desktop.core.store import refold
    from llmvis_desktop.core.store import repo_images as ri

    root = Path(args.dir) / f"n{args.n}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with Project.open(root) as p:
        with p.store.write() as s:
            ri.insert_new(s, rows(args.n))
        with p.store.write() as s:
            s.execute(sql("UPDATE images SET caption = :c, caption_folded = :f WHERE id = :i"),
                      [{"c": caption(i), "f": fold_mod.fold(caption(i)), "i": image_id} for i, image_id in
                       enumerate(s.scalars(sql("SELECT id FROM images ORDER BY id"))) if caption(i)])
        recorded = p.settings()[refold.KEY]

    def set_record(value) -> None:
        with Project.open(root) as p, p.store.write() as s:
            s.execute(sql("UPDATE project SET settings_json = :j"),
                      {"j": json.dumps({} if value is None else {refold.KEY: value,
                                                                    refold.RULES_KEY: refold.RULES})})

    def open_ms() -> float:
        t = time.perf_counter()
        Project.open(root).close()
        return (time.perf_counter() - t) * 1000

    def median(values) -> float:
        return round(statistics.median(values), 1)

    out = {"benchmark": "refold", "code": str(Path(refold.__file__).resolve().parents[3]), "db": "sqlite",
           "n": args.n, "unicode": recorded}
    out["open_equal_ms"] = median(open_ms() for _ in range(args.repeat))
    unrecorded = []
    for _ in range(args.repeat):
        set_record(None)
        unrecorded.append(open_ms())
    out["open_unrecorded_ms"] = median(unrecorded)
    plain_fold = fold_mod.fold
    changed = []
    written = []
    real_check = refold.check
    for k in range(args.repeat):  # alternately a fold that differs on every non-ASCII value and back
        version = f"{100 + k}.0"
        refold.unicode_version = lambda version=version: version
        fold_mod.fold = ((lambda v: plain_fold(v).upper() if isinstance(v, str) and not v.isascii()
                          else plain_fold(v)) if k % 2 == 0 else plain_fold)
        refold.check = lambda store: written.append(real_check(store))
        changed.append(open_ms())
    refold.check = real_check
    fold_mod.fold = plain_fold
    out["open_refold_all_non_ascii_ms"] = median(changed)
    out["refold_rows_written"] = written
    with Project.open(root) as p:
        with p.store.read() as s:
            out["non_ascii_rows"] = s.execute(sql(
                "SELECT count(*) FROM images WHERE length(CAST(caption AS BLOB)) <> length(caption) "
                "OR length(CAST(relpath AS BLOB)) <> length(relpath)")).scalar()
        full = []
        for _ in range(args.repeat):  # for comparison: every row rewritten, as migration 0012 fills
            t = time.perf_counter()
            with p.store.write() as s:
                s.connection().connection.driver_connection.create_function("f0012", 1, plain_fold)
                s.execute(sql("UPDATE images SET caption_folded = f0012(caption), relpath_folded = f0012(relpath)"))
            full.append((time.perf_counter() - t) * 1000)
        out["every_row_rewritten_ms"] = median(full)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
