"""The GUI's event-loop stalls around the session's first model job; prints JSON.

    python tests/benchmarks/bench_first_job_stall.py [--rounds 3] [--variants current,nohook,preimported]
    python tests/benchmarks/bench_first_job_stall.py --old /tmp/base   # adds "old": that checkout's code

Each run is a fresh process (offscreen Qt) started as ``llmvis-desktop FOLDER`` starts
(``create_app``: the torch import hook and the thread count; ``build_window``): the window
opens a small indexed folder (24 PNGs) whose project chooses a tiny random BLIP
captioner and CLIP labeler (``tests/core/tiny_models.py``), settles, idles ``--idle-s``
seconds (``idle`` phase), then "Run models on all images" starts as the menu does
(``suggest_ctl.run_models("all")``); the event loop is pumped with the GIL released
(``stallmon.pump``, never ``QTest.qWait``) until the job ends. A 5 ms QTimer on the GUI
thread (``stallmon.StallMonitor``) records every gap; each gap beyond the period is put
in the phase it overlaps most, from times taken on the job's threads:

  idle          before the job (the window open, maybe warming up)
  prep          the job's start to the first ``import torch`` (our modules, the database)
  preload       lazy_torch's dlopen of libtorch (without the GIL)
  import_torch  the rest of ``import torch``
  import_hf     ``import transformers`` (lazy in transformers 5: the model classes load
                with the model)
  model_load    the engines' loads (processor, weights, the model classes' modules)
  first_batch   the models loaded to the first batch's progress report
  rest          the later batches and the job's end

Variants, run interleaved (``--rounds`` rounds of each, one after the other):
  current       this checkout, as the app starts
  nohook        the same without the lazy_torch hook (as a script that builds the window
                without ``create_app``, e.g. the hunt's repro, measured it)
  warm          torch and transformers imported on the model thread (``lazy_torch.import_engine``)
                as the window idles after it opened (its stalls count in ``idle``), then the job
  preimported   torch, transformers and the two model classes imported on the GUI thread
                before the window opens (not timed): what is left once they are imported
  old           ``--old DIR``'s code (PYTHONPATH=DIR), as the app starts

Per run: ``max_stall_ms``, ``stalls_over_50ms`` (each ``[ms, phase]``),
``max_stall_less_runq_ms`` (each stall less the time the GUI thread sat runnable on the
OS's run queue meanwhile, from /proc/thread-self/schedstat: on a loaded machine most of
a long stall is that; what is left is this process's doing, e.g. the GIL held),
``runq_in_worst_stall_ms``, the worst stall per phase, the phases' times from the job's start (s), whether the status bar or the
Jobs panel said something while the stall was under way (``said_before_stall``), and
the collector's pauses seen (``gc_gen2_ms`` each, ``gc_young_ms`` summed and its longest),
the objects it still walks after the job and those frozen, and a full collection timed on
the GUI thread after the job (``full_gc_after_job_ms``: what the interpreter's next one
will cost the window); per variant the medians. Aim (issue #4): the longest stall < 50 ms.
"""
from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from bench_gui import _env  # noqa: E402

if os.environ.get("LLMVIS_BENCH_SRC"):  # the checkout a child runs (bench_gui put this one first)
    sys.path.insert(0, os.environ["LLMVIS_BENCH_SRC"])

PHASES = ("idle", "prep", "preload", "import_torch", "import_hf", "model_load", "first_batch", "rest")
N_IMAGES = 24


def setup(base: Path) -> None:
    import numpy as np
    from PIL import Image

    import tiny_models

    marker = base / "ready"
    if marker.exists():
        return
    images = base / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(N_IMAGES):
        Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(images / f"img_{i:03d}.png")
    blip = tiny_models.build_blip(base / "models" / "tiny-blip")
    clip = tiny_models.build_clip(base / "models" / "tiny-clip")
    os.environ.update(_env(base))
    from llmvis_desktop.core.project import Project

    with Project.open(images) as p:
        p.index()
        p.add_label("scratch")
        p.add_label("dent")
        p.set_setting("captioner", str(blip))
        p.set_setting("labeler", str(clip))
    marker.write_text("ok")


def reset(base: Path) -> None:
    """Every run starts with no suggestion stored (not timed)."""
    import sqlite3

    con = sqlite3.connect(str(base / "images" / ".llmvis" / "project.sqlite"))
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for t in ("suggestions", "suggest_runs"):
            if t in tables:
                con.execute(f"DELETE FROM {t}")
        con.execute("DELETE FROM history WHERE action LIKE 'suggest%'") if "history" in tables else None
        con.execute("UPDATE images SET status = 'new', review_status = 'new', caption = NULL")
        con.commit()
    finally:
        con.close()


