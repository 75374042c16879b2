"""Benchmark: adding many labels at once (a big taxonomy); prints JSON.

    python tests/benchmarks/bench_labels_add.py [--labels 1000,3000] [--cases cli,import] [--baseline REV]

Cases, each size N on a fresh project (SQLite):

- ``cli``: ``llmvis labels add FOLDER NAME1 ... NAMEN --json`` (``cli.main`` in this
  process, output captured): the project made, N labels added in one transaction.
- ``import``: a COCO file of N classes and N images, a box of one class on each (a
  foreign file: the classes it uses are those it brings) imported into a project of
  those images (rows only) and no labels: the import makes the N labels (in a
  transaction of their own, recorded as provisional), then gives each image its label.

``--baseline REV``: the same with git revision REV's ``llmvis_desktop`` too (extracted
with ``git archive`` and imported as ``llmvis_baseline``: baseline_rev.py), in the same
process, each case's two runs next to each other. ``same_labels``: both ended with the
same label list (name, colour, key, position, exclusive) and, for ``cli``, printed the same
JSON but for the ids. The figures of one run are comparable with each other only.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_rev import import_baseline  # noqa: E402
sys.path.insert(0, str(ROOT))

def names(n: int) -> list[str]:
    return [f"defect class {i:05d}" for i in range(n)]


def coco_file(path: Path, n: int) -> None:
    images = [{"id": i + 1, "file_name": f"img{i}.png", "width": 4, "height": 4} for i in range(n)]
    anns = [{"id": i + 1, "image_id": i + 1, "category_id": i + 1, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 0}
            for i in range(n)]
    cats = [{"id": i + 1, "name": name} for i, name in enumerate(names(n))]
    path.write_text(json.dumps({"images": images, "categories": cats, "annotations": anns}))


def labels_of(pkg: str, folder: Path) -> list[tuple]:
    Project = importlib.import_module(f"{pkg}.core.project").Project
    with Project.open(folder) as p:
        return [(d.name, d.color, d.shortcut, d.position, d.exclusive) for d in p.labels()]


def run_cli(pkg: str, tmp: Path, n: int) -> tuple[float, tuple]:
    main = importlib.import_module(f"{pkg}.cli").main
    folder = tmp / f"cli-{pkg}-{n}"
    folder.mkdir(parents=True)
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["labels", "add", str(folder), *names(n), "--json"])
    dt = time.perf_counter() - t0
    assert code == 0, code
    said = json.loads(out.getvalue())
    printed = [{k: v for k, v in d.items() if k != "id"} for d in said["added"]]
    return dt, (labels_of(pkg, folder), printed)


def run_import(pkg: str, tmp: Path, n: int, coco: Path) -> tuple[float, tuple]:
    from sqlalchemy import insert

    Project = importlib.import_module(f"{pkg}.core.project").Project
    m = importlib.import_module(f"{pkg}.core.store.models")
    import_file = importlib.import_module(f"{pkg}.core.interchange").import_file
    folder = tmp / f"import-{pkg}-{n}"
    folder.mkdir()
    with Project.open(folder) as p:
        with p.store.write() as s:  # (no files: an import matches names, it reads no image)
            s.execute(insert(m.Image), [
                {"id": i + 1, "relpath": f"img{i}.png", "size": 75, "mtime_ns": 0, "width": 4, "height": 4,
                 "format": "PNG", "status": "new", "review_status": "new", "header_done": True}
                for i in range(n)])
        t0 = time.perf_counter()
        rep = import_file(p, "coco", coco, actor="bench")
        dt = time.perf_counter() - t0
        assert rep.labels_created == n and rep.matched == n, (rep.labels_created, rep.matched)
    return dt, (labels_of(pkg, folder),)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", default="1000,3000", help="sizes: labels added at once")
    ap.add_argument("--cases", default="cli,import")
    ap.add_argument("--baseline", metavar="REV", help="also time git revision REV, in the same run")
    args = ap.parse_args()
    sizes = [int(x) for x in args.labels.split(",") if x]
    cases = [c for c in args.cases.split(",") if c]
    result = {"python": platform.python_version(), "cpus": os.cpu_count(), "baseline": args.baseline,
              "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="llmvis_bench_labels_") as tmp:
        tmp = Path(tmp)
        for k in ("DATA", "CONFIG", "CACHE"):
            os.environ.setdefault(f"LLMVIS_{k}_DIR", str(tmp / k.lower()))
        pkgs = ["llmvis_desktop"]
        if args.baseline:
            (tmp / "base").mkdir()
            import_baseline(args.baseline, tmp / "base")
            pkgs.append("llmvis_baseline")
        for pkg in pkgs:  # (untimed: the modules imported, the first project made)
            run_cli(pkg, tmp / "warm", 2)
        for n in sizes:
            coco = tmp / f"coco{n}.json"
            coco_file(coco, n)
            for case in cases:
                out = result["sizes"].setdefault(str(n), {})[case] = {}
                ends = {}
                for pkg in pkgs:
                    dt, ends[pkg] = run_cli(pkg, tmp, n) if case == "cli" else run_import(pkg, tmp, n, coco)
                    key = "current" if pkg == "llmvis_desktop" else "baseline"
                    out[key] = {"seconds": round(dt, 3), "ms_per_label": round(1000 * dt / n, 3)}
                    print(f"{n} {case} {key}: {dt:.2f} s", file=sys.stderr)
                if args.baseline:
                    out["speedup"] = round(out["baseline"]["seconds"] / out["current"]["seconds"], 1)
                    out["same_labels"] = ends["llmvis_desktop"] == ends["llmvis_baseline"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
