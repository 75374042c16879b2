"""Event-loop stalls while the window opens a project: a new folder (its database made
and migrated) and the demo (built the first time), against the same work done on the
GUI thread in the same run (what opening did before it moved to a worker thread).

    python tests/benchmarks/bench_gui_open.py [--folders 3] [--images 30]

Prints JSON: for each open, how long the ``open_project`` / ``open_demo`` call held
the GUI thread (``call_ms``), the longest gap between 5 ms timer ticks from the call
until the project is open and indexed (``worst_gap_ms``), the gaps over 100 ms, and
where the GUI thread was during gaps over 50 ms (a sampler thread, 20 ms steps:
``stalled_at``); then ``sync_equivalent_ms``: ``Project.open`` of a new folder and
``build_demo`` + ``seed_taxonomy`` called on the GUI thread, the stall they made there.
Runs offscreen with its own config, data and cache folders (removed after).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from stallmon import StallMonitor, pump as _pump


def pump(until, seconds: float = 60.0) -> bool:
    return _pump(until, seconds, 0.002)


def _make_images(folder: Path, n: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(folder / f"img{i:03d}.png")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folders", type=int, default=3, help="new folders opened one after another")
    ap.add_argument("--images", type=int, default=30, help="images in each folder")
    args = ap.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="bench_gui_open_"))
    for kind in ("config", "data", "cache", "log"):
        (base / kind).mkdir()
        os.environ[f"LLMVIS_{kind.upper()}_DIR"] = str(base / kind)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folders = [base / f"folder{i}" for i in range(args.folders + 1)]
    for f in folders:
        _make_images(f, args.images)
    try:
        return _run(base, folders, args)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run(base: Path, folders: list, args) -> int:
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(["bench"])  # (kept: the window needs it)
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window

    win = build_window(config=Config(reviewer="bench"))
    win.resize(1280, 800)
    win.show()
    probe = StallMonitor()
    probe.start()
    main_id, samples, sampling = threading.get_ident(), collections.Counter(), [False]

    def sampler() -> None:
        while True:
            time.sleep(0.02)
            if sampling[0] and time.perf_counter() - probe.last > 0.05:
                frame = sys._current_frames().get(main_id)
                ours = [ln for ln in traceback.format_stack(frame) if "llmvis_desktop" in ln]
                # (a frame kept until the next sample keeps its locals: a paintEvent's
                # painter stayed active, and Qt warned on the widget's next paints)
                del frame
                if ours:
                    samples[ours[-1].strip().splitlines()[0].split("llmvis_desktop", 1)[-1]] += 1

    threading.Thread(target=sampler, daemon=True).start()


    done = []
    win.index_finished.connect(done.append)

    def measure(label: str, start) -> dict:
        pump(lambda: False, 0.3)
        done.clear()
        probe.ticks.clear()  # (the timer runs on: the next gap counts from its last tick)
        samples.clear()
        sampling[0] = True
        t0 = time.perf_counter()
        start()
        call = time.perf_counter() - t0
        ok = pump(lambda: bool(done) and win.project is not None)
        pump(lambda: False, 0.5)  # what the open leaves to the next event-loop turns
        sampling[0] = False
        row = {"what": label, "opened": ok, "call_ms": round(call * 1000, 1),
               "worst_gap_ms": round(max(probe.gaps_ms(), default=0), 1),
               "gaps_over_100ms": sum(g > 100 for g in probe.gaps_ms()),
               "stalled_at": {k: v * 20 for k, v in samples.most_common(4)}}
        win.close_project()
        pump(lambda: False, 0.3)
        return row

    out = {"benchmark": "event-loop stalls opening a project", "images_per_folder": args.images, "opens": []}
    out["opens"].append(measure("new folder (first open: cold imports)", lambda: win.open_project(folders[0])))
    for f in folders[1:-1]:
        out["opens"].append(measure("new folder", lambda f=f: win.open_project(f)))
    out["opens"].append(measure("demo (first build)", win.open_demo))
    out["opens"].append(measure("demo again (built)", win.open_demo))

    # the same work on the GUI thread, timed there: the stall opening made before
    from llmvis_desktop.core.demo import build_demo, seed_taxonomy
    from llmvis_desktop.core.project import Project

    t0 = time.perf_counter()
    Project.open(folders[-1]).close()
    sync_open = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Project.open(build_demo(base / "demo2")) as p:
        seed_taxonomy(p)
    sync_demo = time.perf_counter() - t0
    out["sync_equivalent_ms"] = {"Project.open of a new folder": round(sync_open * 1000, 1),
                                 "build_demo + seed_taxonomy": round(sync_demo * 1000, 1)}
    win.shutdown()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
