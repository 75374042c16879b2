"""GUI-thread stall while the window renames, then removes, a label carried by N images
(default 20,000), for two checkouts in the same run, alternated.

    python tests/benchmarks/bench_label_change_stall.py --folder DIR --pristine DB --old /work/main
        [--new .] [--images 20000] [--rounds 3]

DIR is an indexed image folder; DB a copy of its ``.llmvis/project.sqlite``, put back
before each child so every run starts from the same database. Each child (offscreen)
adds a label ``bench`` on the N newest images, opens DIR with ``index=False``, waits for
every row, then asks the label panel for a rename (``bench`` -> ``bench_r``) and a removal,
each measured from the request until its chip changed and 1 s after: ``call_ms`` (the
signal's handler), ``worst_gap_ms`` (the longest gap beyond a 5 ms timer's period, or
the call when longer), ``done_s``. Prints JSON with the medians per checkout.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stallmon import StallMonitor, pump


def child(folder: str, n_images: int) -> None:
    from PySide6.QtWidgets import QApplication

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.core.project import Project

    _app = QApplication.instance() or QApplication(["bench"])  # (kept: the window needs it)
    from llmvis_desktop.qt.app import build_window

    with Project.open(folder) as p:
        p.add_label("bench", color="#123456")
    con = sqlite3.connect(str(Path(folder) / ".llmvis" / "project.sqlite"))
    lid = con.execute("select id from labels where name='bench'").fetchone()[0]
    ids = [r[0] for r in con.execute("select id from images order by id desc limit ?", (n_images,))]
    con.executemany("insert or ignore into image_labels(image_id, label_id) values (?, ?)", [(i, lid) for i in ids])
    con.commit()
    n = con.execute("select count(*) from images").fetchone()[0]
    con.close()

    win = build_window(config=Config(reviewer="bench", thumbnail_size=160))
    win.resize(1600, 1000)
    win.show()
    probe = StallMonitor()
    probe.start()


    win.open_project(folder, index=False)
    pump(lambda: win.project is not None and win.model.rowCount() == n, 60)
    pump(lambda: False, 2.0)
    labels = win.panel_ctl.labels

    def measure(start, done) -> dict:
        pump(lambda: False, 0.5)
        t0 = probe.reset()
        start()
        call = time.perf_counter() - t0
        ok = pump(done, 60)
        done_s = time.perf_counter() - t0
        pump(lambda: False, 1.0)
        gaps = probe.stalls_ms()
        return {"call_ms": round(call * 1000, 1), "worst_gap_ms": round(max(max(gaps, default=0), call * 1000), 1),
                "gaps_over_50ms": sum(g > 50 for g in gaps), "done": ok, "done_s": round(done_s, 2)}

    out = {"rename": measure(lambda: labels.renameRequested.emit("bench", "bench_r"),
                             lambda: labels.chip("bench_r") is not None),
           "remove": measure(lambda: labels.removeRequested.emit("bench_r"),
                             lambda: labels.chip("bench_r") is None)}
    win.shutdown()
    print("RESULT " + json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", required=True)
    ap.add_argument("--pristine", required=True)
    ap.add_argument("--old", required=True, help="checkout before the change")
    ap.add_argument("--new", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.folder, args.images)
        return
    base = Path(tempfile.mkdtemp(prefix="bench_label_change_"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.qpa.*=false")
    for kind in ("config", "data", "cache", "log"):
        env[f"LLMVIS_{kind.upper()}_DIR"] = str(base / kind)
    db = Path(args.folder) / ".llmvis" / "project.sqlite"
    runs = {"old": [], "new": []}
    for _ in range(args.rounds):
        for name in ("old", "new"):
            for extra in ("-wal", "-shm"):
                Path(str(db) + extra).unlink(missing_ok=True)
            shutil.copyfile(args.pristine, db)
            src = str(Path(getattr(args, name)).resolve())
            proc = subprocess.run([sys.executable, __file__, "--child", "--folder", args.folder, "--pristine",
                                   args.pristine, "--old", src, "--images", str(args.images)],
                                  env=dict(env, PYTHONPATH=src), capture_output=True, text=True, timeout=600)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            runs[name].append(json.loads(line[-1][7:]) if line else {"error": proc.stderr[-2000:]})
    summary = {}
    for name, rs in runs.items():
        for what in ("rename", "remove"):
            vals = [r[what]["worst_gap_ms"] for r in rs if what in r]
            summary[f"{name}_{what}_worst_gap_ms_median"] = statistics.median(vals) if vals else None
    print(json.dumps({"benchmark": f"GUI stall renaming / removing a label on {args.images} images",
                      "summary": summary, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
