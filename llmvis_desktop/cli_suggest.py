"""``llmvis suggest`` and ``llmvis models list``: argparse wiring over core.suggest.

The lead's ``cli.py`` calls :func:`add_parsers` with its subparsers. Handlers return
an exit code (0 done, 1 refused or failed with one line on stderr, or one of the job's
two models failed while the other's suggestions were stored; 130 interrupted).
``python -m llmvis_desktop.cli_suggest ...`` runs them stand-alone.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from .cli_args import (DEVICE_CHOICES, RUN_AGAIN, actor, add_actor, add_db, device, device_problem, interrupted,
                       no_project, non_negative, positive, require_indexed)
from .core.errors import database_state, first_line, is_connection_lost, is_disk_full
from .core.wording import one_line
from .cli_learned import LearnedReport as _LearnedReport  # noqa: F401 (importable from here)
from .cli_learned import run_learned as _run_learned

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130
#: --top-k and --min-score when not given (they are None then: given with no labeler, they are said unused)
TOP_K, MIN_SCORE = 3, 0.3


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("suggest", help="suggest captions/labels/answers with local models (resumable)")
    p.add_argument("folder", help="the project's image folder")
    add_db(p)
    p.add_argument("--captioner", metavar="PATH", help="captioner or chat model: folder, name in a model dir, or org/name in the HF cache")
    p.add_argument("--labeler", metavar="PATH", help="zero-shot labeler (CLIP, SigLIP) scoring the project's labels")
    p.add_argument("--learned", action="store_true", help="also run the built-in suggester learned from reviewed images")
    p.add_argument("--strip-tiles", type=positive, default=None, metavar="N",
                   help="the learned suggester scores a line-scan strip in at most N tiles, this run "
                        "(default: the project's strip_max_tiles setting, else 128; set it with "
                        "`llmvis settings FOLDER strip_max_tiles N`)")
    p.add_argument("--learned-encoder", default=None, metavar="PATH",
                   help="the learned suggester learns from this CLIP/SigLIP model's image embeddings, this run "
                        "(default: the project's learned_encoder setting, else its handcrafted features)")
    p.add_argument("--device", type=device, default=None, metavar="DEVICE",
                   help=f"{DEVICE_CHOICES} (cuda:N: that GPU of several; default: the configured device, "
                        f"auto: CUDA, then MPS, then CPU)")
    p.add_argument("--batch", type=positive, default=8, metavar="N", help="images per model call, halved on out-of-memory (default %(default)s)")
    p.add_argument("--limit", type=_image_limit, default=None, metavar="N",
                   help="at most N images this run (1 or more; leave it out for no limit)")
    p.add_argument("--read-processes", type=_read_processes, default=None, metavar="N",
                   help="helper processes that decode the images (0: one thread; default: a quarter of "
                        "the cores, 2 to 8; at most 4 per core, and at least 8 allowed)")
    p.add_argument("--prompt", default=None, metavar="TEXT", help="caption instruction (chat models), prefix (BLIP) or task token (Florence-2), this run "
                        "(default: the project's caption_prompt setting, else each model's own)")
    p.add_argument("--ask", default=None, metavar="QUESTION", help="ask each image this question (chat captioner): stored as answers")
    p.add_argument("--template", default=None, metavar="TEXT", help='labeler prompt template, this run (default: the project\'s label_template setting, '
                        'else "a photo of a {label} defect")')
    p.add_argument("--top-k", type=_top_k, default=None, metavar="N",
                   help="label cards per image from a labeler: the best-scoring label always, then up to N in "
                        f"all while they score --min-score or more (default {TOP_K}); already done images "
                        "keep their cards: --all to redo them with new values")
    p.add_argument("--min-score", type=_min_score, default=None, metavar="X",
                   help=f"score a label after the best needs for a card of its own, 0-1 (default {MIN_SCORE}; "
                        "a CLIP-style labeler's scores over the labels add up to 1)")
    p.add_argument("--all", dest="redo", action="store_true", help="also images this model already suggested for")
    p.add_argument("--path-prefix", default=None, metavar="SUBFOLDER",
                   help="only images under this folder, relative to FOLDER or its full path (default: all of FOLDER)")
    p.add_argument("--status", action="append", default=None,
                   choices=("new", "suggested", "reviewed", "rejected"),
                   help="only images with this status (repeatable; default: any status)")
    p.add_argument("--include-repairs", action="store_true",
                   help="also the images a linked repair wrote (repaired copies; left out by default: they are "
                        "reviewed at their source, not in the review queue)")
    p.add_argument("--allow-bin", action="store_true",
                   help="opt in to pickle .bin weights for the models named here (--learned-encoder's too)")
    p.add_argument("--trust-remote-code", action="store_true", help="opt in to the custom code of the models named here")
    p.add_argument("--no-index", action="store_true",
                   help="skip indexing the folder first (new or changed files then get no suggestions)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_actor(p)
    p.set_defaults(func=run_suggest_cmd)

    mp = subparsers.add_parser("models", help="local models: list what is found")
    msub = mp.add_subparsers(dest="models_cmd", metavar="ACTION")
    msub.required = True
    q = msub.add_parser("list", help="models in the configured model folders and the local HF cache")
    q.add_argument("--json", action="store_true", help="print the models as JSON")
    q.add_argument("--dir", action="append", default=[], metavar="FOLDER", help="also look in this folder (repeat it for several: --dir A --dir B)")
    q.add_argument("--no-cache", action="store_true", help="skip the Hugging Face cache")
    q.add_argument("--all", dest="show_all", action="store_true", help="also HF-cache models of architectures we cannot run")
    q.add_argument("--device", type=device, default=None, metavar="DEVICE",
                   help=f"say whether each model fits this device: {DEVICE_CHOICES} (default: the configured one)")
    mp.set_defaults(func=run_models_cmd)


def _at_least_one(text: str, why: str) -> int:
    """A whole number, 1 or more; else the usage error says ``why``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more {why}, not {text}")
    return value


