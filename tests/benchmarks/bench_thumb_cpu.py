"""CPU per thumbnail, this working tree against another git revision, alternating; JSON.

    python tests/benchmarks/bench_thumb_cpu.py --baseline REV [--size 256] [--rounds 7]

``--baseline REV``: ``llmvis_desktop`` as of REV is extracted with ``git archive`` and
imported as ``llmvis_baseline`` beside the working tree's package. Files (made once per
run, in a temporary folder): a 320x240 noise PNG, a 4000x3000 JPEG photo, an 800x600
8-bit RGB TIFF (the same turned by its Orientation tag too) and a 2000x1500 16-bit
TIFF. For each file and each round, ``make_thumbnail`` (the decode alone) and a cold
``ThumbnailCache.get`` (decode + JPEG write to an empty cache folder) run ``reps``
times with the baseline's code, then as many with the working tree's (the order
swaps every round); ``time.process_time`` per thumbnail. Prints the median ms of each,
``vs_baseline_pct`` (median against median) and ``paired_pct`` (median of each round's
change against the baseline run next to it): negative is faster. Noise on a busy
machine is a few percent; compare only figures of one run.
"""
from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_rev import import_baseline  # noqa: E402
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _import_baseline(rev: str, into: Path):
    import_baseline(rev, into)
    return importlib.import_module("llmvis_baseline.core.imaging.thumbs")


def make_files(folder: Path) -> dict[str, Path]:
    import tifffile

    rng = np.random.default_rng(7)
    out = {}
    out["noise_png_320x240"] = folder / "noise.png"
    Image.fromarray(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)).save(out["noise_png_320x240"])
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    photo = np.stack([128 + 90 * np.sin(x / 300), 128 + 90 * np.cos(y / 200), (x + y) % 256], -1)
    photo = np.clip(photo + rng.normal(0, 8, photo.shape).astype(np.float32), 0, 255).astype(np.uint8)
    out["photo_jpeg_4000x3000"] = folder / "photo.jpg"
    Image.fromarray(photo).save(out["photo_jpeg_4000x3000"], quality=90)
    out["rgb8_tiff_800x600"] = folder / "rgb8.tif"
    Image.fromarray(photo[:600, :800]).save(out["rgb8_tiff_800x600"])
    out["rgb8_tiff_turned6_800x600"] = folder / "turned6.tif"
    Image.fromarray(photo[:600, :800]).save(out["rgb8_tiff_turned6_800x600"], tiffinfo={274: 6})
    out["gray16_tiff_2000x1500"] = folder / "gray16.tif"
    tifffile.imwrite(out["gray16_tiff_2000x1500"], photo[:1500, :2000, 0].astype(np.uint16) * 250)
    return out


def cpu_per_call(fn, reps: int) -> float:
    t = time.process_time()
    for _ in range(reps):
        fn()
    return (time.process_time() - t) / reps * 1000


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="git revision to compare against (e.g. main)")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_thumb_cpu_"))
    try:
        codes = {"baseline": _import_baseline(args.baseline, work / "code"),
                 "current": importlib.import_module("llmvis_desktop.core.imaging.thumbs")}
        files = make_files(work)
        out = {"baseline": args.baseline, "size": args.size, "rounds": args.rounds, "files": {}}
        for name, path in files.items():
            reps = 4 if "4000" in name or "2000" in name else 20
            times = {(k, what): [] for k in codes for what in ("make", "cold_get")}
            for r in range(args.rounds + 1):  # round 0 warms up (imports, page cache)
                order = list(codes) if r % 2 else list(codes)[::-1]
                for k in order:
                    mod = codes[k]
                    make = cpu_per_call(lambda: mod.make_thumbnail(path, args.size), reps)
                    dirs = iter(range(10**6))

                    def cold():
                        mod.ThumbnailCache(work / f"cache-{k}-{r}-{next(dirs)}").get(path, args.size)
                    get = cpu_per_call(cold, reps)
                    if r:
                        times[(k, "make")].append(make)
                        times[(k, "cold_get")].append(get)
                for d in work.glob("cache-*"):
                    shutil.rmtree(d, ignore_errors=True)
            same = np.array_equal(np.asarray(codes["baseline"].make_thumbnail(path, args.size)),
                                  np.asarray(codes["current"].make_thumbnail(path, args.size)))
            row = {"same_pixels": same}
            for what in ("make", "cold_get"):
                b, c = times[("baseline", what)], times[("current", what)]
                row[what] = {
                    "baseline_ms": round(statistics.median(b), 3),
                    "current_ms": round(statistics.median(c), 3),
                    "vs_baseline_pct": round((statistics.median(c) / statistics.median(b) - 1) * 100, 1),
                    "paired_pct": round(statistics.median((y - x) / x * 100 for x, y in zip(b, c)), 1),
                }
            out["files"][name] = row
            print(name, json.dumps(row), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
