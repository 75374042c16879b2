"""Index benchmark: first index and unchanged rescan of N small images, against a bare
recursive os.scandir + stat walk of the same folder measured in the same run.

    python tests/benchmarks/bench_index.py [--n 100000] [--dir /tmp/llmvis_bench_index]

Prints one JSON object. Aims: first index <= 3x the walk, rescan <= 1.5x.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def make_folder(root: Path, n: int) -> None:
    marker = root / f".complete-{n}"
    if marker.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    from PIL import Image
    import io

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (120, 30, 30)).save(buf, "PNG")
    data = buf.getvalue()
    per_dir = 1000
    for i in range(n):
        d = root / f"batch{i // per_dir:03d}"
        if i % per_dir == 0:
            d.mkdir()
        (d / f"img{i:06d}.png").write_bytes(data)
    marker.touch()


def bare_walk(root: Path) -> int:
    count = 0
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.name.startswith("."):
                    continue
                if e.is_dir():
                    stack.append(e.path)
                else:
                    e.stat()
                    count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_index")
    args = ap.parse_args()
    root = Path(args.dir) / f"n{args.n}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from llmvis_desktop.core.project import Project

    make_folder(root, args.n)
    shutil.rmtree(root / ".llmvis", ignore_errors=True)
    bare_walk(root)  # warm the file cache for both contenders

    t = time.perf_counter()
    files = bare_walk(root)
    walk_s = time.perf_counter() - t

    project = Project.open(root)
    t = time.perf_counter()
    first = project.scan()
    first_s = time.perf_counter() - t

    t = time.perf_counter()
    again = project.scan()
    rescan_s = time.perf_counter() - t

    t = time.perf_counter()
    project.read_headers()
    headers_s = time.perf_counter() - t
    project.close()

    t = time.perf_counter()
    files2 = bare_walk(root)
    walk2_s = time.perf_counter() - t
    walk_best = min(walk_s, walk2_s)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "index",
        "files": files,
        "baseline": "bare recursive os.scandir + stat walk, same folder, same run (best of 2)",
        "walk_s": round(walk_best, 3),
        "first_index_s": round(first_s, 3),
        "first_index_vs_walk": round(first_s / walk_best, 2),
        "first_index_aim": "<= 3x",
        "rescan_s": round(rescan_s, 3),
        "rescan_vs_walk": round(rescan_s / walk_best, 2),
        "rescan_aim": "<= 1.5x",
        "added": first.added,
        "rescan_changes": again.added + again.changed + again.missing,
        "header_pass_s": round(headers_s, 2),
        "header_pass_images_per_s": round(first.added / headers_s, 1) if headers_s else None,
        "peak_rss_mb": round(peak_mb, 1),
        "walk_files_match": files == files2 == first.seen,
    }, indent=2))


if __name__ == "__main__":
    main()
