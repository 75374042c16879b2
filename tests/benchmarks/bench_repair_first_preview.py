"""The window's longest stall from opening the repair dialog through its first GAN
preview, in a new session (torch not imported yet), with the engine warm-up the dialog
starts as it opens (``warm``) and without it (``cold``: the preview's worker imports
torch and loads the checkpoint, as before), alternated in the same run.

    python tests/benchmarks/bench_repair_first_preview.py [--rounds 3] [--paint-s 4]

Each trial is a fresh interpreter (the first torch import happens once per process),
started as the app starts (``create_app``: the torch import hook of
:mod:`llmvis_desktop.core.lazy_torch`, and the thread count): open the dialog, paint a thin scratch in short strokes for ``--paint-s`` seconds (a user
painting the defect), press Repair (GAN) and wait for the result. Prints
JSON: per mode, the longest gap between 5 ms timer ticks in each phase (``open``:
the dialog's construction and its first 300 ms; ``paint``; ``preview``: Repair pressed
until the result is shown), the phase's gaps over 100 ms, and the time from Repair to
the result (``preview_s``), and when the warm-up had the engine loaded, in seconds
from the first stroke (``warm_ready_s``; absent: not within the painting); then the
medians over the rounds.
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
from pathlib import Path

TRIAL = r'''
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
mode, folder, paint_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
sys.path.insert(0, sys.argv[4])  # tests/benchmarks
from stallmon import StallMonitor, wait_ms  # not QTest.qWait: it keeps the GIL, the warm-up and the preview crawled
from llmvis_desktop.core.config import Config
from llmvis_desktop.qt import repair_actions
from llmvis_desktop.qt.app import build_window, create_app
app = create_app([])  # as the app starts: the torch import hook (lazy_torch) and OMP_NUM_THREADS
if mode == "cold":
    repair_actions.RepairActions._warm_engine = lambda self, checkpoint: None
assert "torch" not in sys.modules

def phase():  # the phase's longest gap and its gaps over 100 ms (whole ms), then the next phase
    g = [round(x) for x in gaps.gaps_ms()]; gaps.reset()
    return (max(g, default=0), [x for x in g if x > 100])

def until(pred, timeout=120.0):
    t0 = time.monotonic()
    while not pred() and time.monotonic() - t0 < timeout:
        wait_ms(10)
    return pred()

win = build_window(config=Config(reviewer="bench", thumbnail_size=96))
win.resize(1280, 800); win.show()
done = []
win.index_finished.connect(lambda *a: done.append(a))
win.open_project(folder)
until(lambda: done and win.model.rowCount() > 0)
win.grid.select_row(0)
until(lambda: win.panel_ctl.record is not None and win.viewer_image is not None)
wait_ms(500)
gaps = StallMonitor(); gaps.start(); wait_ms(100); phase()
win.act_repair.trigger(); wait_ms(300)
res = {"open": phase()}
dlg = win.panel_ctl.repair_dialog
until(lambda: dlg.loaded)  # (read on a worker)
canvas = dlg.editor.canvas
from llmvis_desktop.core.repair import apply as apply_mod
t0 = time.monotonic(); x = 20
while time.monotonic() - t0 < paint_s:  # a thin scratch, painted in short strokes
    canvas.paint_stroke([(x, 80), (x + 12, 82)]); x = 20 + (x + 10) % 140
    if "warm_ready_s" not in res and apply_mod._GEN_CACHE:
        res["warm_ready_s"] = round(time.monotonic() - t0, 2)
    wait_ms(30)
res["paint"] = phase()
dlg.method.setCurrentIndex(dlg.method.findData("gan"))
t1 = time.monotonic()
dlg.run_repair()
until(lambda: "gan" in dlg.results)
res["preview_s"] = round(time.monotonic() - t1, 3)
wait_ms(50)
res["preview"] = phase()
res["ok"] = "gan" in dlg.results
dlg.reject(); win.shutdown()
print("RESULT " + json.dumps(res))
'''


def _images(folder: Path) -> None:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (160, 200, 3), dtype=np.uint8)).save(folder / f"img{i}.png")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--paint-s", type=float, default=4.0)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_repair_preview_"))
    try:
        env = dict(os.environ)
        for kind in ("config", "data", "cache", "log"):
            (tmp / kind).mkdir()
            env[f"LLMVIS_{kind.upper()}_DIR"] = str(tmp / kind)
        trials: dict = {"cold": [], "warm": []}
        for r in range(args.rounds):
            for mode in (("cold", "warm") if r % 2 == 0 else ("warm", "cold")):
                folder = tmp / f"imgs_{mode}_{r}"
                _images(folder)
                out = subprocess.run([sys.executable, "-c", TRIAL, mode, str(folder), str(args.paint_s),
                                      str(Path(__file__).resolve().parent)],
                                     env=env, capture_output=True, text=True, timeout=600)
                line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
                if not line:
                    print(out.stdout[-2000:], out.stderr[-4000:], file=sys.stderr)
                    return 1
                res = json.loads(line[0][7:])
                trials[mode].append({k: (v if not isinstance(v, list) else {"max_gap_ms": v[0], "gaps_over_100_ms": v[1]})
                                     for k, v in res.items()})
        summary = {}
        for mode, rs in trials.items():
            summary[mode] = {f"{ph}_max_gap_ms_median": statistics.median(t[ph]["max_gap_ms"] for t in rs)
                             for ph in ("open", "paint", "preview")}
            summary[mode]["worst_gap_ms_median"] = statistics.median(
                max(t[ph]["max_gap_ms"] for ph in ("open", "paint", "preview")) for t in rs)
            summary[mode]["preview_s_median"] = statistics.median(t["preview_s"] for t in rs)
        print(json.dumps({"rounds": args.rounds, "paint_s": args.paint_s, "trials": trials, "median": summary},
                         indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
