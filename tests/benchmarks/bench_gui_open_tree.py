"""Opening a project in the window: how long the GUI thread is held; prints JSON.

    python tests/benchmarks/bench_gui_open_tree.py [--tree BASELINE_CHECKOUT] [--rounds 5]
        [--n 300] [--cached-features 20000] [--dir /tmp/llmvis_bench_gui_open]

Setup (not timed; reused): ``--n`` small PNGs in one folder, indexed, with three labels,
and a learned-suggester feature cache of ``--cached-features`` vectors (what a project
the learned suggester has read holds; synthetic vectors of the handcrafted extractor's
length, under its name).

Each round runs every tree (this checkout, then each ``--tree``: another checkout of
the package, e.g. ``git worktree add /tmp/base <commit>``, the baseline) in a fresh
child process (offscreen Qt, cold imports, like a user's first open): the window is
built and idle, a 5 ms timer watches the GUI thread, ``open_project`` is called (the
real path: index job and all) and the loop runs until the learned suggester's readiness
line is shown. Trees alternate within a round, so a busy machine weighs on all alike.

  open_call_ms       the ``open_project`` call itself (the GUI thread is held throughout)
  max_stall_ms       longest gap of the GUI thread, the call included, until the
                     readiness line is shown
  to_status_s        from the call to the readiness line being shown
Per tree: the median over the rounds, and every round's figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from stallmon import StallMonitor

ROOT = Path(__file__).resolve().parents[2]


def _env(base: Path, tree: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "LLMVIS_CONFIG_DIR": str(base / "config"),
        "LLMVIS_DATA_DIR": str(base / "data"),
        "LLMVIS_CACHE_DIR": str(base / "cache"),
        "LLMVIS_LOG_DIR": str(base / "log"),
        "XDG_CONFIG_HOME": str(base / "xdg"),
        "QT_LOGGING_RULES": "qt.qpa.*=false",
        "PYTHONPATH": str(tree),
    })
    return env


def setup(base: Path, n: int, cached: int) -> dict:
    import numpy as np
    from PIL import Image

    images = base / "images"
    marker = base / f"ready_{n}_{cached}"
    if marker.exists():
        return {"setup_reused": True}
    os.environ.update(_env(base, ROOT))
    sys.path.insert(0, str(ROOT))
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.features import HandcraftedFeatures, cache_path_for

    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray((rng.random((48, 64)) * 255).astype(np.uint8)).save(images / f"img_{i:05d}.png")
    with Project.open(images) as p:
        p.scan()
        for name, color in (("scratch", "#e6194b"), ("dent", "#4363d8"), ("ok", "#3cb44b")):
            p.add_label(name, color=color)
        ext = HandcraftedFeatures()
        path = cache_path_for(p, ext.name)
    keys = np.stack([np.arange(cached), np.full(cached, 1_700_000_000_000_000_000), np.full(cached, 4000)], 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, keys=keys.astype(np.int64), vectors=rng.random((cached, ext.dim), np.float32),
             extractor=np.array(ext.name))
    marker.write_text("ok")
    return {"setup_reused": False}


def child(base: Path) -> None:
    import llmvis_desktop
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window, create_app

    app = create_app(["bench"])
    win = build_window(config=Config(reviewer="bench", thumbnail_size=96))
    win.resize(1400, 900)
    win.show()
    probe = StallMonitor()

    def spin(seconds: float, until=lambda: False) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and not until():
            app.processEvents()
            time.sleep(0.001)

    spin(1.0)  # the window built and idle
    probe.start()
    spin(0.3)
    probe.reset()
    sc = win.suggest_ctl
    t0 = time.perf_counter()
    win.open_project(base / "images")
    call = time.perf_counter() - t0
    probe.tick()  # the gap the call made (a timer tick cannot land inside it)
    spin(30.0, lambda: sc.learned_ready is not None)
    to_status = time.perf_counter() - t0
    probe.stop()
    ok = sc.learned_ready is not None
    win.shutdown()
    print("BENCH " + json.dumps({
        "open_call_ms": round(call * 1000, 1),
        "max_stall_ms": round(max(probe.gaps_ms()), 1),
        "to_status_s": round(to_status, 3) if ok else None,
        "package": str(Path(llmvis_desktop.__file__).parent.parent),
    }))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", default=[], help="another checkout to measure (the baseline)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--cached-features", type=int, default=20000)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_gui_open")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    base = Path(args.dir)
    if args.child:
        child(base)
        return
    result: dict = {"files": args.n, "cached_features": args.cached_features,
                    **setup(base, args.n, args.cached_features)}
    trees = [ROOT] + [Path(t).resolve() for t in args.tree]
    runs: dict[str, list[dict]] = {str(t): [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            proc = subprocess.run([sys.executable, __file__, "--dir", str(base), "--child"],
                                  env=_env(base, tree), capture_output=True, text=True, timeout=300)
            line = [s for s in proc.stdout.splitlines() if s.startswith("BENCH ")]
            runs[str(tree)].append(json.loads(line[-1][6:]) if line else {"error": proc.stderr[-2000:]})
    for tree, rs in runs.items():
        good = [r for r in rs if "error" not in r]
        summary: dict = {"rounds": len(good), "package": good[0]["package"] if good else None}
        for key in ("open_call_ms", "max_stall_ms", "to_status_s"):
            vals = [r[key] for r in good if r.get(key) is not None]
            summary[key] = round(statistics.median(vals), 3) if vals else None
            summary[f"{key}_all"] = vals
        errors = [r["error"] for r in rs if "error" in r]
        if errors:
            summary["error"] = errors[0]
        result["this checkout" if tree == str(ROOT) else tree] = summary
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
