"""Storing a batch job's suggestions: ``Project.add_suggestions`` as the job's writer calls
it (``supersede=True``, one write transaction, commit included), median milliseconds per
store, for the working tree and, with ``--baseline REV``, git revision REV (its
``llmvis_desktop`` extracted with ``git archive`` and imported as ``llmvis_baseline``),
their stores interleaved in this one process, each on its own SQLite file.

    python tests/benchmarks/bench_store_suggestions.py [--n 32] [--labels 3] [--reps 30] [--baseline REV]

Cases: ``caption``: N caption rows on N images, their earlier pending cards withdrawn
and the images made new again before each store (a first run: every row inserted, every
image's queue state changed); ``caption_renew``: the same rows
stored again over their own pending cards (a job run again: every card kept, renewed);
``label``: N images x ``--labels`` label rows (a labeler with a template, the job's
``labels_as_of``), pending ones withdrawn and the images new again before each store.
Untimed between stores: the withdrawal. Prints one JSON object; ``vs_baseline_pct`` is the working tree's median
against the baseline's. The figures of one run are comparable with each other only.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_rev import import_baseline  # noqa: E402
sys.path.insert(0, str(ROOT))

CASES = ("caption", "caption_renew", "label")
LABELS = ["cat", "dog", "bird", "car", "tree"]


def make_images(folder: Path, n: int) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (8, 8), (i % 256, 0, 0)).save(folder / f"img_{i:04d}.png")


class _Code:
    """One revision's project and the rows each case stores."""

    def __init__(self, pkg: str, work: Path, images: Path, n_labels: int) -> None:
        self.pkg = pkg
        self.m = importlib.import_module(f"{pkg}.core.store.models")
        records = importlib.import_module(f"{pkg}.core.store.records")
        self.project = importlib.import_module(f"{pkg}.core.project").Project.open(
            images, f"sqlite:///{work / f'{pkg}.sqlite'}")
        self.project.index()
        self.project.add_labels(LABELS[:n_labels])
        ids = self.project.image_ids()
        new = records.NewSuggestion
        self.rows = {
            "caption": [new(i, "caption", f"a picture number {i}", "tiny-blip", score=0.5 + i / 1e4,
                            params={"max_new_tokens": 16}) for i in ids],
            "label": [new(i, "label", name, "tiny-clip", score=0.1 + k / 10 + i / 1e5, prompt="a photo of a {}",
                          params={"threshold": 0.1}) for i in ids for k, name in enumerate(LABELS[:n_labels])],
        }
        self.rows["caption_renew"] = self.rows["caption"]
        self.as_of = datetime.now(timezone.utc) + timedelta(seconds=1)

    def withdraw_pending(self, model_id: str) -> None:
        from sqlalchemy import update

        sg, img = self.m.Suggestion, self.m.Image
        with self.project.store.write() as s:  # (and the images new again: a first job's store changes them all)
            s.execute(update(sg).where(sg.outcome == "pending", sg.model_id == model_id)
                      .values(outcome="withdrawn"))
            s.execute(update(img).values(review_status="new", status="new", max_score=None))

    def store(self, case: str) -> tuple[float, dict, int]:
        rows = self.rows[case]
        if case != "caption_renew":
            self.withdraw_pending(rows[0].model_id)
        stats: dict = {}
        t = time.perf_counter()
        ids = self.project.add_suggestions(rows, False, supersede=True, stats=stats,
                                           labels_as_of=self.as_of if case == "label" else None)
        return time.perf_counter() - t, stats, len(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=32, help="images (caption rows) per store")
    ap.add_argument("--labels", type=int, default=3, help="label rows per image in the label case")
    ap.add_argument("--reps", type=int, default=30, help="stores per case and revision")
    ap.add_argument("--warmup", type=int, default=3, help="untimed stores first")
    ap.add_argument("--baseline", default=None, metavar="REV", help="also time git revision REV, interleaved")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmvis_bench_store_") as tmp:
        work = Path(tmp)
        os.environ.setdefault("LLMVIS_DATA_DIR", str(work / "data"))
        os.environ.setdefault("LLMVIS_CONFIG_DIR", str(work / "config"))
        os.environ.setdefault("LLMVIS_CACHE_DIR", str(work / "cache"))
        make_images(work / "images", args.n)
        pkgs = ["llmvis_desktop"]
        if args.baseline:
            (work / "baseline").mkdir()
            import_baseline(args.baseline, work / "baseline")
            pkgs.append("llmvis_baseline")
        codes = {p: _Code(p, work, work / "images", args.labels) for p in pkgs}
        times = {p: {c: [] for c in CASES} for p in pkgs}
        seen = {p: {} for p in pkgs}
        for rep in range(args.warmup + args.reps):
            for case in CASES:
                for p in (pkgs if rep % 2 == 0 else pkgs[::-1]):  # interleaved, alternating who goes first
                    dt, stats, stored = codes[p].store(case)
                    if rep >= args.warmup:
                        times[p][case].append(dt)
                    seen[p][case] = {"stored": stored, **stats}
        out = {"n": args.n, "labels_per_image": args.labels, "reps": args.reps,
               "cpu_count": os.cpu_count(), "baseline": args.baseline}
        for case in CASES:
            res = {"rows": len(codes[pkgs[0]].rows[case])}
            for p in pkgs:
                key = "current" if p == "llmvis_desktop" else "baseline"
                res[f"{key}_ms"] = round(statistics.median(times[p][case]) * 1000, 2)
                res[f"{key}_last_store"] = seen[p][case]
            if args.baseline:
                res["vs_baseline_pct"] = round((res["current_ms"] - res["baseline_ms"]) / res["baseline_ms"] * 100, 1)
            out[case] = res
        for code in codes.values():
            code.project.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
