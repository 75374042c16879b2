"""Benchmark: export a 100,000-image annotated project in every format; prints JSON.

    python tests/benchmarks/bench_interchange.py [--images 100000] [--formats coco,csv,...]
                                                 [--no-files]

The project is built quickly with direct SQL inserts (images with captions, statuses,
reviewers and times; 1-2 labels each; a pending suggestion on every 10th image).
The image files are hard links to small PNGs (one per folder), so the copying formats (yolo,
jsonl) can be timed too, with ``link=True`` (they link instead of copying);
``--no-files`` skips making them and times the metadata formats only.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert  # noqa: E402

from llmvis_desktop.core.interchange import FORMATS, ExportOptions, export_project  # noqa: E402
from llmvis_desktop.core.project import Project  # noqa: E402
from llmvis_desktop.core.store import models as m  # noqa: E402
from llmvis_desktop.core.store.name_key import name_key  # noqa: E402

LABELS = ["scratch", "dent", "crack", "stain", "pitting", "burn", "ok", "rust", "chip", "smudge"]


def build(root: Path, n: int, files: bool) -> tuple[Project, float]:
    t0 = time.perf_counter()
    if files:
        from PIL import Image

        for d in range(n // 1000 + 1):  # one seed file per folder: an inode takes ~65k links at most
            (root / f"d{d:03d}").mkdir()
            Image.new("RGB", (4, 4)).save(root / f".seed{d:03d}.png")
        for i in range(n):
            os.link(root / f".seed{i // 1000:03d}.png", root / f"d{i // 1000:03d}" / f"img{i:06d}.png")
    p = Project.open(root)
    for name in LABELS:
        p.add_label(name)
    label_ids = {lbl.name: lbl.id for lbl in p.labels()}
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    statuses = ["reviewed", "reviewed", "reviewed", "new", "rejected"]
    with p.store.write() as s:
        s.execute(insert(m.Image), [
            {"id": i + 1, "relpath": f"d{i // 1000:03d}/img{i:06d}.png",
             "name_key": name_key(f"d{i // 1000:03d}/img{i:06d}.png"), "size": 75, "mtime_ns": 0,
             "width": 640, "height": 480, "format": "PNG", "status": statuses[i % 5],
             "review_status": statuses[i % 5], "header_done": True,
             "caption": f"a {LABELS[i % 10]} on part {i}" if i % 5 != 3 else None,
             "updated_by": "alice" if i % 5 != 3 else None, "updated_at": now if i % 5 != 3 else None}
            for i in range(n)
        ])
        pairs = []
        for i in range(n):
            if i % 5 == 3:
                continue
            pairs.append({"image_id": i + 1, "label_id": label_ids[LABELS[i % 10]]})
            if i % 2:
                pairs.append({"image_id": i + 1, "label_id": label_ids[LABELS[(i + 3) % 10]]})
        s.execute(insert(m.ImageLabel), pairs)
        s.execute(insert(m.Suggestion), [
            {"image_id": i + 1, "kind": "label", "value": LABELS[(i + 1) % 10], "score": 0.5,
             "model_id": "bench", "params_json": "{}", "created_at": now, "outcome": "pending"}
            for i in range(0, n, 10)
        ])
    return p, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--no-files", action="store_true")
    args = ap.parse_args()
    fmts = [f for f in args.formats.split(",") if f]
    if args.no_files:
        fmts = [f for f in fmts if f not in ("yolo", "jsonl")]
    result = {"images": args.images, "python": platform.python_version(), "cpus": os.cpu_count(),
              "formats": {}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        project, build_s = build(root, args.images, not args.no_files)
        result["build_seconds"] = round(build_s, 2)
        try:
            for fmt in fmts:
                spec = FORMATS[fmt]
                out = Path(tmp) / f"out_{fmt}{spec.suffix}"
                opts = ExportOptions(include_suggestions=True, link=True)
                t0 = time.perf_counter()
                rep = export_project(project, fmt, out, opts)
                dt = time.perf_counter() - t0
                size = (out.stat().st_size if out.is_file()
                        else sum(f.stat().st_size for f in out.rglob("*") if f.is_file() and f.suffix != ".png"))
                result["formats"][fmt] = {"seconds": round(dt, 2), "images": rep.images,
                                          "annotations": rep.annotations, "files": rep.files_written,
                                          "metadata_bytes": size, "warnings": len(rep.warnings)}
                print(f"{fmt}: {dt:.2f} s", file=sys.stderr)
        finally:
            project.close()
    result["coco_seconds"] = result["formats"].get("coco", {}).get("seconds")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
