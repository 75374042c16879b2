"""``llmvis evaluate`` as a project's suggestion history grows; prints JSON.

    python tests/benchmarks/bench_evaluate_history.py [--n 2000] [--past 1,10,100]
        [--reviewed | --most-reviewed] [--dir /tmp/llmvis_bench_evaluate] [--compare OTHER_CHECKOUT] [--reps 2]

Setup (not timed, kept in ``--dir`` for the next run): ``bench_history_growth``'s project
(N images, ``past`` cards of earlier runs per image, mostly withdrawn, then the current
pending ones); ``--reviewed``: then a third of the images marked reviewed with a label and
every 7th rejected; ``--most-reviewed``: nine in ten reviewed or rejected. Measured: ``llmvis evaluate
FOLDER --json`` in its own process, seconds per repetition; ``--compare OTHER``: OTHER's
code (before) and this checkout's (after) one after the other, each repetition, and
whether their JSON is the same (less ``generated_at``).

Figures (2 cores shared with other jobs, load 2-10: compare only within one run), seconds
per repetition, ``--compare`` 93b98c6 (one SimpleNamespace per row) against the fast read
(tallies in SQL), the JSON the same in every case::

    command (all with --compare 93b98c6)     rows   before (s)          after (s)
    --n 2000 --past 100 --reps 3             206k   4.46 4.25 4.22      1.47 1.41 1.38
    --n 2000 --past 1,10,100 --reviewed        8k   1.76 0.97           0.97 0.79
                                              26k   1.38 1.41           1.19 1.16
                                             206k   5.40 5.93           2.63 2.46
    --n 100000 --past 2 --reviewed           500k  14.38 20.74          5.66 5.46

The dashboard runs the same code: 7.9 s -> 1.7 s on the brief's 206k project (2,000
images x 100 past, 71 reviewed; one run each). With ``--reviewed`` (43% of the images
reviewed or rejected) the label cards of those images are read one by one (the rules
need each: a learned card withdrawn after the review is scored as the reviewer saw it);
the start of the process (imports) is about 0.8 s of each figure.

Then (4b7f3e6, against 630ec66) the withdrawn label cards of reviewed images that no rule
reads, the label cards decided on images nobody reviewed, and the answers are counted in
SQL too, with the tallies in one pass over the table: rows read one by one 80,563 ->
21,427 (43% reviewed), 136,200 -> 31,800 (90%); peak traced memory of ``evaluate()`` 84
-> 19 MB, 141 -> 28 MB. Same run, the JSON the same::

    command (all with --compare 630ec66 --reps 3)   before (s)        after (s)
    --n 2000 --past 100 --reviewed                  2.38 2.28 2.24    1.67 1.55 1.57
    --n 2000 --past 100 --most-reviewed             3.13 2.98 2.74    1.85 1.81 1.75

The dashboard (Suggestions > Evaluation dashboard, the real window offscreen, from the
action to the dialog shown, two runs of 3 each): 1.57-1.95 s -> 0.90-1.36 s (43%),
2.25-2.86 s -> 1.07-1.44 s (90%). On PostgreSQL (a private server, 43%, 206k rows,
``--db URL``, one run of 3): 2.31 2.04 2.31 s -> 1.41 1.64 1.73 s.

Then (hevalmem, against 61bd354) the rows read one by one are streamed ordered by image
and taken a batch of whole images at a time (``core/suggest/evaluate_stream.py``), no
longer held as one list: peak traced memory of ``evaluate()`` in process (tracemalloc,
these two projects, /tmp/hunt-hevalmem/mem.py) 20.1 -> 6.2 MB (43%), 29.2 -> 9.7 MB
(90%); its time without tracing, same run, 3 each: 1.07 1.14 1.56 -> 1.18 1.40 1.38 s
(43%), 1.36 1.45 1.32 -> 1.40 1.54 1.39 s (90%); the JSON the same.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]


def build(root: Path, n: int, past: int, reviewed: int) -> int:
    """The project (made once: a marker file says it is complete); its suggestion rows.
    ``reviewed``: 0 none, 1 a third reviewed and every 7th rejected (43%), 2 nine in ten
    reviewed or rejected (every 7th rejected)."""
    marker = root / f".evaluate-bench-{n}-{past}-{int(reviewed)}"
    if marker.exists():
        return int(marker.read_text())
    sys.path.insert(0, str(HERE / "tests" / "benchmarks"))
    import sqlalchemy as sa
    from bench_history_growth import build as build_history, make_folder

    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store.convert import dumps

    make_folder(root, n)
    p, ids = build_history(root, None, past)
    with p.store.write() as s:
        if reviewed:
            lab = dict(s.execute(sa.select(m.Label.name, m.Label.id)).all())
            ev, il = [], []
            for k, i in enumerate(ids):
                st = ("rejected" if k % 7 == 0 else "reviewed" if k % 3 == 0 else None) if reviewed == 1 else (
                    None if k % 10 == 9 else "rejected" if k % 7 == 0 else "reviewed")
                if st is None:
                    continue
                s.execute(sa.update(m.Image).where(m.Image.id == i).values(review_status=st))
                ev.append({"image_id": i, "actor": "alice", "at": m.utcnow(), "action": "status",
                           "before": dumps("suggested"), "after": dumps(st), "suggestion_id": None})
                if st == "reviewed":
                    il.append({"image_id": i, "label_id": lab["scratch" if k % 2 else "dent"]})
            s.execute(sa.insert(m.Event.__table__), ev)
            s.execute(sa.insert(m.ImageLabel.__table__), il)
        rows = s.execute(sa.select(sa.func.count()).select_from(m.Suggestion)).scalar()
    p.close()
    marker.write_text(str(rows))
    return rows


def run(folder: Path, code: str) -> tuple[float, dict]:
    t = time.perf_counter()
    # (run in the checkout: ``-m`` finds the package in the working directory first)
    done = subprocess.run([sys.executable, "-m", "llmvis_desktop.cli", "evaluate", str(folder.resolve()), "--json"],
                          capture_output=True, text=True, check=True, cwd=code, env={**os.environ, "PYTHONPATH": code})
    took = time.perf_counter() - t
    report = json.loads(done.stdout)
    report.pop("generated_at", None)
    return round(took, 2), report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--past", default="1,10,100")
    ap.add_argument("--reviewed", action="store_true")
    ap.add_argument("--most-reviewed", action="store_true", help="nine in ten images reviewed or rejected")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/llmvis_bench_evaluate")
    ap.add_argument("--compare", default=None, help="another checkout: its code measured too (before)")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    sides = ([("before", args.compare)] if args.compare else []) + [("after", str(HERE))]
    results = []
    reviewed = 2 if args.most_reviewed else int(args.reviewed)
    for past in [int(x) for x in args.past.split(",")]:
        folder = Path(args.dir) / f"n{args.n}-past{past}-r{reviewed}"
        out = {"images": args.n, "past": past, "reviewed": ("none", "43%", "90%")[reviewed],
               "suggestion_rows": build(folder, args.n, past, reviewed)}
        reports = {}
        for _ in range(args.reps):
            for name, code in sides:
                took, reports[name] = run(folder, code)
                out.setdefault(f"{name}_s", []).append(took)
        if args.compare:
            out["same_json"] = reports["before"] == reports["after"]
        results.append(out)
    print(json.dumps({"benchmark": "evaluate_history", "before": args.compare, "after": str(HERE),
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
