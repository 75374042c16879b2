"""The first index of a new folder in the window, then F5 on it unchanged, for two
checkouts in the same run, alternated; prints JSON.

    python tests/benchmarks/bench_f5_stall.py --old /work/main [--new .] [--images 20000] [--rounds 3]

A folder of ``--images`` small PNGs (16x12 px; one in 500 cut short, so its header pass
makes it "error") is made once under ``--dir``. Each round, per checkout, a fresh
offscreen child process builds the window (1600x1000), removes the folder's database and
opens the folder, which indexes it (its first index), then presses F5. Figures:

* first index: ``rows_held``, the rows the grid holds in memory once the index has ended
  and the window is idle (1 s more of the event loop), and ``pre_header_rows``, those of
  them not as the database has them now (drawn before the header pass read their file);
  ``error_rows_shown_new``: of those, the cut files still drawn "new".
* F5 on the folder unchanged: ``end_ms``, from the job's result to ``index_finished``;
  ``worst_stall_ms``, the longest gap beyond a 5 ms timer's period from the job's result
  until the window is idle and 1 s after; ``queries``, the SQL statements run from the
  job's result until then (any thread; the team watch's poll every 3 s among them),
  ``image_table_queries`` those naming the images table, and ``grid_queries``/
  ``counts_queries``, calls of ``Project.image_ids``/``Project.counts_by_status``.

The medians per checkout are in ``summary``. Wall times depend on the machine's load:
say it with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stallmon import StallMonitor, pump


def make_folder(folder: Path, n: int) -> None:
    """``n`` small PNGs in folders of 1000, distinct; every 500th cut short (a damaged file)."""
    import io

    import numpy as np
    from PIL import Image

    done = folder / ".complete"
    if done.exists() and done.read_text() == str(n):
        return
    shutil.rmtree(folder, ignore_errors=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        sub = folder / f"d{i // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).save(buf, "PNG")
        data = buf.getvalue()
        (sub / f"img{i:06d}.png").write_bytes(data[:20] if i % 500 == 7 else data)
    done.write_text(str(n))


def _idle(win) -> bool:
    pc = win.project_ctl
    return (not pc._requery_timer.isActive() and not win.jobs.active()
            and not win.query_loader._running and not win.counts_loader._running)


def child(folder: str) -> None:
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(["bench"])  # (kept: the window needs it)
    from sqlalchemy import event

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window

    shutil.rmtree(Path(folder) / ".llmvis", ignore_errors=True)
    win = build_window(config=Config(reviewer="bench", thumbnail_size=160))
    win.resize(1600, 1000)
    win.show()
    out: dict = {}
    got: list = []
    win.index_finished.connect(lambda r: got.append((time.perf_counter(), r)))
    t0 = time.perf_counter()
    win.open_project(folder)
    pump(lambda: bool(got), 600)
    pump(lambda: _idle(win), 60)
    pump(lambda: False, 1.0)
    project, model = win.project, win.model
    n = win.model.rowCount()
    held = {w: list(recs) for w, recs in model._windows.items()}
    ids = [model.ids[r] for w in held for r in range(w * 256, min(n, (w + 1) * 256))]
    now = {r.id: r for r in project.images(ids)} if ids else {}
    differ = [rec for recs in held.values() for rec in recs if rec is not None and rec != now.get(rec.id)]
    out["first_index"] = {"index_s": round(got[0][0] - t0, 2), "rows": n, "rows_held": len(ids),
                          "pre_header_rows": len(differ),
                          "error_rows_shown_new": sum(1 for r in differ if now[r.id].status == "error"
                                                      and r.status != "error")}

    # F5 on the folder unchanged
    queries: list = []
    calls: list = []
    for name in ("image_ids", "counts_by_status"):
        real = getattr(project, name)

        def spy(*a, __real=real, __name=name, **k):
            calls.append((time.perf_counter(), __name))
            return __real(*a, **k)

        setattr(project, name, spy)
    event.listen(project.store.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *a: queries.append((time.perf_counter(), statement)))
    probe = StallMonitor()
    probe.start()
    got.clear()
    ended: list = []
    win.act_reindex.trigger()
    win.index_job.signals.result.connect(lambda _r: (ended.append(time.perf_counter()), probe.tick()))
    pump(lambda: bool(got), 600)
    pump(lambda: _idle(win), 60)
    pump(lambda: False, 1.0)
    probe.stop()
    t_end = ended[0]
    result = got[0][1]
    out["f5"] = {"end_ms": round((got[0][0] - t_end) * 1000, 1),
                 "worst_stall_ms": round(max([g - probe.period_ms for t, g, _ in probe.ticks if t > t_end],
                                             default=0), 1),
                 "queries": sum(1 for t, _ in queries if t >= t_end),
                 "image_table_queries": sum(1 for t, q in queries if t >= t_end and "images" in q),
                 "grid_queries": sum(1 for t, c in calls if t >= t_end and c == "image_ids"),
                 "counts_queries": sum(1 for t, c in calls if t >= t_end and c == "counts_by_status"),
                 "added": result.added, "changed": result.changed}
    win.shutdown()
    print("RESULT " + json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True, help="checkout before the change")
    ap.add_argument("--new", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "llmvis_bench_f5"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    folder = Path(args.dir) / f"n{args.images}"
    make_folder(folder, args.images)
    base = Path(tempfile.mkdtemp(prefix="bench_f5_stall_"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.qpa.*=false")
    runs: dict = {"old": [], "new": []}
    try:
        for k in range(args.rounds):
            for name in ("old", "new"):
                src = str(Path(getattr(args, name)).resolve())
                dirs = {f"LLMVIS_{kind.upper()}_DIR": str(base / f"{name}{k}" / kind)
                        for kind in ("config", "data", "cache", "log")}
                proc = subprocess.run([sys.executable, __file__, "--old", src, "--child", str(folder)],
                                      env=dict(env, PYTHONPATH=src, **dirs), capture_output=True, text=True,
                                      timeout=1200)
                line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
                runs[name].append(json.loads(line[-1][7:]) if line else {"error": proc.stderr[-2000:]})
    finally:
        shutil.rmtree(base, ignore_errors=True)
    summary = {}
    for name, rs in runs.items():
        for part, keys in (("first_index", ("index_s", "pre_header_rows")),
                           ("f5", ("end_ms", "worst_stall_ms", "queries", "image_table_queries", "grid_queries",
                                   "counts_queries"))):
            for key in keys:
                vals = [r[part][key] for r in rs if part in r]
                summary[f"{name}_{part}_{key}_median"] = statistics.median(vals) if vals else None
    print(json.dumps({"benchmark": "first index and F5 unchanged in the window", "images": args.images,
                      "load": os.getloadavg(), "summary": summary, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
