"""``llmvis repair train`` and ``llmvis repair apply``: argparse wiring over core.repair.

The lead's ``cli.py`` calls :func:`add_parsers` with its subparsers.  Handlers return
an exit code: 0 done, 1 refused or failed (one line on stderr saying why), 130
cancelled by Ctrl-C (training saves a resumable checkpoint first).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import argparse

from .cli_args import DEVICE_CHOICES, actor, add_actor, config_of, non_negative, open_project, positive, positive_float, tile_side
from .cli_args import device as _device
from .cli_args import absolute, device_problem, interrupted, no_database
from .core.repair import DEFAULT_DETAIL
from .core.tasks import Cancelled, CancelToken, Progress
from .core.wording import one_line

MAX_DETAIL = 1.5
MAX_DILATE = 64  # pixels; a larger structuring element costs memory for nothing a mask edit could not do


def _detail(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= MAX_DETAIL:  # (NaN fails too)
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_DETAIL}, not {text}")
    return value


def _dilate(text: str) -> int:
    value = non_negative(text)
    if value > MAX_DILATE:
        raise argparse.ArgumentTypeError(f"must be {MAX_DILATE} or less, not {text}")
    return value


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("repair", help="defect repair: train the inpainting GAN, apply a repair")
    sub = p.add_subparsers(dest="repair_cmd", metavar="ACTION")
    sub.required = True

    t = sub.add_parser("train", help="train or fine-tune the repair GAN on a folder's images")
    t.add_argument("folder", help="the project's image folder")
    t.add_argument("--minutes", type=positive_float, default=None, metavar="N",
                   help="time budget (stops at the first of minutes/steps; default: none)")
    t.add_argument("--steps", type=positive, default=None, metavar="N",
                   help="number of steps (default 2000 if no --minutes); with --resume, the total to reach: "
                        "the steps --out has already had count, so the same command run again after Ctrl-C "
                        "finishes the run rather than going past it")
    t.add_argument("--from", dest="from_ckpt", default=None, metavar="CKPT",
                   help="start from this checkpoint (default: the shipped starter; 'scratch' for none)")
    t.add_argument("--out", default=None, metavar="CKPT", help="output checkpoint, a .safetensors file (default FOLDER/.llmvis/repair.safetensors)")
    again = t.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue from --out if it exists")
    again.add_argument("--force", action="store_true", help="start over even if --out holds a trained checkpoint")
    t.add_argument("--device", type=_device, default="auto", metavar="DEVICE",
                   help=f"where training runs: {DEVICE_CHOICES} (default %(default)s: CUDA when there is one)")
    t.add_argument("--label", default=None, metavar="NAME",
                   help="only images carrying this label, e.g. defect-free (default: every image)")
    t.add_argument("--tile", type=tile_side, default=64, metavar="N",
                   help="training tile side in pixels, a multiple of 8 from 16 to 1024 (default %(default)s)")
    t.add_argument("--batch", type=positive, default=8, metavar="N",
                   help="tiles per training step; lower it when the GPU runs out of memory (default %(default)s)")
    t.add_argument("--threads", type=positive, default=None, metavar="N",
                   help="CPU threads for torch (default: torch's own choice)")
    t.add_argument("--db", metavar="URL", default=None, help="project database URL (default: the folder's own)")
    t.add_argument("--json", action="store_true", help="print the result (checkpoint, steps, data, validation "
                   "PSNR) as JSON; a failure as {\"error\", \"exit_code\"}")
    t.set_defaults(func=cmd_train)

    a = sub.add_parser("apply", help="repair one image under a mask; the result is saved as a new file")
    a.add_argument("image", help="the image file to repair (any supported format; inside a project folder, "
                   "the repair is recorded in that project)")
    a.add_argument("--mask", required=True, metavar="MASK", help="mask PNG, the image's size: white (or opaque) = repair; a pixel is repaired when at least "
                        "half-way (>= 128 of 255, >= 32768 in 16 bits), so soft edges and near-black noise are not; "
                        "a mask whose values all stay below that (a 0/1 or class-index label mask, 0/255 in 16 bits) "
                        "wherever it is not 0; a TIFF by its stored values")
    a.add_argument("--allow-large-mask", action="store_true",
                   help="repair even when the mask covers more than half the image (refused without it: an inverted mask?)")
    a.add_argument("--out", default=None, metavar="PATH", help="output file, or folder ending in / (default: the repair_output setting, "
                        "a relative folder taken beside the image; when it is empty, repaired/ beside the image)")
    a.add_argument("--method", choices=("gan", "telea", "ns"), default="gan",
                   help="gan: the inpainting network; telea, ns: OpenCV's classical fills (default %(default)s)")
    a.add_argument("--checkpoint", default=None, metavar="CKPT",
                   help="GAN checkpoint (default: the project's trained one, .llmvis/repair.safetensors, when the "
                        "image lies in a project that has one; else the shipped starter)")
    a.add_argument("--dilate", type=_dilate, default=2, metavar="PX",
                   help="grow the mask by this many pixels, feathered (default %(default)s)")
    a.add_argument("--radius", type=positive, default=5, metavar="PX",
                   help="Telea/NS neighbourhood radius (default %(default)s)")
    a.add_argument("--detail", type=_detail, default=DEFAULT_DETAIL, metavar="0-1.5",
                   help="texture detail re-injected from the surround: 0 = the engine's plain (smooth) fill, "
                        "best PSNR/SSIM; 1 = the surround's texture restored (default %(default)s)")
    a.add_argument("--frame", type=positive, default=1, metavar="N",
                   help="the page of a multi-page TIFF (or frame of a DICOM) to repair, from 1; saved as its own "
                        "file (default %(default)s)")
    a.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the texture detail, same seed, same pixels (default %(default)s)")
    a.add_argument("--device", type=_device, default="auto", metavar="DEVICE",
                   help=f"where the GAN runs: {DEVICE_CHOICES} (default %(default)s: CUDA when there is one)")
    a.add_argument("--project", default=None, metavar="FOLDER",
                   help="project folder: record provenance and index the result (default: the project folder "
                        "the image lies in, if any)")
    a.add_argument("--db", metavar="URL", default=None, help="project database URL (default: the project folder's own; "
                   "with a database elsewhere, give --project too)")
    add_actor(a)
    a.add_argument("--force", action="store_true", help="overwrite --out if it exists and is an earlier repair output (in repaired/, recorded by the "
                        "project, or with its mask in .masks/ beside it); never an original or any other file")
    a.add_argument("--json", action="store_true", help="print the result (output, mask, method, checkpoint, project, "
                   "repair id) as JSON; a failure as {\"error\", \"exit_code\"}")
    a.set_defaults(func=cmd_apply)


def _err(action: str, msg: str) -> int:
    """``llmvis repair ACTION: MSG`` on stderr, as every command says its error (it said
    ``error: MSG``, while export, suggest, evaluate said ``llmvis CMD: MSG``); exit 1."""
    print(f"llmvis repair {action}: {one_line(msg)}", file=sys.stderr)
    return 1


def project_checkpoint(root: Path | str) -> Path:
    """A project's trained repair checkpoint (what ``llmvis repair train`` writes and the
    GUI repairs with), whether or not it exists yet."""
    return Path(root) / ".llmvis" / "repair.safetensors"


def cmd_apply(args) -> int:
    from .core.repair import STARTER_CHECKPOINT, RepairError
    from .core.repair.apply import repair_file

    bad = device_problem(args.device)  # before any work, whatever the method (telea took any)
    if bad:
        return _err("apply", bad)
    project = checkpoint = waited = None
    try:
        from .core.project import ProjectError, enclosing_project

        # without --project, an image inside a project folder is repaired for that project:
        # recorded there (its output linked to its source and never trained on) and with
        # the project's trained checkpoint
        folder = args.project or enclosing_project(args.image)
        if folder is None and args.db:
            # a database elsewhere (a team's PostgreSQL) leaves no mark in the folder: which
            # folder is its root cannot be told, and repairing unrecorded would leave an
            # untracked output that the next index takes for a real image
            return _err("apply", "--db names a project database, but not which folder is its root: give "
                        "--project FOLDER too; nothing was repaired")
        missing = no_database(folder, args.db) if folder is not None and args.db else None
        if missing:  # a mistyped --db: opening it made a new project and recorded the repair there
            return _err("apply", f"{missing}; nothing was repaired")
        if folder is not None:
            try:
                project = open_project(args, folder, args.db)
            except ProjectError as exc:
                if args.project:
                    return _err("apply", str(exc))
                return _err("apply", f"{args.image} lies in the project {folder}, which cannot be opened ({exc}); "
                            f"nothing was repaired (give --project and --db to name its database)")
        checkpoint = args.checkpoint
        if checkpoint is None and args.method == "gan" and project is not None:
            trained = project_checkpoint(project.root)
            checkpoint = trained if trained.is_file() else None
        limit = config_of(args).max_image_pixels
        frames = _frames(args.image, limit)
        if args.frame > frames:
            return _err("apply", f"--frame {args.frame}: {args.image} has {frames} page(s); give 1 to {frames}")
        t0 = time.monotonic()

        def large_mask(warning: str) -> None:
            if not args.allow_large_mask:
                raise RepairError(f"{warning}; nothing was repaired (--allow-large-mask repairs it anyway)")
            print(f"warning: {one_line(warning)}", file=sys.stderr)

        # the folder the desktop app saves repairs in (the Settings' repair_output), as a save error says
        out_dir = config_of(args).repair_output if args.out is None else None
        from .cli_progress import ProgressBar

        bar = ProgressBar()  # (only a wait for the project database another writer holds is said on it)
        try:  # (a token: that wait is waited out, Ctrl+C stopping it)
            res = repair_file(args.image, args.mask, out=args.out, out_dir=out_dir, method=args.method,
                              checkpoint=checkpoint, dilate_px=args.dilate, radius=args.radius, device=args.device,
                              detail=args.detail, seed=args.seed, project=project, frame=args.frame - 1,
                              max_pixels=limit, actor=actor(args), overwrite=args.force, large_mask=large_mask,
                              token=CancelToken(), progress=bar)
        finally:
            bar.close()
        if res.waited_s >= 1:  # (said as it waited; said again at the end, as `llmvis index` says it)
            from .core.store.db_wait import waited_note
            from .core.store.engine import describe_url

            waited = waited_note(describe_url(project.db_url), res.waited_s)
    except RepairError as exc:
        from .core.repair.checkpoint import CheckpointError, damaged_project_checkpoint

        if isinstance(exc, CheckpointError) and args.checkpoint is None and checkpoint is not None:
            return _err("apply", f"{exc}; {damaged_project_checkpoint(checkpoint, 'cli')}")  # the project's, not one given
        return _err("apply", str(exc))
    except KeyboardInterrupt:
        print(f"llmvis repair apply: {interrupted('nothing was saved')}", file=sys.stderr)
        return 130
    finally:
        if project is not None:
            project.close()
    for note in res.notes:  # the GPU out of memory: the CPU finished the repair
        print(f"warning: {one_line(note)}", file=sys.stderr)
    if waited:
        print(f"note: {one_line(waited)}", file=sys.stderr)
    used = None
    if res.method == "gan":
        used = absolute(checkpoint) if checkpoint else f"starter ({STARTER_CHECKPOINT})"
        print(f"checkpoint: {used}", file=sys.stderr)
    # absolute, as "project" (relative to the current folder, a script run elsewhere could not use them)
    result = {"output": absolute(res.output_path), "mask": absolute(res.mask_path), "method": res.method,
              "checkpoint": used, "checkpoint_sha256": res.checkpoint_hash,
              "project": str(project.root) if project is not None else None, "repair_id": res.repair_id,
              "seconds": round(time.monotonic() - t0, 2),
              "notes": [*res.notes, *([waited] if waited else [])]}  # (also on stderr, as `llmvis index --json`)
    if args.json:  # (it was printed whatever was asked, and --json was refused)
        print(json.dumps(result))
        return 0
    where = f"recorded in {result['project']} (repair {res.repair_id})" if project is not None else "recorded in no project"
    print(f"repaired {one_line(str(args.image))} -> {one_line(result['output'])} ({res.method}, "
          f"{result['seconds']:.2f} s); mask {one_line(result['mask'])}; {where}")
    return 0


def cmd_train(args) -> int:
    from .core.project import ProjectError
    from .core.repair import STARTER_CHECKPOINT, RepairError
    from .core.repair.train import train

    bad = device_problem(args.device)  # a GPU index the machine lacks failed only once training began
    if bad:
        return _err("train", bad)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    folder = Path(args.folder)
    out = Path(args.out) if args.out else folder / ".llmvis" / "repair.safetensors"
    if args.from_ckpt == "scratch":
        start = None
    elif args.from_ckpt:
        start = Path(args.from_ckpt)
    else:
        start = STARTER_CHECKPOINT if STARTER_CHECKPOINT.is_file() else None
    from .core.repair.checkpoint import check_checkpoint_path, ensure_writable
    from .core.repair.out_lock import OutputLock, OutputLocked

    try:
        check_checkpoint_path(out)
        if start is not None and args.from_ckpt and not (args.resume and out.is_file()):
            # before indexing and reading every training image (a typo was said only then)
            from .core.repair.checkpoint import load_checkpoint

            load_checkpoint(start)
    except RepairError as exc:
        msg = str(exc)
        return _err("train", msg if "nothing was trained" in msg else f"--from {msg}; nothing was trained")
    missing = no_database(folder, args.db) if args.db else None
    if missing:  # a mistyped --db: a new project, with none of the folder's repair records to leave out
        return _err("train", f"{missing}; nothing was trained")
    try:
        project = open_project(args, folder, args.db)
    except ProjectError as exc:
        return _err("train", str(exc))
    # one run per output: held from the "already holds" check until the final save (two
    # runs on one --out both trained, and the last to finish silently replaced the other)
    lock = OutputLock(out)
    try:
        ensure_writable(out)
        lock.acquire()
    except (RepairError, OutputLocked) as exc:
        project.close()
        return _err("train", str(exc))
    try:
        return _train_locked(args, project, out, start, train)
    finally:
        lock.release()
        project.close()


def _train_locked(args, project, out: Path, start, train) -> int:
    """``cmd_train`` once the output's lock is held: the checks on what ``out`` holds, then
    the run."""
    from .core.repair import RepairError

    from .cli_progress import ProgressBar

    token = CancelToken()
    # the shared progress rules (README): a bar on a terminal; in a log, nothing for the
    # first seconds, then a line per 10% and at most every 30 s (it was a line per 10 steps)
    bar = ProgressBar(enabled=None, detail=True)

    def show(p: Progress) -> None:
        if p.stage == "train" and p.message:  # the losses; the bar says the step and ETA itself
            p = Progress(p.stage, p.done, p.total, _losses(p.message))
        bar(p)

    damaged = _damaged(out) if out.exists() and not args.force else ""
    if damaged:  # --resume cannot continue it, and "already holds a trained checkpoint" pointed there
        return _err("train", f"{damaged}; it cannot be resumed: --force starts over, replacing it (from the starter, "
                    f"or --from CKPT), or delete or rename it, or give another --out; nothing was trained")
    if out.exists() and not (args.resume or args.force):
        return _err("train", f"{out} already holds a trained checkpoint; --resume continues it, --force starts over "
                    f"(replacing it), or give another --out")
    if args.resume and args.from_ckpt and out.is_file():  # (it was silently ignored, even when nothing was trained)
        print(f"note: --from {args.from_ckpt} ignored: --resume continues {out}, its own weights and step",
              file=sys.stderr)
    steps = args.steps
    if args.resume and steps is not None and out.is_file():  # --steps is the total to reach
        from .core.repair.checkpoint import load_checkpoint

        try:
            done = load_checkpoint(out).step
        except RepairError as exc:
            return _err("train", str(exc))
        if done >= steps:
            print(f"{out} has had {done} steps already (--steps {steps} is the total with --resume); "
                  f"nothing to train", file=sys.stderr)
            if args.json:
                print(json.dumps({"checkpoint": absolute(out), "steps": done, "data": None, "val_masked_psnr_db": None}))
            return 0
        steps -= done
    restore_term = _term_as_interrupt()  # a kill (SIGTERM) saves a resumable checkpoint as Ctrl-C does
    try:
        project.index(token, show)  # incremental: images added since the last run are trained on too
        res = train(project, steps=steps, minutes=args.minutes, from_ckpt=start, out=out,
                    device=args.device, token=token, progress=show, resume=args.resume, tile=args.tile,
                    batch=args.batch, label=args.label,
                    card_extra={"command": _command(args)})
    except RepairError as exc:
        return _err("train", str(exc))
    except (KeyboardInterrupt, Cancelled):
        bar.close()
        print(f"llmvis repair train: {interrupted(_resumable(out))}", file=sys.stderr)
        return 130
    finally:
        bar.close()
        restore_term()
    psnr = round(res.metrics["val_masked_psnr_db"], 2)
    if args.json:  # (it was printed whatever was asked, and --json was refused)
        print(json.dumps({"checkpoint": absolute(out), "steps": res.step, "data": res.data, "val_masked_psnr_db": psnr}))
        return 0
    n = (res.data or {}).get("images")
    on = f" on {n:,} image{'s' if n != 1 else ''}" if isinstance(n, int) else ""
    print(f"trained {one_line(str(out))}: step {res.step:,}{on}, validation masked PSNR {psnr:.2f} dB")
    return 0


def _command(args) -> str:
    """The command line as parsed (the card said ``llmvis repair train train p1`` after a
    global option, and whatever ``sys.argv`` was when run from ``cli.main([...])``)."""
    import shlex

    argv = getattr(args, "argv", None) or ["repair", "train", str(args.folder)]
    return shlex.join(["llmvis", *argv])


def _losses(message: str) -> str:
    """``step 150  g 1.234  d 0.567  hole L1 0.089  ETA 12s`` (core training's report) as
    ``g 1.234  d 0.567  hole L1 0.089``."""
    import re

    return re.sub(r"^step \d+\s+|\s+ETA \d+s$", "", message.strip())


def _term_as_interrupt():
    """Handle SIGTERM as Ctrl-C (KeyboardInterrupt: training saves, then stops) until the
    returned function is called (``llmvis`` does so for every command; this keeps it when
    the command is run on its own). A no-op off the main thread."""
    from .cli_args import term_as_interrupt

    return term_as_interrupt()


def _damaged(out: Path) -> str:
    """Why the checkpoint at ``out`` cannot be loaded; "" when it loads."""
    from .core.repair.checkpoint import CheckpointError, load_checkpoint

    try:
        load_checkpoint(out)
    except CheckpointError as exc:
        return str(exc)
    return ""


def _resumable(out: Path) -> str:
    """What is at ``out`` after an interrupted run (and how to go on), said only as far as
    it is true: a checkpoint is called resumable only when it loads."""
    from .core.repair.checkpoint import CheckpointError, load_checkpoint

    if not out.exists():
        return "no checkpoint was saved yet"
    try:
        ck = load_checkpoint(out)
    except CheckpointError as exc:
        return f"the checkpoint at {one_line(str(out))} cannot be resumed: {exc}"
    except KeyboardInterrupt:
        return f"the checkpoint at {one_line(str(out))} was not checked"
    return f"kept a resumable checkpoint at {one_line(str(out))}, step {ck.step}; run again with --resume to go on"


def _frames(image, max_pixels) -> int:
    """How many pages (frames) the image has; 1 when its header cannot be read (the
    repair then says why)."""
    from .core.imaging.errors import ImageReadError
    from .core.imaging.reader import read_header

    try:
        return max(1, int(read_header(image, max_pixels=max_pixels).frames or 1))
    except (ImageReadError, OSError):
        return 1
