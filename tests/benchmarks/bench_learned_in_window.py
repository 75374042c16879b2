"""The learned suggester's job started from the window (Ctrl+L) vs the same core calls; prints JSON.

    python tests/benchmarks/bench_learned_in_window.py [--per-kind 60] [--size 192] [--qwait-seconds 60]

Setup (not timed): ``--per-kind`` tiles of each of the 5 defect kinds of
``tests/core/defectgen.py`` (``--size`` px PNGs), indexed, 6 of each kind reviewed with
its label (30 reviewed: the linear model, as a team's first Ctrl+L). Each measurement
runs in a fresh child process on its own copy of that folder (no feature cache, no
saved model), one after the other (same run, same machine load):

  core           ``LearnedSuggester(project).train()`` then ``.run(None, True)``,
                 no Qt at all (``core_train_s``, ``core_suggest_s``, ``core_total_s``)
  window         the window's Ctrl+L action (``act_learned``) in an offscreen window
                 whose GUI thread runs Qt's event loop (``QEventLoop.exec``, as
                 ``app.exec()`` does) until the job ends (``window_total_s``, when each
                 stage began, ``window_reviewed_read_s``: the 30 reviewed images read, the
                 fit begins; ``window_over_core``: 1.0 = as fast as the core calls)
  qwait          the same job while the GUI thread waits with ``QTest.qWait`` polls,
                 as a test script may; it is stopped after ``--qwait-seconds``
                 (0: not run) and reports how far it got (``qwait_progress``: stage -> [done,
                 total], the suggest stage counted per batch of 64; ``qwait_reviewed_read_s``).

``qwait`` is not the window's behaviour: PySide6's ``QTest.qWait`` keeps the GIL while
it sleeps between event-loop passes, so every Python thread (the job's) waits on the
GUI thread's sleep. A script that drives the window with ``QTest.qWait`` sees the job
run many times slower (a review-day hunt measured 20-60x this way); ``window`` is the
figure a user sees. Drive a window whose workers run Python with ``qtbot.wait`` /
``waitUntil`` (pytest-qt runs a ``QEventLoop``) or ``processEvents`` plus ``time.sleep``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from bench_gui import _env  # noqa: E402

REVIEWED_PER_KIND = 6


def setup(base: Path, per_kind: int, size: int) -> Path:
    """The pristine folder (made once per settings)."""
    pristine = base / f"pristine_{per_kind}_{size}"
    if (pristine / ".ready").exists():
        return pristine
    shutil.rmtree(pristine, ignore_errors=True)
    import defectgen

    rows = defectgen.write_folder(pristine, per_kind, size=size)
    os.environ.update(_env(base / "env"))
    from llmvis_desktop.core.project import Project

    with Project.open(pristine) as p:
        p.index()
        for k in defectgen.KINDS:
            p.add_label(k)
        defectgen.review_first(p, rows, REVIEWED_PER_KIND, actor="bench")
    (pristine / ".ready").write_text("ok")
    return pristine


# --------------------------------------------------------------------------- children
def child_core(folder: Path) -> dict:
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.learned import LearnedSuggester

    with Project.open(folder) as p:
        t0, cpu0 = time.perf_counter(), time.process_time()
        s = LearnedSuggester(p)
        report = s.train()
        t1 = time.perf_counter()
        written = s.run(None, True)
        t2 = time.perf_counter()
        cpu = time.process_time() - cpu0
    return {"core_process_cpu_s": round(cpu, 2), "core_train_s": round(t1 - t0, 2), "core_suggest_s": round(t2 - t1, 2),
            "core_total_s": round(t2 - t0, 2), "core_reviewed": report.images, "core_written": written}


def child_window(folder: Path, mode: str, qwait_s: float) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtTest import QTest

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window, create_app

    _app = create_app(["bench"])  # (kept: the window needs it)
    win = build_window(str(folder), config=Config(reviewer="bench", thumbnail_size=96))
    win.resize(1400, 900)
    win.show()
    from stallmon import pump as _pump

    def pump(until, timeout_s: float = 120.0) -> bool:  # GIL released while sleeping
        return _pump(until, timeout_s, 0.005)

    sc = win.suggest_ctl
    assert pump(lambda: win.project is not None and (win.index_job is None or not win.index_job.is_active))
    assert pump(lambda: win.thumbs.pending() == 0 and sc.learned_ready is not None)
    assert sc.learned_ready, sc.learned_message
    stages: dict[str, float] = {}
    last: dict = {}
    t0, gui_cpu0, cpu0 = time.perf_counter(), time.thread_time(), time.process_time()

    def on_progress(p) -> None:
        stages.setdefault(p.stage, round(time.perf_counter() - t0, 2))
        last[p.stage] = (p.done, p.total)

    win.act_learned.trigger()  # Ctrl+L
    job = sc.learned_job
    assert job is not None
    job.signals.progress.connect(on_progress)
    out: dict = {}
    if mode == "window":
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: None if job.is_active else loop.quit())
        timer.start(50)
        loop.exec()
        timer.stop()
        out["window_total_s"] = round(time.perf_counter() - t0, 2)
        # CPU the GUI thread spent meanwhile (painting progress, refreshing the grid), and the process's
        out["window_gui_thread_cpu_s"] = round(time.thread_time() - gui_cpu0, 2)
        out["window_process_cpu_s"] = round(time.process_time() - cpu0, 2)
        out["window_stages_began_s"] = stages
        out["window_status"] = win.statusBar().currentMessage()
        assert job.state == "done", (job.state, job.error)
    else:
        end = time.perf_counter() + qwait_s
        while job.is_active and time.perf_counter() < end:
            QTest.qWait(100)
        elapsed = time.perf_counter() - t0
        out["qwait_s"] = round(elapsed, 2)
        out["qwait_finished"] = not job.is_active
        out["qwait_stages_began_s"] = stages
        out["qwait_progress"] = {k: list(v) for k, v in last.items()}
        job.cancel()
        pump(lambda: not job.is_active, 60)
    win.shutdown()
    return out


def run_child(mode: str, folder: Path, base: Path, qwait_s: float) -> dict:
    env = _env(base / f"env_{mode}")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, __file__, "--child", mode, "--folder", str(folder), "--qwait-seconds", str(qwait_s)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"{mode} child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=60, help="images of each of the 5 kinds (default 60: 300)")
    ap.add_argument("--size", type=int, default=192, help="tile size in px (default 192)")
    ap.add_argument("--qwait-seconds", type=float, default=60.0,
                    help="how long the QTest.qWait-driven job runs before it is stopped (0: not run)")
    ap.add_argument("--dir", default="/tmp/bench_learned_in_window")
    ap.add_argument("--child", choices=("core", "window", "qwait"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        folder = Path(args.folder)
        res = child_core(folder) if args.child == "core" else child_window(folder, args.child, args.qwait_seconds)
        print("RESULT " + json.dumps(res), flush=True)
        return
    base = Path(args.dir)
    pristine = setup(base, args.per_kind, args.size)
    result: dict = {"images": 5 * args.per_kind, "reviewed": 5 * REVIEWED_PER_KIND, "size_px": args.size,
                    "cores": os.cpu_count()}
    modes = ["core", "window"] + (["qwait"] if args.qwait_seconds > 0 else [])
    for mode in modes:
        folder = base / f"run_{mode}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(pristine, folder)
        result.update(run_child(mode, folder, base, args.qwait_seconds))
    result["window_over_core"] = round(result["window_total_s"] / result["core_total_s"], 2)
    # reading the 30 reviewed images ends when the fit begins (the hunt's "features" stage)
    for mode in ("window", "qwait"):
        if f"{mode}_stages_began_s" in result:
            result[f"{mode}_reviewed_read_s"] = result[f"{mode}_stages_began_s"].get("train")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