def _image_limit(text: str) -> int:
    """--limit N: 1 or more (0 ran nothing and exited 0, naming no device)."""
    return _at_least_one(text, "images (leave --limit out for no limit)")


def max_read_processes(cpu_count: Optional[int] = None) -> int:
    """--read-processes' ceiling: 4 helpers per core (more reads at once than that help
    no slow share, and each helper holds its own decoder's memory), never under 8, the
    most the default takes."""
    return max(8, 4 * (cpu_count or os.cpu_count() or 1))


def _read_processes(text: str) -> int:
    """--read-processes N: 0 up to :func:`max_read_processes` (1000 started 1000 helper
    processes, each a Python with its image decoder, and could run the machine out of memory)."""
    value = non_negative(text)
    most = max_read_processes()
    if value > most:
        raise argparse.ArgumentTypeError(f"at most {most} on this machine ({os.cpu_count() or 1} cores, "
                                         f"4 per core), not {text}")
    return value


def _top_k(text: str) -> int:
    return _at_least_one(text, "(the best label is always a card)")


def _min_score(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (label scores are probabilities), not {text}")
    return value


def _err(cmd: str, msg: str) -> int:
    print(f"llmvis {cmd}: {one_line(msg)}", file=sys.stderr)
    return EXIT_ERROR


def _config():
    from .cli_args import load_config

    return load_config()


def run_models_cmd(args) -> int:
    from .core.suggest.device import DeviceError, describe_size, fits, resolve
    from .core.suggest.discovery import discover
    from .core.suggest.too_deep import absent_dirs, absent_dirs_note, too_deep_note

    cfg = _config()
    # absolute, as the paths suggestions store (a relative --dir listed relative paths)
    dirs = [os.path.abspath(os.path.expanduser(d)) for d in [*cfg.model_dirs, *args.dir]]
    absent = set()
    for d in dict.fromkeys(args.dir):
        if not Path(d).expanduser().is_dir():
            what = ("a file, not a folder; give the folder holding the models (or the model's own folder, "
                    "config.json beside the weights)" if Path(d).expanduser().exists() else "no such folder")
            print(f"warning: --dir {d}: {what}", file=sys.stderr)
            absent.add(os.path.abspath(os.path.expanduser(d)))
    # the configured ones too: a folder set in Settings and gone since listed none of its models, silently
    gone = [(d, why) for d, why in absent_dirs(cfg.model_dirs)
            if os.path.abspath(os.path.expanduser(d)) not in absent]
    if gone:
        print(absent_dirs_note(gone), file=sys.stderr)
        absent.update(os.path.abspath(os.path.expanduser(d)) for d, _why in gone)
    too_deep: list = []
    infos = discover(dirs, include_hf_cache=not args.no_cache, cache_known_only=not args.show_all,
                     too_deep=too_deep)
    if too_deep:
        print(too_deep_note(too_deep), file=sys.stderr)
    try:
        device = resolve(args.device or cfg.device)
    except DeviceError as exc:  # still list them; whether each fits is unknown
        print(f"warning: {exc}; not saying whether the models fit", file=sys.stderr)
        device = None
    rows = []
    for i in infos:
        ok = fits(i.size_bytes, device, i.params) if i.problem is None and device else None
        rows.append({"name": i.name, "path": i.path, "model_id": i.model_id, "family": i.family,
                     "kind": i.kind, "size_bytes": i.size_bytes, "params": i.params, "revision": i.revision,
                     "weights": i.weights_format, "source": i.source, "device": device, "fits": ok,
                     "problem": i.problem, "hub_repo": i.hub_params().get("hub_repo"),
                     "hub_commit": i.hub_params().get("hub_commit")})
    from .core.suggest.discovery import UNKNOWN_FAMILY, hf_hub_cache

    folders = [d for d in dict.fromkeys(dirs) if d not in absent]  # the places looked in
    if args.json:  # an object, as every --json output (it was a bare list, unlike its own failures)
        cache = None if args.no_cache else os.path.abspath(hf_hub_cache())
        print(json.dumps({"models": rows, "dirs": folders, "hf_cache": cache}, indent=2))
        return EXIT_OK
    if not rows:  # (a missing --dir was said above, once)
        places = folders + ([] if args.no_cache else [f"the Hugging Face cache ({hf_hub_cache()})"])
        where = (" in " + (", ".join(places[:-1]) + " or " if len(places) > 1 else "") + places[-1]
                 if places else " (no model folder to look in)")
        if folders:
            hint = (f"put a model folder (config.json + weights) in {folders[0]}, or add a folder of "
                    f"models with --dir")
        else:  # the cache lists only what a download put there (models--org--name), not a copied folder
            hint = ("give a folder of models (each a folder with config.json + weights) with --dir, or add it "
                    "to the model folders in the window's Settings"
                    + ("; the Hugging Face cache lists only the models downloaded into it" if places else ""))
        print(f"no models found{where}; {hint}", file=sys.stderr)
        return EXIT_OK
    for r in rows:
        fit = {True: "fits", False: "too big", None: "?"}[r["fits"]] if not r["problem"] else "refused"
        print(f"{r['name'][:40]:40s} {r['family'] or UNKNOWN_FAMILY:10s} {r['kind'] or '-':9s} "
              f"{describe_size(r['size_bytes']):>9s}  {fit:8s} {r['path']}")
        if r["problem"]:
            print(f"    {r['problem']}")
    return EXIT_OK


def _resolve(spec: Optional[str], dirs):
    """The model, or the spec itself when it names none (run_suggest reports that model's
    refusal, a warning, and stores the other model's suggestions)."""
    from .core.suggest.batch import resolve_spec

    return resolve_spec(spec, dirs) if spec else None


def run_suggest_cmd(args) -> int:
    from .core.project import Project, ProjectError
    from .core.store.records import ImageFilter
    from .core.suggest.discovery import ModelRefused
    from .core.suggest.report import SuggestStopped
    from .core.tasks import Cancelled

    from .cli_progress import ProgressBar

    cfg = _config()
    bad = device_problem(args.device)  # before any work: the learned path alone never resolved it
    if bad:
        return _err("suggest", bad)
    shown = ProgressBar(enabled=None)
    seen: dict = {}  # the suggest stage's last report: what an interruption kept

    def bar(p) -> None:
        if p.stage == "suggest" and p.total:
            seen.update(done=p.done, total=p.total)
        elif p.stage == "train" and (p.total or 0) > 1:  # the learned suggester's network fit, in steps
            seen["fit"] = (p.done, p.total)
        shown(p)

    bar.close = shown.close
    project = None
    stage = "index"  # what a full disk stopped
    # nothing indexes into it: it was made an empty project (.llmvis/ in a folder never indexed), "nothing to do"
    missing = no_project(args) if args.no_index else None
    if missing:
        return _err("suggest", f"{missing} (--no-index skips the index that would make it)")
    try:
        project = Project.open(args.folder, args.db, max_pixels=cfg.max_image_pixels,
                               who=(args.actor or "").strip() or None)
        if project.db_note:
            print(f"note: {project.db_note}", file=sys.stderr)
        indexed = None
        if args.no_index:  # (a project made by `labels add`, never indexed: "nothing to do", exit 0)
            require_indexed(project, args.folder, args.db)
        else:  # incremental: a folder never indexed, or files added since, are covered
            from .core.tasks import CancelToken

            indexed = project.index(CancelToken(), bar)  # (a token: the database held elsewhere is waited for)
            bar.close()  # what it left out, said as `llmvis index` says it (a folder it could not read got no work, unsaid)
            print("".join(f"warning: {one_line(line)}\n" for line in indexed.left_out_lines()), end="", file=sys.stderr)
            if indexed.waited_s >= 1:  # (the jobs after it say their own waits)
                from .core.store.db_wait import waited_note
                from .core.store.engine import describe_url

                print(f"note: {waited_note(describe_url(project.db_url), indexed.waited_s, 'the index')}",
                      file=sys.stderr)
        settings = project.settings()
        cap_spec = args.captioner or (None if args.labeler or args.learned else settings.get("captioner"))
        lab_spec = args.labeler or (None if args.captioner or args.learned else settings.get("labeler"))
        dirs = list(cfg.model_dirs)
        captioner, labeler = _resolve(cap_spec, dirs), _resolve(lab_spec, dirs)
        if captioner is None and labeler is None and not args.learned:
            return _err("suggest", "no model chosen: give --captioner and/or --labeler (or --learned), "
                                   "or pick models in the model manager; `llmvis models list` shows what is found")
        flt = None
        if args.path_prefix:
            given, args.path_prefix = args.path_prefix, _relative_prefix(args.path_prefix, project.root)
            if args.path_prefix is None:
                return _err("suggest", f"--path-prefix {one_line(given)}: not inside the project "
                                       f"folder {one_line(str(project.root))}; give a folder inside it (a path "
                                       f"relative to it, or its full path)")
        if args.path_prefix or args.status:
            flt = ImageFilter(statuses=tuple(args.status or ()), path_prefix=args.path_prefix)
            if args.path_prefix and not project.image_ids(ImageFilter(path_prefix=args.path_prefix)):
                return _err("suggest", f"--path-prefix {args.path_prefix}: no image of {project.root} is "
                                       f"in that folder (a path relative to the project folder)")
        if args.prompt and args.ask:
            return _err("suggest", "--prompt and --ask do not go together: --ask is the question a "
                                   "chat model answers, --prompt starts a caption")
        reports = []
        stage = "models"
        if captioner is not None or labeler is not None:
            from .core.suggest.batch import run_suggest

            named = [getattr(i, "path", i) for i in (captioner, labeler) if i is not None]
            prompt, template = _prompts(args, settings, captioner is not None, labeler is not None)
            report = run_suggest(
                project, captioner, labeler, flt=flt, only_unsuggested=not args.redo, batch=args.batch,
                limit=args.limit, prompt=prompt, question=args.ask,
                label_template=template,
                top_k=TOP_K if args.top_k is None else args.top_k,
                min_score=MIN_SCORE if args.min_score is None else args.min_score,
                device=args.device or cfg.device,
                allow_bin=named if args.allow_bin else None,
                allow_remote_code=named if args.trust_remote_code else None,
                read_processes=args.read_processes,
                progress=bar, started_by=actor(args, cfg), model_dirs=dirs,
                include_repairs=args.include_repairs,
                project_prompt=bool(prompt) and args.prompt is None,
            )
            reports.append(("models", report))
        if args.learned:
            seen.clear()  # what is counted from here is the learned suggester's work
            seen.update(what="by the learned suggester", after_models=bool(reports))
            stage = "learned"
            # beside models that ran, a learned suggester not ready yet is a warning, not a failure
            reports.append(("learned", _run_learned(project, flt, not args.redo, bar, alone=not reports,
                                                      limit=args.limit, max_tiles=args.strip_tiles,
                                                      include_repairs=args.include_repairs,
                                                      encoder=args.learned_encoder, model_dirs=dirs,
                                                      encoder_bin=bool(args.allow_bin and args.learned_encoder),
                                                      device=args.device or cfg.device)))
    except SuggestStopped as exc:  # the models' batches committed before a full disk are kept
        bar.close()
        return _stopped(args, exc)
    except (ModelRefused, ProjectError) as exc:
        bar.close()
        return _err("suggest", str(exc))
    except (Cancelled, KeyboardInterrupt) as exc:
        bar.close()
        return _interrupted(args, seen, getattr(exc, "stored_images", None), getattr(exc, "earlier_left", None))
    except Exception as exc:
        bar.close()
        if getattr(args, "debug", False) or os.environ.get("LLMVIS_DEBUG"):
            raise
        if project is not None and (is_disk_full(exc) or is_connection_lost(exc)):  # what was kept
            return _stopped(args, _stopped_at(stage, project, seen, exc))
        if database_state(exc):  # busy, read-only...: in words, naming its file, as every command says
            # it (it said "failed: OperationalError: the project database is busy ...", naming none)
            from .core.store.engine import describe_url

            return _err("suggest", first_line(exc, database=describe_url(project.db_url) if project else None))
        name = type(exc).__name__
        if name in ("SuggestError", "DeviceError") or isinstance(exc, (ValueError, OSError)):
            return _err("suggest", first_line(exc))
        return _err("suggest", f"failed: {name}: {first_line(exc)}")
    finally:
        from .core.suggest import reading

        reading.shutdown_shared()
        if project is not None:
            project.close()
    bar.close()
    unused = _flags_unused(args, captioner, labeler)
    if args.learned_encoder and not args.learned:
        unused = "; ".join(filter(None, [unused, "--learned-encoder applies to the learned suggester only "
                                                  "(--learned); it was not used"]))
    if unused and reports:  # (said as the prompt given with no captioner is: it was dropped without a word)
        reports[0][1].messages.append(unused)
    for _name, rep in reports:
        for msg in getattr(rep, "messages", []):
            print(f"warning: {one_line(msg)}", file=sys.stderr)
        for msg in getattr(rep, "notes", []):
            print(f"note: {one_line(msg)}", file=sys.stderr)
        for path, why in getattr(rep, "failed", [])[:20]:
            print(f"warning: {one_line(why)}" if path in why else f"warning: {one_line(path)}: {one_line(why)}",
                  file=sys.stderr)
    left = max((getattr(rep, "repair_outputs", 0) for _name, rep in reports), default=0)
    if left and not args.json:  # (--json says it: "repair_outputs_skipped")
        print(f"note: {left} repair output{'s' if left != 1 else ''} left out (repaired copies, reviewed at "
              f"their source); --include-repairs suggests for them", file=sys.stderr)
    failures = [msg for _name, rep in reports for msg in (getattr(rep, "model_failures", None) or {}).values()]
    if args.json:
        out = {name: (rep.as_dict() if hasattr(rep, "as_dict") else repr(rep)) for name, rep in reports}
        if indexed is not None:
            out["indexed"] = {"listed": indexed.seen, "added": indexed.added, "changed": indexed.changed,
                              "missing": indexed.missing, **indexed.left_out_summary()}
        if failures:  # exit 1 as every failure says it: "error" and "exit_code" (it had neither)
            out.update(error="; ".join(failures), exit_code=EXIT_ERROR)
        print(json.dumps(out))
    else:
        if indexed is not None and (indexed.added or indexed.changed):
            print(f"indexed: {indexed.added} new and {indexed.changed} changed files")
        for name, rep in reports:
            if name == "models":
                print(rep.summary(redo_hint="--all to redo"))
            else:
                print(rep.summary() if hasattr(rep, "summary") else f"{name}: {rep}")
    if failures:
        return EXIT_ERROR  # the other model's suggestions are stored; the warning says which failed
    return EXIT_OK


def _relative_prefix(prefix: str, root: Path) -> Optional[str]:
    """``--path-prefix`` as the index names folders (relative to the project, with "/"): a
    full path inside the project is taken too (it was refused as naming no image), and
    "./" is dropped; None for a full path outside the project."""
    path = Path(prefix)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path(root).resolve())
        except ValueError:
            return None
    return path.as_posix().strip("/") if str(path) != "." else ""