class _Marks(importlib.abc.MetaPathFinder):
    """Times the first import of a few modules (start: looked up; end: executed), and
    wraps ``Engine.load`` once the engines module is executed."""

    WATCH = ("torch", "transformers", "llmvis_desktop.core.suggest.engines")

    def __init__(self, marks: dict) -> None:
        self.marks = marks

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.WATCH or f"{fullname}:start" in self.marks or not _importing():
            return None  # (not a probe such as importlib.util.find_spec: the menus ask for torch)
        self.marks[f"{fullname}:start"] = time.perf_counter()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        run = spec.loader.exec_module
        marks = self.marks

        def exec_module(module):
            run(module)
            marks[f"{fullname}:end"] = time.perf_counter()
            if fullname.endswith(".engines"):
                _wrap_engine_load(module.Engine, marks)

        spec.loader.exec_module = exec_module
        return spec


def _importing() -> bool:
    from llmvis_desktop.core import lazy_torch

    return lazy_torch._importing()


def _wrap_engine_load(cls, marks: dict) -> None:
    load = cls.load

    def timed(self):
        marks.setdefault("model_load:start", time.perf_counter())
        try:
            return load(self)
        finally:
            marks["model_load:end"] = time.perf_counter()

    cls.load = timed


def _phase_bounds(marks: dict, t_job: float, t_first: float, t_end: float) -> list[tuple[str, float, float]]:
    """(phase, start, end) in time order; a phase not seen is empty."""
    m = marks.get
    pre_s, pre_e = m("preload:start"), m("preload:end")
    torch_s = m("torch:start")
    hf_s, hf_e = m("transformers:start"), m("transformers:end")
    load_s, load_e = m("model_load:start"), m("model_load:end")
    cuts = [("prep", t_job)]
    if pre_s and pre_s >= t_job:
        cuts += [("preload", pre_s), ("import_torch", pre_e or pre_s)]
    elif torch_s and torch_s >= t_job:
        cuts += [("import_torch", torch_s)]
    if hf_s and hf_s >= t_job:
        cuts += [("import_hf", hf_s)]
    if load_s:
        # the engines import transformers first: its import ends where the load starts
        cuts += [("model_load", max(load_s, hf_e or load_s))]
    if load_e:
        cuts += [("first_batch", load_e)]
    cuts += [("rest", t_first)]
    cuts.sort(key=lambda c: c[1])
    out = [("idle", float("-inf"), t_job)]
    for (name, start), nxt in zip(cuts, cuts[1:] + [("", t_end)]):
        out.append((name, start, nxt[1]))
    return out


def _phase_of(bounds, end: float, gap_ms: float) -> str:
    start = end - gap_ms / 1000
    best, most = "idle", -1.0
    for name, a, b in bounds:
        overlap = min(end, b) - max(start, a)
        if overlap > most:
            best, most = name, overlap
    return best


def _run_queue_ms() -> float:
    """The calling thread's time spent runnable but not running, so far (ms; Linux's
    schedstat, 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def _RunQueueMonitor(base):
    """A StallMonitor that also keeps, per tick, how long the GUI thread waited on the OS's
    run queue since the tick before (``runq``, ms): on a loaded machine most of a long
    gap can be that, not this process's doing."""

    class Monitor(base):
        def reset(self):
            self.runq = []
            self._q = _run_queue_ms()
            return super().reset()

        def tick(self):
            q = _run_queue_ms()
            self.runq.append(round(q - self._q, 1))
            self._q = q
            super().tick()

    return Monitor()


