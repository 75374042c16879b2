"""GUI-thread stalls while the window opens (and reopens) an indexed 100k-image project,
for two checkouts in the same run, alternated.

    python tests/benchmarks/bench_open_stall.py --folder DIR --old /work/main --new . [--rounds 3]

DIR is an indexed image folder (its ``.llmvis`` database; bench_gui.py builds one).
Each round, per checkout, a fresh offscreen child process builds the window, then opens
DIR with ``index=False`` (no index job competing), waits for every row in the grid,
closes, and opens it again. Per open: ``call_ms`` (the ``open_project`` call),
``worst_gap_ms`` (the longest gap beyond a 5 ms timer's period, from the call until
the grid holds every row and 1 s after), ``to_rows_s`` and, for gaps over 50 ms, where
the GUI thread was (a sampler, 10 ms steps). Prints JSON with the medians per checkout.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from stallmon import StallMonitor, pump


def child(folder: str) -> None:
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(["bench"])  # (kept: the window needs it)
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window

    import sqlite3

    con = sqlite3.connect(str(Path(folder) / ".llmvis" / "project.sqlite"))
    n = con.execute("select count(*) from images").fetchone()[0]
    con.close()
    win = build_window(config=Config(reviewer="bench", thumbnail_size=160))
    win.resize(1600, 1000)
    win.show()
    probe = StallMonitor()
    probe.start()
    main_id, samples = threading.get_ident(), collections.deque(maxlen=100000)

    def sampler() -> None:
        while True:
            time.sleep(0.01)
            frame = sys._current_frames().get(main_id)
            if frame is None:
                continue
            ours = [f"{Path(f.filename).name}:{f.name}" for f in traceback.extract_stack(frame)
                    if "llmvis_desktop" in f.filename]
            del frame  # (kept until the next sample, it kept the GUI thread's locals alive)
            samples.append((time.perf_counter(), "<".join(reversed(ours[-3:]))))

    threading.Thread(target=sampler, daemon=True).start()

    def measure() -> dict:
        pump(lambda: False, 0.5)
        t0 = probe.reset()
        win.open_project(folder, index=False)
        call = time.perf_counter() - t0
        ok = pump(lambda: win.project is not None and win.model.rowCount() == n, 60)
        to_rows = time.perf_counter() - t0
        pump(lambda: False, 1.0)
        gaps = [(t, g - probe.period_ms) for t, g, _ in probe.ticks]  # (tick's time, stall ms)
        worst = max(gaps, key=lambda g: g[1], default=(0, 0))
        where = collections.Counter(s for t, s in samples if worst[0] - worst[1] / 1000 <= t <= worst[0])
        return {"call_ms": round(call * 1000, 1), "worst_gap_ms": round(max(worst[1], call * 1000), 1),
                "gaps_over_100ms": sum(g > 100 for _, g in gaps), "rows": win.model.rowCount(), "ok": ok,
                "to_rows_s": round(to_rows, 2),
                "worst_at": [k for k, _ in where.most_common(2)] if worst[1] > 50 else []}

    out = {"open": measure()}
    win.close_project()
    out["reopen"] = measure()
    win.shutdown()
    print("RESULT " + json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", required=True)
    ap.add_argument("--old", required=True, help="checkout before the change")
    ap.add_argument("--new", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.folder)
        return
    base = Path(tempfile.mkdtemp(prefix="bench_open_stall_"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.qpa.*=false")
    for kind in ("config", "data", "cache", "log"):
        env[f"LLMVIS_{kind.upper()}_DIR"] = str(base / kind)
    runs = {"old": [], "new": []}
    for _ in range(args.rounds):
        for name in ("old", "new"):
            src = str(Path(getattr(args, name)).resolve())
            proc = subprocess.run([sys.executable, __file__, "--child", "--folder", args.folder, "--old", src],
                                  env=dict(env, PYTHONPATH=src), capture_output=True, text=True, timeout=600)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            runs[name].append(json.loads(line[-1][7:]) if line else {"error": proc.stderr[-2000:]})
    summary = {}
    for name, rs in runs.items():
        for what in ("open", "reopen"):
            vals = [r[what]["worst_gap_ms"] for r in rs if what in r]
            summary[f"{name}_{what}_worst_gap_ms_median"] = statistics.median(vals) if vals else None
    print(json.dumps({"benchmark": "GUI stall opening an indexed project", "folder": args.folder,
                      "summary": summary, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