#: how an interrupted --all run goes on: a plain run again resumed nothing ("nothing to do"),
#: the images it had not reached having the models' suggestions from before the --all
REDO_AGAIN = ("run llmvis suggest --all again to finish: a run without --all counts the images left as done, "
              "as they have these models' suggestions from before")


def _interrupted(args, seen: dict, stored: Optional[int] = None, earlier_left: Optional[int] = None) -> int:
    """Say what an interrupted job kept: the images whose suggestions were stored out of
    those it had to do (it said only "finished batches are kept"), in the words the
    window's cancel uses (:func:`~.core.suggest.report.stored_words`), with --json in the
    object too. ``stored``: what the models' commits stored (its last progress report can
    be a few batches behind them); None: that report's count. ``earlier_left``: of the
    images an --all run had not reached, those with the models' earlier suggestions (0: a
    plain run again finishes it, as it would on a folder never suggested before)."""
    from .core.suggest.report import stored_words

    if stored is not None and "total" in seen:
        seen["done"] = stored
    done = seen.get("done", 0)
    what = f" {seen['what']}" if seen.get("what") else ""
    if done:
        total = seen["total"]
        message = interrupted(f"{stored_words(done)}{what}, of the {total:,} images this run had "
                              f"to do ({total - done:,} to go)",
                              REDO_AGAIN if getattr(args, "redo", False) and earlier_left != 0 else RUN_AGAIN)
    else:  # (while the models loaded, or during the first batch: it said "kept suggestions for 0 of the 4")
        to_go = f" ({seen['total']:,} {'image' if seen['total'] == 1 else 'images'} to go)" if seen.get("total") else ""
        models = " (the models' suggestions before it were stored)" if seen.get("after_models") else ""
        message = interrupted(stored_words(0) + what + to_go + models + _fit_kept(seen.get("fit")), RUN_AGAIN)
    print(f"llmvis suggest: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message, "exit_code": EXIT_INTERRUPTED, "images_done": seen.get("done"),
                          "images_to_go": seen["total"] - seen["done"] if "total" in seen else None}))
    return EXIT_INTERRUPTED


