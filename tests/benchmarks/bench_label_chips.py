"""The Labels dock taking a teammate's new label (and its removal): GUI-thread stall; prints JSON.

    python tests/benchmarks/bench_label_chips.py [--labels N] [--rounds N] [--baseline REV]

A LabelPanel (360x400, offscreen, shown) holds ``--labels`` labels with usage counts.
Each round gives it the same labels plus one new one (``set_labels``, as the window
does when the team watch or another window's change brings a label), then the labels
without it again; each is timed from the call until the posted events it left (chips
deleted, polished, laid out) have run: the stall the reviewer feels.

``--baseline REV`` (default ``main``) loads that revision's ``label_panel.py`` (``git
show``) beside the working tree's and alternates the two round by round, so both
figures come from the same run. Output: per implementation, the median and worst
``add_ms`` and ``remove_ms``, and ``chips_kept`` (chips still the same widgets after an
add: N for in-place updates, 0 for a rebuild).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
PANEL = "llmvis_desktop/qt/widgets/label_panel.py"


def _baseline_module(rev: str):
    src = subprocess.run(["git", "show", f"{rev}:{PANEL}"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    path = Path(tempfile.mkdtemp()) / "label_panel_baseline.py"
    path.write_text(src)
    # a module of the same package: its relative imports (style, flow_layout, label_chip) resolve
    spec = importlib.util.spec_from_file_location("llmvis_desktop.qt.widgets._label_panel_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=int, default=35)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--baseline", default="main")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from llmvis_desktop.core.store.records import LabelDef
    from llmvis_desktop.qt.widgets import label_panel

    app = QApplication.instance() or QApplication([])
    colors = ["#e6194b", "#4363d8", "#f58231", "#3cb44b", "#911eb4", "#42d4f4"]
    defs = [LabelDef(i + 1, f"defect {i:02d}", colors[i % len(colors)], None, "", i) for i in range(args.labels)]
    usage = {d.name: 10 * i for i, d in enumerate(defs)}
    new = LabelDef(1000, "hairline", "#000075", None, "", args.labels // 2)
    impls = {"working_tree": label_panel}
    if args.baseline:
        impls[f"baseline_{args.baseline}"] = _baseline_module(args.baseline)
    panels = {}
    for name, mod in impls.items():
        p = mod.LabelPanel()
        p.resize(360, 400)
        p.set_labels(defs, usage)
        p.show()
        panels[name] = p

    def settle() -> None:
        QCoreApplication.sendPostedEvents()
        app.processEvents()

    settle()
    times = {name: {"add": [], "remove": []} for name in impls}
    kept = {}
    for r in range(args.rounds + 2):  # two warm-up rounds
        for name in (list(impls) if r % 2 == 0 else list(impls)[::-1]):
            p = panels[name]
            before = {d.name: p.chip(d.name) for d in defs}
            t0 = time.perf_counter()
            p.set_labels([*defs, new], usage)
            settle()
            t1 = time.perf_counter()
            kept[name] = sum(1 for d in defs if p.chip(d.name) is before[d.name])
            p.set_labels(defs, usage)
            settle()
            t2 = time.perf_counter()
            if r >= 2:
                times[name]["add"].append((t1 - t0) * 1000)
                times[name]["remove"].append((t2 - t1) * 1000)
    out = {"labels": args.labels, "rounds": args.rounds}
    for name, t in times.items():
        out[name] = {"add_ms": round(statistics.median(t["add"]), 2), "add_ms_worst": round(max(t["add"]), 2),
                     "remove_ms": round(statistics.median(t["remove"]), 2),
                     "remove_ms_worst": round(max(t["remove"]), 2), "chips_kept": kept[name]}
    print(json.dumps(out))
    for p in panels.values():
        p.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
