"""GUI responsiveness while a model suggestion batch job runs; prints JSON.

    python tests/benchmarks/bench_gui_suggest.py [--n 400] [--size medium|tiny] [--seconds 6]
    python tests/benchmarks/bench_gui_suggest.py --job learned [--n 400]

``--job learned``: the same probes while the learned suggester retrains in the
background (its small CNN fitting on 12 reviewed images of each of 5 defect kinds,
``tests/core/defectgen.py`` tiles), instead of the captioner job.

Setup (not timed): N real 320x240 PNG files, indexed; a random BLIP captioner built
from a config (``tests/core/tiny_models.py``; "medium" = hidden 256, 4 layers, 224 px
input, the size bench_suggest calls medium) chosen as the project's captioner.

Measured in a fresh child process (offscreen Qt), with the same GUI-thread timer
probe as ``bench_gui.py`` (a 5 ms timer; a stall is a gap beyond its period):
  baseline_*      no job running: the window idle, then a script scrolling the grid
                  (the named baseline, same run)
  during_job_*    the same while "Run captioner on all images" runs (the job is
                  started from the GUI, as a reviewer would, and has loaded its model)
  accept_next_during_job_median_ms   Enter (accept + commit + next) plus one pass of
                  the event loop, median of 30, while the job runs
  job_images_per_s                   the job's own rate while it is probed (if it ended
                  during the probes: the rate of its last progress report)
  accept_next_after_job_median_ms    the same as accept_next_during_job on the next 30
                  images (which the job has captioned) once it is cancelled
Aim (issue #4): the longest stall during a batch job < 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from bench_gui import _env  # noqa: E402
from stallmon import StallMonitor, spread, pump as _pump  # noqa: E402


def pump(until) -> bool:
    return _pump(until, 60.0, 0.002)

MODEL_SIZES = {"tiny": (32, 2, 32), "medium": (256, 4, 224)}


def setup(base: Path, n: int, size: str) -> None:
    import numpy as np
    from PIL import Image

    import tiny_models

    images = base / "images"
    marker = base / f"ready_{n}_{size}"
    if marker.exists():
        return
    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320]
    for i in range(n):
        base_rgb = np.stack([(xx + i * 7) % 256, (yy * 2 + i * 3) % 256, (xx + yy + i) % 256], -1)
        arr = np.clip(base_rgb + rng.normal(0, 12, base_rgb.shape), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(images / f"img_{i:05d}.png")
    hidden, layers, px = MODEL_SIZES[size]
    model = tiny_models.build_blip(base / f"blip-{size}", hidden=hidden, layers=layers, image_size=px,
                                   max_length=16)
    os.environ.update(_env(base))
    from llmvis_desktop.core.project import Project

    with Project.open(images) as p:
        p.index()
        p.set_setting("captioner", str(model))
    marker.write_text("ok")


def setup_learned(base: Path, n: int) -> None:
    import defectgen

    images = base / "images"
    marker = base / f"ready_{n}_learned"
    if marker.exists():
        return
    rows = defectgen.write_folder(images, max(12, n // len(defectgen.KINDS)), size=96)
    os.environ.update(_env(base))
    from llmvis_desktop.core.project import Project

    with Project.open(images) as p:
        p.index()
        for k in defectgen.KINDS:
            p.add_label(k)
        defectgen.review_first(p, rows, 12, actor="bench", caption=False)
    marker.write_text("ok")


def _start_job(win, kind: str):
    if kind == "learned":
        win.suggest_ctl.run_learned()
        return win.suggest_ctl.learned_job
    win.suggest_ctl.run_models("all")
    return win.suggest_ctl.models_job


def child(base: Path, seconds: float, kind: str) -> None:
    import resource

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window, create_app

    app = create_app(["bench"])
    win = build_window(str(base / "images"), config=Config(reviewer="bench", thumbnail_size=160))
    win.resize(1600, 1000)
    win.show()
    out: dict = {}


    # (the project opens off the GUI thread: no index job before it is open)
    pump(lambda: win.project is not None and (win.index_job is None or not win.index_job.is_active))
    pump(lambda: win.thumbs.pending() == 0)

    probe = StallMonitor()
    bar = win.grid.verticalScrollBar()

    def run_for(secs: float, scroll: bool) -> list:
        probe.start()
        end, nxt, direction = time.time() + secs, 0.0, 1
        while time.time() < end:
            app.processEvents()
            if scroll and time.time() >= nxt:
                nxt = time.time() + 0.016
                v = bar.value() + direction * bar.pageStep()
                if v >= bar.maximum() or v <= 0:
                    direction = -direction
                bar.setValue(max(0, min(bar.maximum(), v)))
            time.sleep(0.0005)
        probe.stop()
        return probe.stalls_ms()

    def record(prefix: str, gaps: list) -> None:
        out[f"{prefix}_max_stall_ms"] = round(max(gaps), 1) if gaps else None
        out.update(spread(prefix, gaps))

    record("baseline_idle", run_for(seconds / 2, False))
    record("baseline_scroll", run_for(seconds / 2, True))

    job = _start_job(win, kind)
    started = time.time()
    # captioner: the model is loaded once the job reports its first finished batch;
    # learned: its fit has begun once it reports progress
    pump(lambda: job.last_progress is not None and (kind == "learned" or job.last_progress.done > 0)
         or not job.is_active)
    out["model_load_and_first_batch_s"] = round(time.time() - started, 2)
    done0, t0 = (job.last_progress.done if job.last_progress else 0), time.time()
    record("during_job_idle", run_for(seconds, False))
    record("during_job_scroll", run_for(seconds, True))
    def accept_next_median(n: int = 30) -> float:
        """Enter (accept + commit + next) plus one pass of the event loop, median ms."""
        lat = []
        for _ in range(n):
            t = time.perf_counter()
            win.review.accept()
            app.processEvents()
            lat.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(lat), 2)

    win.grid.select_row(0)
    app.processEvents()
    out["accept_next_during_job_median_ms"] = accept_next_median()
    out["job_still_running"] = job.is_active
    done1 = job.last_progress.done if job.last_progress else 0
    if kind == "captioner" and job.is_active:
        out["job_images_per_s"] = round((done1 - done0) / max(1e-6, time.time() - t0), 2)
    elif kind == "captioner":  # it ended during the probes: its own rate, from its last report
        rate = re.match(r"([0-9.]+) images/s", job.last_progress.message if job.last_progress else "")
        out["job_images_per_s"] = float(rate.group(1)) if rate else None
    # the same on the next 30 images (they have suggestions too), with the job stopped
    job.cancel()
    pump(lambda: not job.is_active)
    out["accept_next_after_job_median_ms"] = accept_next_median()
    out["pending_suggestion_cards_at_end"] = len(win.panel_ctl.suggestions._cards)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    t = time.perf_counter()
    win.close()
    out["close_s"] = round(time.perf_counter() - t, 2)
    print("BENCH " + json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--size", default="medium", choices=sorted(MODEL_SIZES))
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_gui_suggest")
    ap.add_argument("--job", default="captioner", choices=("captioner", "learned"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    base = Path(args.dir) / (f"{args.n}_learned" if args.job == "learned" else f"{args.n}_{args.size}")
    if args.child:
        child(base, args.seconds, args.job)
        return
    if args.job == "learned":
        setup_learned(base, args.n)
        _reset(base, keep_labelled=True)
    else:
        setup(base, args.n, args.size)
        _reset(base)
    proc = subprocess.run(
        [sys.executable, __file__, "--n", str(args.n), "--size", args.size, "--seconds", str(args.seconds),
         "--dir", args.dir, "--job", args.job, "--child"],
        env=_env(base), capture_output=True, text=True, timeout=900,
    )
    result = {"images": args.n, "job": args.job, "model": args.size if args.job == "captioner" else "learned"}
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            result.update(json.loads(line[6:]))
    if proc.returncode != 0 or "during_job_idle_max_stall_ms" not in result:
        result["error"] = proc.stderr[-3000:]
    result["aim_stall_ms"] = 50
    print(json.dumps(result, indent=2))


def _reset(base: Path, keep_labelled: bool = False) -> None:
    """Every run starts with every image new, unlabelled and without a caption (not
    timed); ``keep_labelled`` keeps the reviewed, labelled images the learned job fits on."""
    import sqlite3

    con = sqlite3.connect(str(base / "images" / ".llmvis" / "project.sqlite"))
    try:
        if keep_labelled:
            con.execute("UPDATE images SET status = 'new', review_status = 'new', caption = NULL "
                        "WHERE id NOT IN (SELECT image_id FROM image_labels)")
            con.commit()
            return
        con.execute("UPDATE images SET status = 'new', review_status = 'new', caption = NULL")
        con.execute("DELETE FROM image_labels")
        con.commit()
    finally:
        con.close()


if __name__ == "__main__":
    main()
