"""Suggestion batch-path overhead: ``run_suggest`` (read files, process, generate with
scores, decode, commit to SQLite) against calling ``processor`` + ``model.generate`` +
decode directly on the same batches of already-decoded images, same process, same
loaded model, same generation settings.

    python tests/benchmarks/bench_suggest.py [--n 32] [--batch 8] [--reps 3] [--tokens 16]
                                             [--device cpu] [--sizes tiny,medium]
                                             [--format png|jpg] [--image-size 320x240]
                                             [--read-processes N]
    python tests/benchmarks/bench_suggest.py --readers 1,2 [--format jpg --image-size 4000x3000] [--baseline REV]
    python tests/benchmarks/bench_suggest.py --baseline REV [...]

Prints one JSON object: medians of interleaved runs, wall (``overhead_pct``; ``overhead_paired_pct``:
the median of each rep's job against that rep's direct loop) and
CPU time of the process and its reader processes (``cpu_overhead_pct``); ``floor_pct``: what any
job that starts from the image files and stores its results must add to the direct loop, one
after the other, measured in the same run: its first batch read as the job reads it (split over
the reader processes; the model cannot start before it) plus storing one batch's rows (the
last batch's can only be stored after the model made them), against the direct loop;
``overhead_above_floor_pct``: the job's overhead less that floor. ``*_vs_read`` compare with a direct loop
that also reads the image files; ``read_only_s`` is reading the files alone, as the
job does (decoded no larger than the model needs); ``cores_plan``: how the last job
shared the CPU cores between the model and reading, ``cores_trial``: the trial of fewer
torch threads (jobs after the first start with what earlier jobs measured). Aim: overhead <= 15%, tiny and
medium random BLIP. The tiny model makes the fixed costs (file reading, database) most
visible; the medium one is closer to real use. ``--readers``: the reading stage alone
(images/s of the reader thread against reader processes), no model.

``--baseline REV``: the job of git revision REV too (its ``llmvis_desktop`` extracted with
``git archive`` and imported as ``llmvis_baseline``, with its own model thread, reader
processes and a copy of the model folder), in the same process, its runs interleaved
with the working tree's: ``baseline`` gives its job's figures against the same direct
runs, and ``vs_baseline_pct`` the working tree's job against it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_rev import import_baseline  # noqa: E402
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SIZES = {
    # name: (hidden, layers, image size)
    "tiny": (32, 2, 32),
    "medium": (256, 4, 224),
}


def make_images(folder: Path, n: int, size=(320, 240), fmt: str = "png") -> None:
    """``png``: random noise (the slowest PNG to decode); ``jpg``: photo-like (a tiled
    scikit-image photograph, shifted per image) at ``size``, quality 90."""
    from PIL import Image
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    w, h = size
    if fmt == "jpg":
        from skimage import data as sd

        photo = sd.astronaut()
        reps = (h // photo.shape[0] + 2, w // photo.shape[1] + 2, 1)
        big = np.tile(photo, reps)
    for i in range(n):
        if fmt == "jpg":
            y, x = int(rng.integers(0, photo.shape[0])), int(rng.integers(0, photo.shape[1]))
            Image.fromarray(np.ascontiguousarray(big[y:y + h, x:x + w])).save(folder / f"img{i:04d}.jpg", quality=90)
        else:
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(folder / f"img{i:04d}.png")


def cpu_seconds() -> float:
    """CPU seconds of this process and of its live child processes (the job's reader
    processes: ``process_time`` leaves them out; read from /proc, Linux only)."""
    import procs

    return time.process_time() + sum(procs.cpu_seconds(c) for c in procs.children(os.getpid()))


class _Code:
    """One revision's job: its package (``llmvis_desktop``, or ``llmvis_baseline``), project,
    model thread and loaded model."""

    def __init__(self, pkg: str, work: Path, name: str, model_dir: Path, device: str) -> None:
        import importlib

        self.pkg = pkg
        self.batch = importlib.import_module(f"{pkg}.core.suggest.batch")
        self.registry = importlib.import_module(f"{pkg}.core.suggest.registry")
        self.resize = importlib.import_module(f"{pkg}.core.suggest.resize")
        self.models = importlib.import_module(f"{pkg}.core.store.models")
        self.info = importlib.import_module(f"{pkg}.core.suggest").inspect_folder(model_dir)
        self.project = importlib.import_module(f"{pkg}.core.project").Project.open(
            work / "images", f"sqlite:///{work / f'{name}-{pkg}.sqlite'}")
        self.project.index()
        self.worker = importlib.import_module(f"{pkg}.core.suggest.worker").ModelWorker()
        self.engine = self.worker.engine(self.info, "caption", device)
        self.records = self.project.images(self.project.image_ids())

    def load(self, rec, **kw):
        return self.batch.load_pil(self.project, rec, **kw)

    def close(self) -> None:
        import importlib

        self.worker.shutdown()
        self.project.close()
        importlib.import_module(f"{self.pkg}.core.suggest.reading").shutdown_shared()


def bench_size(name: str, work: Path, n: int, batch: int, reps: int, tokens: int, device: str,
               read_processes=None, baseline: bool = False, direct_threads=None) -> dict:
    import shutil

    import torch
    import tiny_models

    from llmvis_desktop.core.suggest.registry import _to_device

    hidden, layers, image = SIZES[name]
    model_dir = tiny_models.build_blip(work / f"blip-{name}", hidden=hidden, layers=layers, image_size=image,
                                       max_length=tokens)
    codes = {"current": _Code("llmvis_desktop", work, name, model_dir, device)}
    if baseline:  # its own copy of the model: what jobs learn about the cores is kept per model folder
        shutil.copytree(model_dir, work / f"blip-{name}-baseline")
        codes["baseline"] = _Code("llmvis_baseline", work, name, work / f"blip-{name}-baseline", device)
    cur = codes["current"]
    worker, info, eng, loaded, records = cur.worker, cur.info, cur.engine, cur.engine.loaded, cur.records
    pil = [cur.load(r) for r in records]
    batches = [pil[i:i + batch] for i in range(0, len(pil), batch)]

    def direct(read: bool = False) -> tuple[float, float]:
        """processor + generate + decode on the same batches; ``read``: decoding the
        files first, as any real caller has to, instead of using images in memory."""
        def work_fn():
            base_threads = torch.get_num_threads()
            if direct_threads:  # the direct loop on the torch threads asked for (the job plans its own)
                torch.set_num_threads(direct_threads)
            c = cpu_seconds()  # (scanning /proc for reader processes: outside the timing)
            t = time.perf_counter()
            with torch.inference_mode():
                for i, b in enumerate(batches):
                    if read:
                        b = [cur.load(r) for r in records[i * batch:(i + 1) * batch]]
                    inputs = loaded.processor(images=b, return_tensors="pt")
                    inputs = _to_device(inputs, loaded)  # as the engines do: pixels in the model's dtype
                    out = loaded.model.generate(**inputs, max_new_tokens=tokens, do_sample=False)
                    loaded.processor.batch_decode(out, skip_special_tokens=True)
            spent = time.perf_counter() - t, cpu_seconds() - c
            torch.set_num_threads(base_threads)
            return spent
        return worker.call(work_fn)

    def direct_read() -> tuple[float, float]:
        return direct(read=True)

    def read_only(code: _Code) -> float:
        """Reading the files alone, as the job reads them (no model): a floor for any
        path that starts from the files on the job's single reader thread."""
        side, spec = code.registry.input_side(code.engine.loaded), code.resize.reader_resize(code.engine.loaded)
        t = time.perf_counter()
        for r in code.records:
            code.load(r, draft_side=side, resize=spec)
        return time.perf_counter() - t

    def first_read(code: _Code, processes) -> float:
        """The job's first batch read as the job reads it (split over its reader processes,
        decoded for the model): no path from the files can start the model sooner."""
        import importlib

        reading = importlib.import_module(f"{code.pkg}.core.suggest.reading")
        n_proc = reading.auto_processes() if processes is None else processes
        reader = reading.shared_read_pool(n_proc) if n_proc else reading.ThreadReader()
        reader.start()
        args = (code.project.max_pixels, reading.MAX_SIDE, code.registry.input_side(code.engine.loaded),
                code.resize.reader_resize(code.engine.loaded), None)
        paths = [str(code.project.path_of(r)) for r in code.records[:batch]]
        k = min(reader.parallel, len(paths))
        parts = [paths[len(paths) * i // k:len(paths) * (i + 1) // k] for i in range(k)]
        time.sleep(0.05)  # readers idle, as before a job
        t = time.perf_counter()
        futs = [reader.submit(part, *args) for part in parts]
        got = [one for f, part in zip(futs, parts) for one in reader.result(f, part, *args)]
        spent = time.perf_counter() - t
        assert all(im is not None for im, _ in got)
        reader.close()
        return spent

    def last_store(code: _Code) -> float:
        """Storing one batch's captions (the job's last batch: its rows can only be stored once
        the model has made them), as the job's committer stores them, timed."""
        from sqlalchemy import select, update

        m = code.models
        with code.project.store.write() as s:
            rows = s.execute(select(m.Suggestion).where(m.Suggestion.outcome == "pending").limit(batch)).scalars().all()
            new = [code.batch.NewSuggestion(r.image_id, r.kind, r.value, r.model_id, r.score, r.model_revision,
                                            r.prompt, json.loads(r.params_json or "{}")) for r in rows]
            s.execute(update(m.Suggestion).where(m.Suggestion.outcome == "pending").values(outcome="withdrawn"))
        t = time.perf_counter()
        code.project.add_suggestions(new, supersede=True)
        return time.perf_counter() - t

    plans: dict[str, list] = {k: [] for k in codes}  # how each job shared the cores (core/suggest/cores.py)

    def batch_path(key: str) -> tuple[float, float]:
        # the job stores nothing identical to a suggestion still pending: decide the last
        # run's first (outside the timing), so every run stores all its rows
        from sqlalchemy import update

        code = codes[key]
        m = code.models
        with code.project.store.write() as s:
            # (withdrawn, as a job run again leaves them: marked rejected, they piled up on every
            # image, one a run, a history no real image has, which a store that reads an image's
            # decided cards paid for)
            s.execute(update(m.Suggestion).where(m.Suggestion.outcome == "pending").values(outcome="withdrawn"))
        c = cpu_seconds()  # (scanning /proc for reader processes: outside the timing)
        t = time.perf_counter()
        rep = code.batch.run_suggest(code.project, code.info, None, only_unsuggested=False, batch=batch,
                                     max_new_tokens=tokens, device=device, worker=code.worker,
                                     read_processes=read_processes)
        wall = time.perf_counter() - t
        assert rep.images == n and rep.suggestions == n, rep.summary()
        plans[key].append(rep.cores)
        return wall, cpu_seconds() - c

    direct(), direct_read()  # warm-up: lazy inits, caches, first SQLite writes
    for key in codes:
        batch_path(key)
    d_times, r_times, f_times = [], [], []
    b_times: dict[str, list] = {k: [] for k in codes}
    o_times: dict[str, list] = {k: [] for k in codes}
    for i in range(reps):  # interleaved, so machine load drifts hit all of them
        d_times.append(direct())
        r_times.append(direct_read())
        for key in (list(codes) if i % 2 == 0 else list(codes)[::-1]):
            b_times[key].append(batch_path(key))
        for key in codes:
            o_times[key].append(read_only(codes[key]))
        f_times.append((first_read(cur, read_processes), last_store(cur)))
    for code in codes.values():
        code.close()
    d, dc = statistics.median(x[0] for x in d_times), statistics.median(x[1] for x in d_times)
    r, rc = statistics.median(x[0] for x in r_times), statistics.median(x[1] for x in r_times)

    def job(key: str) -> dict:
        b, bc = statistics.median(x[0] for x in b_times[key]), statistics.median(x[1] for x in b_times[key])
        out = {
            "batch_path_s": round(b, 4), "batch_runs": [round(x[0], 4) for x in b_times[key]],
            "images_per_s": round(n / b, 2), "overhead_pct": round((b - d) / d * 100, 1),
            # each rep's job against the direct loop of the same rep (run just before it): a
            # drift of the machine's pace between reps moves both alike
            "overhead_paired_pct": round(statistics.median(
                (x[0] - y[0]) / y[0] * 100 for x, y in zip(b_times[key], d_times)), 1),
            # CPU seconds (all threads, and the reader processes): steadier than wall time
            # on a shared machine; the batch path's includes decoding the image files,
            # which the direct path skips
            "batch_path_cpu_s": round(bc, 4), "cpu_overhead_pct": round((bc - dc) / dc * 100, 1),
            # against a direct loop that also reads the files: the job's own cost (scores, SQLite, threads)
            "overhead_vs_read_pct": round((b - r) / r * 100, 1),
            "cpu_overhead_vs_read_pct": round((bc - rc) / rc * 100, 1),
            "read_only_s": round(statistics.median(o_times[key]), 4),
            "cores_plan": plans[key][-1],  # the last job's: torch threads and batches read at once
            # the job that ran the trial of fewer torch threads: seconds per image on each, the
            # pace (batch end to batch end) and the model alone
            "cores_trial": next(({k: v for k, v in p.items() if k.startswith("tried")}
                                 for p in plans[key] if p and "tried" in p), None),
        }
        return out

    out = {"params": info.params, "images": n, "batch": batch, "max_new_tokens": tokens, "device": eng.device,
           "direct_s": round(d, 4), "direct_runs": [round(x[0], 4) for x in d_times],
           "direct_cpu_s": round(dc, 4), "direct_read_s": round(r, 4), "direct_read_cpu_s": round(rc, 4),
           **job("current")}
    # what any job from the files must add to the direct loop, serially: reading the first batch
    # (the model waits for it) and storing the last one's rows (after the model made them)
    floor = statistics.median(a + b for a, b in f_times)
    out["floor_s"], out["floor_pct"] = round(floor, 4), round(floor / d * 100, 1)
    out["floor_first_read_s"] = round(statistics.median(a for a, _ in f_times), 4)
    out["floor_last_store_s"] = round(statistics.median(b for _, b in f_times), 4)
    out["overhead_above_floor_pct"] = round(out["overhead_pct"] - out["floor_pct"], 1)
    if baseline:
        out["baseline"] = job("baseline")
        b, base = out["batch_path_s"], out["baseline"]["batch_path_s"]
        out["vs_baseline_pct"] = round((b - base) / base * 100, 1)
        # each rep's job against the baseline's of the same rep (run next to it)
        out["vs_baseline_paired_pct"] = round(statistics.median(
            (x[0] - y[0]) / y[0] * 100 for x, y in zip(b_times["current"], b_times["baseline"])), 1)
    return out


def bench_readers(folder: Path, batch: int, reps: int, draft_side: int, processes: list[int],
                  baseline: bool = False) -> dict:
    """The job's reading stage alone (no model): the reader thread against N reader
    processes, every batch submitted at once, as the job does when the model is faster
    than reading. The thread is the named baseline. ``first_batch_ms``: one batch read
    after 50 ms idle, split in one part per reader process, as a job's first batch is
    (the model waits for it), median. ``baseline``: ``llmvis_baseline``'s reader
    processes too (``--baseline REV``), their runs interleaved with these."""
    import importlib

    paths = sorted(str(p) for p in folder.iterdir())
    chunks = [paths[i:i + batch] for i in range(0, len(paths), batch)]
    args = (None, 1024, draft_side)

    def run(reader) -> float:
        t = time.perf_counter()
        futs = [reader.submit(c, *args) for c in chunks]
        got = [im for f, c in zip(futs, chunks) for im, _ in reader.result(f, c, *args)]
        assert all(im is not None for im in got)
        return time.perf_counter() - t

    def first(reader) -> float:
        time.sleep(0.05)
        n = min(reader.parallel, len(chunks[0]))
        parts = [chunks[0][len(chunks[0]) * k // n:len(chunks[0]) * (k + 1) // n] for k in range(n)]
        t = time.perf_counter()
        futs = [reader.submit(part, *args) for part in parts]
        got = [im for f, part in zip(futs, parts) for im, _ in reader.result(f, part, *args)]
        assert all(im is not None for im in got)
        return time.perf_counter() - t

    pkgs = {"": "llmvis_desktop", **({"baseline_": "llmvis_baseline"} if baseline else {})}
    mods = {pre: importlib.import_module(f"{pkg}.core.suggest.reading") for pre, pkg in pkgs.items()}
    readers = {"thread": mods[""].ThreadReader()}
    readers.update({f"{pre}processes_{n}": mod.ProcessReader(n) for pre, mod in mods.items() for n in processes})
    try:
        for r in readers.values():
            r.start()
            run(r)  # warm-up: helpers started and importing
        times = {k: [] for k in readers}
        firsts = {k: [] for k in readers}
        for _ in range(reps):
            for k, r in readers.items():
                times[k].append(run(r))
                firsts[k].append(first(r))
    finally:
        for r in readers.values():
            r.close()
            if hasattr(r, "shutdown"):
                r.shutdown()
    base = statistics.median(times["thread"])
    out = {"images": len(paths), "draft_side": draft_side}
    for k, ts in times.items():
        m = statistics.median(ts)
        out[k] = {"s": round(m, 4), "images_per_s": round(len(paths) / m, 1), "speedup": round(base / m, 2),
                  "first_batch_ms": round(statistics.median(firsts[k]) * 1000, 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--sizes", default="tiny,medium")
    ap.add_argument("--format", choices=("png", "jpg"), default="png", help="image files to suggest for")
    ap.add_argument("--image-size", default="320x240", help="WxH of the generated images")
    ap.add_argument("--readers", default=None, metavar="N,M",
                    help="instead: the reading stage alone, the thread against N, M... reader processes")
    ap.add_argument("--draft-side", type=int, default=384, help="--readers: the model input side to decode for")
    ap.add_argument("--read-processes", type=int, default=None,
                    help="the job's reader processes (0: a thread; default: the job's own choice)")
    ap.add_argument("--direct-threads", type=int, default=None, metavar="N",
                    help="torch threads of the direct loops (default: torch's own, as the process starts); "
                         "the job plans its own (cores_plan)")
    ap.add_argument("--baseline", default=None, metavar="REV",
                    help="also run the job of git revision REV, interleaved with the working tree's")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmvis_bench_suggest_") as tmp:
        work = Path(tmp)
        os.environ.setdefault("LLMVIS_DATA_DIR", str(work / "data"))
        os.environ.setdefault("LLMVIS_CONFIG_DIR", str(work / "config"))
        # what jobs learn about sharing the cores is saved there: each run starts from nothing
        os.environ.setdefault("LLMVIS_CACHE_DIR", str(work / "cache"))
        w, h = (int(v) for v in args.image_size.lower().split("x"))
        make_images(work / "images", args.n, (w, h), args.format)
        if args.readers:
            if args.baseline:
                (work / "baseline").mkdir()
                import_baseline(args.baseline, work / "baseline")
            print(json.dumps(bench_readers(work / "images", args.batch, args.reps, args.draft_side,
                                           [int(v) for v in args.readers.split(",")],
                                           baseline=bool(args.baseline)), indent=2))
            return
        from llmvis_desktop.core.suggest.reading import auto_processes, shutdown_shared

        out = {"aim_overhead_pct": 15, "images": f"{args.n} {args.format} {w}x{h}",
               "read_processes": auto_processes() if args.read_processes is None else args.read_processes,
               "cpu_count": os.cpu_count(), "direct_threads": args.direct_threads or "torch default"}
        if args.baseline:
            (work / "baseline").mkdir()
            import_baseline(args.baseline, work / "baseline")
            out["baseline"] = args.baseline
        for name in args.sizes.split(","):
            out[name] = bench_size(name, work, args.n, args.batch, args.reps, args.tokens, args.device,
                                   args.read_processes, baseline=bool(args.baseline),
                                   direct_threads=args.direct_threads)
        shutdown_shared()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