def child(base: Path, variant: str, idle_s: float, sample: bool = False) -> None:
    import gc

    marks: dict = {}
    gc_pauses: list = []
    gc_start = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_pauses.append((time.perf_counter(), (time.perf_counter() - gc_start[0]) * 1000,
                              info.get("generation")))

    gc.callbacks.append(on_gc)
    if variant == "preimported":
        import torch  # noqa: F401
        from transformers import BlipForConditionalGeneration, CLIPModel  # noqa: F401

    from stallmon import StackSampler, StallMonitor, pump

    from llmvis_desktop.core import lazy_torch
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.app import build_window, create_app

    _app = create_app(["bench"])
    if variant == "nohook":
        lazy_torch.uninstall()
    if hasattr(lazy_torch, "preload_libraries"):
        preload = lazy_torch.preload_libraries

        def timed_preload():
            marks["preload:start"] = time.perf_counter()
            try:
                return preload()
            finally:
                marks["preload:end"] = time.perf_counter()

        lazy_torch.preload_libraries = timed_preload
    # after the lazy_torch hook (it preloads libtorch, then lets the regular finders import)
    hook = getattr(lazy_torch, "_hook", None)
    sys.meta_path.insert(1 if sys.meta_path and sys.meta_path[0] is hook else 0, _Marks(marks))

    mon = _RunQueueMonitor(StallMonitor)
    mon.start()
    sampler = StackSampler(mon) if sample else None
    if sampler is not None:
        sampler.start()
    win = build_window(str(base / "images"), config=Config(reviewer="bench", thumbnail_size=96))
    win.resize(1280, 800)
    win.show()
    pump(lambda: win.project is not None and (win.index_job is None or not win.index_job.is_active), 60)
    pump(lambda: win.thumbs.pending() == 0, 30)
    said: list = []  # (time, where, text): what the window told the user
    win.statusBar().messageChanged.connect(lambda t: t and said.append((time.perf_counter(), "status", t)))

    mon.reset()
    t_idle = time.perf_counter()
    if variant == "warm":  # torch and transformers imported on the model thread while the window idles
        from llmvis_desktop.core.suggest.worker import shared_worker

        warm = shared_worker().submit(lazy_torch.import_engine)
        pump(warm.done, 60)
        out_warm_s = round(time.perf_counter() - t_idle, 2)
    end_idle = time.perf_counter() + idle_s
    pump(lambda: time.perf_counter() >= end_idle, idle_s + 5)
    first = [None]
    t_job = time.perf_counter()
    mon.tick()
    win.suggest_ctl.run_models("all")
    job = win.suggest_ctl.models_job
    t_started = time.perf_counter()

    def on_progress(p):
        said.append((time.perf_counter(), "jobs", getattr(p, "message", "")))
        if first[0] is None and getattr(p, "done", 0):
            first[0] = time.perf_counter()

    job.signals.progress.connect(on_progress)
    ok = pump(lambda: not job.is_active, 120)
    pump(lambda: False, 0.3)  # its results land
    t_end = time.perf_counter()
    mon.stop()
    if sampler is not None:
        sampler.stop()
    t_first = first[0] or t_end
    bounds = _phase_bounds(marks, t_job, t_first, t_end)
    stalls = [(round(g - mon.period_ms, 1), _phase_of(bounds, t, g), t) for t, g, _ in mon.ticks
              if g > mon.period_ms]
    worst: dict = {}
    for ms, ph, _t in stalls:
        worst[ph] = max(worst.get(ph, 0.0), ms)
    big = sorted((s for s in stalls if s[0] > 50), key=lambda s: -s[0])
    top = big[0] if big else None
    import llmvis_desktop

    out = {
        "variant": variant,
        "code": str(Path(llmvis_desktop.__file__).parents[1]),
        "job_ok": ok and getattr(job, "error", None) is None,
        "max_stall_ms": max((s[0] for s in stalls), default=0.0),
        # the same less the time the GUI thread sat runnable on the OS's run queue (the
        # machine busy elsewhere): what the process itself (the GIL) made it wait
        "max_stall_less_runq_ms": max((round(g - mon.period_ms - q, 1) for (t, g, _), q
                                       in zip(mon.ticks, mon.runq) if g > mon.period_ms), default=0.0),
        "runq_in_worst_stall_ms": max(zip(mon.ticks, mon.runq), key=lambda x: x[0][1], default=((0, 0, 0), 0))[1],
        "stalls_over_50ms": [[s[0], s[1]] for s in big],
        "worst_by_phase_ms": {p: worst[p] for p in PHASES if p in worst},
        "phases_s": {name: round(a - t_job, 3) for name, a, _b in bounds if name != "idle"},
        "warm_up_s": out_warm_s if variant == "warm" else None,
        "run_models_call_ms": round((t_started - t_job) * 1000, 1),
        "job_s": round(t_end - t_job, 2),
        # the cyclic collector's pauses (it holds the GIL): gen 2 each, and the others summed
        "gc_gen2_ms": [round(ms, 1) for t, ms, g in gc_pauses if t >= t_job - idle_s and g == 2],
        "gc_young_ms": round(sum(ms for t, ms, g in gc_pauses if t >= t_job - idle_s and g != 2), 1),
        "gc_young_max_ms": round(max((ms for t, ms, g in gc_pauses if t >= t_job - idle_s and g != 2),
                                     default=0), 1),
    }
    # what the next full collection (the interpreter runs one sooner or later, on any
    # thread, holding the GIL) costs the window now
    out["gc_tracked_after_job"] = len(gc.get_objects())
    out["gc_frozen_after_job"] = gc.get_freeze_count()
    t = time.perf_counter()
    gc.collect()
    out["full_gc_after_job_ms"] = round((time.perf_counter() - t) * 1000, 1)
    if top is not None:  # what the window had said before the worst stall began
        began = top[2] - (top[0] + mon.period_ms) / 1000
        before = [f"{w}: {txt}" for t, w, txt in said if t <= began]
        out["said_before_stall"] = before[-2:]
    if sampler is not None:  # --sample: what the GUI thread ran in each stall over 15 ms
        out["stall_stacks"] = [dict(s, phase=_phase_of(bounds, s.pop("end"), s["ms"] + mon.period_ms))
                               for s in sampler.attribute(15.0)]
    print("BENCH " + json.dumps(out), flush=True)
    win.close()


