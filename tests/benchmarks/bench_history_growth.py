"""Suggestion-history growth benchmark: the store and the window's reads on images with
1, 10, 100 past cards each; prints JSON.

    python tests/benchmarks/bench_history_growth.py [--n 2000] [--past 1,10,100] [--pg]
        [--dir /tmp/llmvis_bench_history] [--compare OTHER_CHECKOUT]

Setup (not timed): N tiny PNGs, indexed; per image ``past`` cards of earlier runs of
the same labeler (label and caption cards, mostly withdrawn, some rejected, a few
accepted; their ``suggest``/``withdraw`` events), then its current cards (a caption and
two labels, pending) stored as a suggest job stores them. ``--pg``: the same on a
PostgreSQL server of its own (tests/core/pg.py), as well as the folder's SQLite.

Measured (seconds; "best" and "median" of the repetitions): ``add32``, a suggest job's
commit of 32 images run again (``Project.add_suggestions(..., supersede=True)``: their
pending cards withdrawn, new ones added); ``add32_learned``, the learned suggester's
(``skip_same_pending``, ``replaces``); ``cards``, one image's cards as the window reads
them (``Project.suggestion_cards``); ``accept``, Enter on an image
(``review_actions.accept``); ``queue``, the review queue (sort "uncertainty" over the
unreviewed) and N's read (the unreviewed ids); ``counts`` (by status); ``evaluate``,
``llmvis evaluate`` in its own process. With the query plans of the card read, of an
image's pending cards and of the queue score.

``--compare OTHER``: the same run, in child processes, with the code of OTHER (before)
and of this checkout (after), one after the other per size: the figures compare only
within one run (a shared machine's timings drift).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
MODEL = "learned:handcrafted-v6"
LABELS = ("scratch", "dent", "stain", "ok")


def make_folder(root: Path, n: int) -> None:
    marker = root / f".complete-{n}"
    if marker.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (120, 30, 30)).save(buf, "PNG")
    per = max(1, n // 20)
    for i in range(n):
        d = root / f"cam{i // per}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"img_{i:06d}.png").write_bytes(buf.getvalue())
    marker.touch()


def timed(fn, reps: int) -> dict:
    out = []
    for i in range(reps):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return {"best": round(min(out), 5), "median": round(statistics.median(out), 5)}


def build(root: Path, db: str | None, past: int):
    """The project on ``root`` with ``past`` old cards per image (see the docstring)."""
    import sqlalchemy as sa

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store.records import NewSuggestion

    if db is None:
        shutil.rmtree(root / ".llmvis", ignore_errors=True)
    p = Project.open(root, db)
    p.scan()
    for name in LABELS:
        p.add_label(name)
    ids = p.image_ids()
    old = m.utcnow().replace(year=2025)
    rows, events = [], []
    for image_id in ids:
        for j in range(past):
            kind = "caption" if j % 3 == 0 else "label"
            outcome = "accepted" if j % 20 == 7 else "rejected" if j % 10 == 3 else "withdrawn"
            value = f"an old caption {j}" if kind == "caption" else LABELS[j % 3]
            rows.append({"image_id": image_id, "kind": kind, "value": value, "score": (j % 97) / 100,
                         "model_id": MODEL, "model_revision": f"r{j}", "prompt": None, "params_json": "{}",
                         "created_at": old, "outcome": outcome, "final_value": value if outcome == "accepted" else None,
                         "decided_at": old, "decided_by": "alice" if outcome != "withdrawn" else f"model:{MODEL}"})
    with p.store.write() as s:
        t = m.Suggestion.__table__
        for i in range(0, len(rows), 20000):
            sids = list(s.execute(sa.insert(t).returning(t.c.id, sort_by_parameter_order=True),
                                  rows[i:i + 20000]).scalars())
            for r, sid in zip(rows[i:i + 20000], sids):
                events.append({"image_id": r["image_id"], "actor": f"model:{MODEL}", "at": old, "action": "suggest",
                               "before": None, "after": "{}", "suggestion_id": sid})
                events.append({"image_id": r["image_id"], "actor": r["decided_by"], "at": old,
                               "action": "withdraw" if r["outcome"] == "withdrawn" else "reject_suggestion",
                               "before": None, "after": None, "suggestion_id": sid})
        for i in range(0, len(events), 20000):
            s.execute(sa.insert(m.Event.__table__), events[i:i + 20000])
    for i in range(0, len(ids), 500):
        p.add_suggestions(current_cards(ids[i:i + 500], "now", NewSuggestion), supersede=True)
    return p, ids


def current_cards(ids, tag, NewSuggestion) -> list:
    out = []
    for k, image_id in enumerate(ids):
        out.append(NewSuggestion(image_id, "caption", f"a caption {tag} {k % 7}", MODEL, score=0.3, model_revision="rnow"))
        for j, name in enumerate(LABELS[:3]):
            if (k + j) % 3 != 2:
                out.append(NewSuggestion(image_id, "label", name, MODEL, score=((k * 7 + j) % 100) / 100,
                                           model_revision="rnow"))
    return out


def plans(p) -> dict:
    """The plans of the card read, of an image's pending cards and of the queue score
    (one image's, a 32-image batch's)."""
    from sqlalchemy import select

    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store.repo_queue import _scored, pending_count, queue_score

    sg = m.Suggestion
    stmts = {
        "cards": select(sg).where(sg.image_id == 5).order_by(sg.kind, sg.score.desc(), sg.id),
        "pending": select(sg.id).where(sg.image_id == 5, sg.outcome == "pending"),
        "pending_labels": select(sg.id).where(sg.image_id == 5, sg.kind == "label", sg.outcome == "pending"),
        "queue_score": select(queue_score(), pending_count()).where(sg.image_id == 5, _scored()),
        "queue_score_32": select(sg.image_id, queue_score(), pending_count())
        .where(sg.image_id.in_(range(1, 33)), _scored()).group_by(sg.image_id),
    }
    out = {}
    with p.store.read() as s:
        for name, stmt in stmts.items():
            sql = str(stmt.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if s.bind.dialect.name == "sqlite" else "EXPLAIN "
            out[name] = " | ".join(str(r[-1]).strip() for r in s.connection().exec_driver_sql(explain + sql))
    return out


def measure(root: Path, db: str | None, past: int, reps: int) -> dict:
    from llmvis_desktop.core import review_actions
    from llmvis_desktop.core.store import migrate, models as m
    from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion

    t = time.perf_counter()
    p, ids = build(root, db, past)
    out = {"past": past, "images": len(ids), "build_s": round(time.perf_counter() - t, 2),
           "head_revision": migrate.HEAD_REVISION}
    with p.store.read() as s:
        out["suggestion_rows"] = s.query(m.Suggestion).count()
    batches = [ids[100 + 32 * i:132 + 32 * i] for i in range(reps)]
    out["add32"] = timed(lambda i: p.add_suggestions(current_cards(batches[i], f"again{i}", NewSuggestion),
                                                     supersede=True), reps)
    learned = [ids[500 + 32 * i:532 + 32 * i] for i in range(reps)]
    out["add32_learned"] = timed(lambda i: p.add_suggestions(
        current_cards(learned[i], f"learned{i}", NewSuggestion), False, True, "learned:", False, {}, True), reps)
    some = ids[1000:1000 + 4 * reps]
    out["cards"] = timed(lambda i: [p.suggestion_cards(x) for x in some[4 * i:4 * i + 4]], reps)
    out["cards"] = {k: round(v / 4, 5) for k, v in out["cards"].items()}
    enter = ids[1200:1200 + reps]
    out["accept"] = timed(lambda i: review_actions.accept(p, enter[i], "alice"), reps)
    unreviewed = ImageFilter(statuses=("new", "suggested"))
    out["queue"] = timed(lambda i: p.image_ids(unreviewed, sort="uncertainty"), reps)
    out["next_unreviewed"] = timed(lambda i: p.image_ids(unreviewed), reps)
    out["counts"] = timed(lambda i: p.counts_by_status(), reps)
    out["plans"] = plans(p)
    p.close()
    cmd = [sys.executable, "-m", "llmvis_desktop.cli", "evaluate", str(root.resolve()), "--json"] + (["--db", db] if db else [])
    t = time.perf_counter()
    # in the measured code's checkout: ``-m`` finds the package in the working directory
    # before PYTHONPATH (from another checkout, --compare's "before" ran the "after" code)
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(migrate.__file__).resolve().parents[3])
    out["evaluate_cli_s"] = round(time.perf_counter() - t, 3)
    if done.returncode:
        out["evaluate_error"] = done.stderr[-400:]
    return out


def child(args) -> list:
    sys.path.insert(0, str(HERE / "tests" / "core"))
    root = Path(args.dir) / f"n{args.n}"
    make_folder(root, args.n)
    results = []
    server = work = None
    if args.pg:
        import pg

        work = Path(tempfile.mkdtemp(prefix="llmvis-bench-pg-"))
        work.chmod(0o755)
        server = pg.Server.start(work)
    try:
        for past in [int(x) for x in args.past.split(",")]:
            results.append({"db": "sqlite", **measure(root, None, past, args.reps)})
            if server is not None:
                url = server.create_database()
                try:
                    results.append({"db": "postgresql", **measure(root, url, past, args.reps)})
                finally:
                    server.drop_database(url)
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(work, ignore_errors=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--past", default="1,10,100")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--dir", default="/tmp/llmvis_bench_history")
    ap.add_argument("--compare", default=None, help="another checkout: its code measured first (before)")
    args = ap.parse_args()
    if args.compare is None:
        if not os.environ.get("PYTHONPATH"):  # else the code PYTHONPATH names (before/after)
            sys.path.insert(0, str(HERE))
        from llmvis_desktop.core.store import migrate

        print(json.dumps({"benchmark": "history_growth", "code": str(Path(migrate.__file__).resolve().parents[3]),
                          "results": child(args)}, indent=1))
        return
    runs = {}
    for past in args.past.split(","):
        for label, code in (("before", args.compare), ("after", str(HERE))):
            cmd = [sys.executable, __file__, "--n", str(args.n), "--past", past, "--reps", str(args.reps),
                   "--dir", args.dir] + (["--pg"] if args.pg else [])
            done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": code},
                                  check=True)
            runs.setdefault(label, []).extend(json.loads(done.stdout)["results"])
    print(json.dumps({"benchmark": "history_growth", "before": args.compare, "after": str(HERE), **runs}, indent=1))


if __name__ == "__main__":
    main()