def _fit_kept(fit) -> str:
    """What an interrupted network fit of the learned suggester kept (its checkpoints), or ""."""
    from .core.suggest.cnn_resume import CHECKPOINT_EVERY

    if not fit or fit[0] < CHECKPOINT_EVERY:
        return ""
    done, total = fit
    return (f", the network's fit is saved every {CHECKPOINT_EVERY} steps: {done // CHECKPOINT_EVERY * CHECKPOINT_EVERY:,}"
            f" or more of its {total:,} are kept")


def _stopped(args, exc) -> int:
    """A full disk or the server gone stopped the job (a :class:`SuggestStopped`): where, what was kept, and
    that a run again goes on from there; with --json the object says it too."""
    # a plain run again resumes: it does the images the job had not reached. After --all it
    # would do none (every image had the models' suggestions before): --all again redoes them
    again = "llmvis suggest" + (" --all" if getattr(args, "redo", False) else "")
    message = exc.say(again)
    print(f"llmvis suggest: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message, "exit_code": EXIT_ERROR, "images_kept": exc.images_kept}))
    return EXIT_ERROR


def _stopped_at(stage: str, project, seen: dict, exc: BaseException):
    """The :class:`SuggestStopped` of a full disk met outside the models' batches: in the
    index before them (the images listed are kept), or in the learned suggester (each
    of its batches is committed before its progress is reported)."""
    from .core.store.engine import describe_url
    from .core.suggest.report import SuggestStopped

    where = describe_url(project.db_url)
    if stage == "learned":
        return SuggestStopped.of(exc, "the learned suggester", where, seen.get("done", 0))
    return SuggestStopped.of(exc, "the index" if stage == "index" else "the suggest job", where, None)


def _flags_unused(args, captioner, labeler) -> Optional[str]:
    """A warning naming the labeler's flags given (--template, --top-k, --min-score) when
    no labeler ran with them, and the captioner's (--prompt, --ask) when no model ran at
    all (the learned suggester alone; beside a labeler, the job says them), or None: they
    were accepted and dropped without a word (`--learned --ask Q` asked nothing, said nothing)."""
    def said(flags, what) -> list:
        given = [flag for flag, value in flags if value is not None]
        return [(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to {what}, so "
                 f"{'it was' if len(given) == 1 else 'they were'} not used")] if given else []

    lines = [] if labeler is not None else said(
        (("--template", args.template), ("--top-k", args.top_k), ("--min-score", args.min_score)),
        "a zero-shot labeler only (--labeler, or the project's labeler); no labeler ran")
    if captioner is None and labeler is None:
        lines += said((("--prompt", args.prompt), ("--ask", args.ask)),
                      "a captioner or chat model only (--captioner); no model ran")
    return "; ".join(lines) or None


def _prompts(args, settings: dict, captioner: bool, labeler: bool) -> tuple:
    """(caption prompt, label template) of this run: --prompt / --template where given
    (an empty one: the default, this run), else the project's (`llmvis settings FOLDER
    caption_prompt TEXT`, or the window's); a note on stderr says when the project's is used."""
    from .core.suggest.prompts import CAPTION_PROMPT, LABEL_TEMPLATE, job_prompts

    prompt, template = job_prompts(settings, captioner, labeler, args.ask, args.prompt, args.template)
    for flag, value, name in (("--prompt", prompt, CAPTION_PROMPT), ("--template", template, LABEL_TEMPLATE)):
        if getattr(args, flag[2:]) is None and value and value == settings.get(name):
            print(f"note: the project's {name.replace('_', ' ')} \u201c{one_line(value)}\u201d ({flag} TEXT for "
                  f"this run only; `llmvis settings FOLDER {name}` changes it)", file=sys.stderr)
    return prompt or None, template


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="llmvis")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