def _top_stacks(runs: list) -> dict:
    """Per phase, the stalls over 15 ms of all ``runs`` grouped by their most frequent
    stack: ``[stack (innermost first), stalls, their ms summed, the longest]``, most ms first."""
    by: dict = {}
    for r in runs:
        for s in r.get("stall_stacks", []):
            key = " <- ".join(s["top_stack"]) or "(no sample)"
            n, total, top = by.setdefault(s["phase"], {}).get(key, (0, 0.0, 0.0))
            by[s["phase"]][key] = (n + 1, total + s["ms"], max(top, s["ms"]))
    return {ph: [[k, n, round(t, 1), m] for k, (n, t, m) in sorted(d.items(), key=lambda x: -x[1][1])][:6]
            for ph, d in by.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", default="current,nohook,preimported")
    ap.add_argument("--old", help="a checkout to run as the variant 'old' (its PYTHONPATH)")
    ap.add_argument("--idle-s", type=float, default=2.0)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_first_job")
    ap.add_argument("--sample", action="store_true",
                    help="sample the GUI thread's stack in each stall (stallmon.StackSampler): per run "
                         "stall_stacks, per variant top_stacks_by_phase")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    base = Path(args.dir)
    if args.child:
        child(base, args.child, args.idle_s, args.sample)
        return
    setup(base)
    # ("old" once: named in --variants and implied by --old, it ran twice a round)
    variants = list(dict.fromkeys([v for v in args.variants.split(",") if v] + (["old"] if args.old else [])))
    runs: dict = {v: [] for v in variants}
    for _ in range(args.rounds):
        for v in variants:
            reset(base)
            env = _env(base)
            src = args.old if v == "old" else str(ROOT)
            env["PYTHONPATH"] = env["LLMVIS_BENCH_SRC"] = src
            proc = subprocess.run([sys.executable, __file__, "--child", "current" if v == "old" else v,
                                   "--idle-s", str(args.idle_s), "--dir", args.dir]
                                  + (["--sample"] if args.sample else []),
                                  env=env, capture_output=True, text=True, timeout=600)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH ")), None)
            runs[v].append(json.loads(line[6:]) if line else {"error": proc.stderr[-2000:]})
            if v == "old" and line:
                runs[v][-1]["variant"] = "old"
    summary = {}
    for v, rs in runs.items():
        good = [r for r in rs if "max_stall_ms" in r]
        if good:
            summary[v] = {"median_max_stall_ms": statistics.median(r["max_stall_ms"] for r in good),
                          "median_max_stall_less_runq_ms": statistics.median(r["max_stall_less_runq_ms"]
                                                                             for r in good),
                          "max_stall_ms": [r["max_stall_ms"] for r in good],
                          "median_stalls_over_50ms": statistics.median(len(r["stalls_over_50ms"]) for r in good),
                          "median_full_gc_after_job_ms": statistics.median(r["full_gc_after_job_ms"] for r in good),
                          "median_gc_young_ms": statistics.median(r["gc_young_ms"] for r in good),
                          "median_job_s": statistics.median(r["job_s"] for r in good)}
            if args.sample:
                summary[v]["top_stacks_by_phase"] = _top_stacks(good)
    print(json.dumps({"benchmark": "GUI stalls around the session's first model job", "images": N_IMAGES,
                      "rounds": args.rounds, "cpu_count": os.cpu_count(), "load_avg": os.getloadavg(),
                      "aim_stall_ms": 50, "summary": summary, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
