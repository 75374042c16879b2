"""`llmvis index`, `llmvis info`, `llmvis labels`, `llmvis settings`: the commands on a
project's own index, label taxonomy and settings. Registered by cli.py's parser as the other front modules are."""
from __future__ import annotations

import argparse
import json
import shlex
import sys

from .cli_args import RUN_AGAIN, add_actor, interrupted
from .cli_args import positive as _positive
from .cli_progress import ProgressBar
from .core.errors import disk_full_stopped, is_disk_full
from .core.wording import one_line

EXIT_OK, EXIT_INTERRUPTED = 0, 130


def add_parsers(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("folder", help="the image folder (project root)")
    common.add_argument("--db", metavar="URL", default=None,
                        help="SQLAlchemy database URL (default: FOLDER/.llmvis/project.sqlite)")

    p = sub.add_parser("index", parents=[common], help="index a folder (incremental)")
    p.add_argument("--no-headers", action="store_true", help="only list files; read headers later")
    p.add_argument("--batch", type=_positive, default=5000, metavar="N",
                   help="files per committed transaction while listing (default 5000)")
    p.add_argument("--allow-empty", action="store_true",
                   help="mark every image missing when the folder lists no file at all (without it, such a "
                        "listing, an unmounted share most likely, is refused)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar; unreadable files counted in one line, not named (`llmvis info` names them)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("info", parents=[common], help="counts by status, labels, suggestions, repairs")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("settings", parents=[common], help="list or set the project settings a user may change",
                       description="The project settings a user may change: strip_max_tiles (default 128), the "
                                   "most tiles a line-scan strip is scored in for label suggestions (a labeler, "
                                   "the learned suggester); learned_auto_retrain (default off), retrain the "
                                   "learned suggester every 10 reviews in the window; caption_prompt (default: "
                                   "each model's own), what a captioner is asked; label_template (default \"a "
                                   "photo of a {label} defect\"), what a zero-shot labeler scores each label in. "
                                   "With NAME, that one; with NAME VALUE, set it; with NAME --reset, back to its "
                                   "default.")
    p.add_argument("name", nargs="?", default=None, metavar="NAME", help="the one setting to show or set")
    p.add_argument("value", nargs="?", default=None, metavar="VALUE",
                   help="its new value (strip_max_tiles: a whole number of 1 or more; learned_auto_retrain: "
                        "on or off, yes/no, true/false, 1/0; caption_prompt: any text; label_template: "
                        "text holding {label})")
    p.add_argument("--reset", action="store_true", help="take NAME back to its default")
    p.add_argument("--json", action="store_true", help="print the settings as JSON")
    p.set_defaults(func=cmd_settings, settings_parser=p)

    p = sub.add_parser("labels", help="manage the label taxonomy")
    lsub = p.add_subparsers(dest="labels_cmd", metavar="ACTION")
    lsub.required = True
    q = lsub.add_parser("add", parents=[common], help="add labels")
    q.add_argument("names", nargs="+", metavar="NAME", help="the label names to add (all of them, or none if one is refused)")
    q.add_argument("--color", default=None, help="#rrggbb (default: the first colour of the palette that no label has)")
    q.add_argument("--key", default=None, help="shortcut key 1-9 (default: the next free one; with one name only)")
    q.add_argument("--description", default=None, metavar="TEXT", help="what the label means (shown to reviewers)")
    q.add_argument("--exist-ok", action="store_true",
                   help="a name already a label is no error: said on stderr and left as it is (its colour, key "
                        "and description unchanged); the others are added")
    q.add_argument("--json", action="store_true", help="print the labels added (\"added\") and, with --exist-ok, "
                                                       "those already there (\"existing\") as JSON")
    q.add_argument("--exclusive", action="store_true",
                   help="the label shares no image with another (\"ok\", \"normal\"): putting it on an image "
                        "takes the others off, putting another on takes it off")
    q.set_defaults(add_parser=q)  # its usage errors (--key with several names)
    q = lsub.add_parser("set", parents=[common], help="recolour, re-key or mark a label exclusive")
    q.add_argument("name", metavar="NAME", help="the label to change")
    q.add_argument("--color", default=None, metavar="#RRGGBB", help="its new colour")
    q.add_argument("--key", default=None, metavar="N", help="its new shortcut key 1-9")
    q.add_argument("--exclusive", action=argparse.BooleanOptionalAction, default=None,
                   help="mark it exclusive (it shares no image with another label) or, with --no-exclusive, not")
    q.add_argument("--json", action="store_true", help="print the label as it is now as JSON")
    q.set_defaults(set_parser=q)
    q = lsub.add_parser("list", parents=[common], help="list labels with image counts")
    q.add_argument("--json", action="store_true", help="print the labels as JSON")
    q = lsub.add_parser("remove", parents=[common], help="remove labels")
    q.add_argument("names", nargs="+", metavar="NAME", help="the label names to remove")
    q.add_argument("--force", action="store_true", help="also when images carry the label")
    add_actor(q)
    q.add_argument("--json", action="store_true", help="print the labels removed (and from how many images) as JSON")
    p.set_defaults(func=cmd_labels)


def _project(args, create: bool = True):
    """The folder's project; ``create`` False (a command that only reads it, or takes away):
    a folder with no project database is refused (ProjectError, exit 1) with nothing written,
    as `llmvis evaluate` refuses it (it made an empty .llmvis/project.sqlite there)."""
    from .cli_args import no_project, open_project
    from .core.project import ProjectError

    missing = None if create else no_project(args)
    if missing:
        raise ProjectError(missing)
    project = open_project(args)
    if project.db_note:
        print(f"note: {project.db_note}", file=sys.stderr)
    return project


def cmd_settings(args) -> int:
    """List the settings a user may change, show one (NAME), or set it (NAME VALUE): a
    value it does not take, or a name that is none of them, is a usage error naming it."""
    from .cli_args import no_project
    from .core import user_settings as us

    reset = getattr(args, "reset", False)
    try:
        if reset and (args.name is None or args.value is not None):
            raise us.SettingRefused("--reset takes a NAME and no VALUE (llmvis settings FOLDER NAME --reset)")
        if args.name is not None:
            setting = us.find(args.name)
            # refused before any project is opened; one whose check reads the project (the
            # encoder: its model's saved .bin opt-in), there when the folder holds a project
            if args.value is not None and (not setting.reads_project or no_project(args)):
                setting.checked(args.value)
    except us.SettingRefused as exc:
        args.settings_parser.error(str(exc))
    before = None
    written = args.value is not None or reset
    with _project(args, create=written) as project:
        if reset:
            before, _ = us.reset(project, args.name)
        elif args.value is not None:
            try:
                before, _ = us.change(project, args.name, args.value)
            except us.SettingRefused as exc:
                if not us.find(args.name).reads_project:
                    raise
                args.settings_parser.error(str(exc))
        shown = us.current(project, [args.name] if args.name else None)
    if args.json:
        out = {"settings": shown}
        if written:
            out["before"] = before
        print(json.dumps(out))
        return EXIT_OK
    for name, s in shown.items():
        words = us.USER_SETTINGS[name].shown
        note = "the default" if not s["set"] else f"default {words(s['default'])}"
        if written:
            note = "unchanged" if before == s["value"] else f"was {words(before)}; {note}"
        print(f"{name} = {words(s['value'])} ({note})")
        if not written:
            print(f"    {us.USER_SETTINGS[name].says}")
    return EXIT_OK


def cmd_index(args) -> int:
    from .core.store.db_wait import waited_note
    from .core.store.engine import describe_url
    from .core.tasks import CancelToken, WaitTally

    bar = ProgressBar(enabled=None if not args.quiet else False)
    token = CancelToken()  # (given: a database another process holds is waited for, the wait said on the bar)
    tally = WaitTally(bar)  # those waits in all, said at the end
    with _project(args) as project:
        try:
            result = project.scan(token, tally, batch_size=args.batch, allow_empty=args.allow_empty)
            read = 0 if args.no_headers else project.read_headers(token, tally, result=result)
            project.count_missing_decided(result)
        except KeyboardInterrupt:
            bar.close()
            info = project.info()
            kept = f"kept {info['images']} images listed ({info['headers_pending']} headers still to read)"
            print(f"llmvis index: {interrupted(kept, RUN_AGAIN)}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if is_disk_full(exc):  # the batches committed before are kept ("nothing was saved" was wrong)
                raise _IndexStopped(_index_stopped(project)) from exc
            raise
        finally:
            bar.close()
        counts = project.counts_by_status()
        unreadable = project.unreadable_files(UNREADABLE_SHOWN) if counts.get("error") else []
        # said apart, as `llmvis info` and the window do: a plugin to install, not a file to fix
        decoder = project.count_needs_decoder() if counts.get("error") else 0
        split = ([project.unreadable_files(UNREADABLE_SHOWN, needs_decoder=k) for k in (False, True)]
                 if decoder and not args.json else [unreadable, []])
    # files read again that failed again the same way (still locked, still no decoder): said
    # apart from the headers read (they were counted among them: "1 header read" for no change)
    again = result.failed_again if not args.no_headers else 0
    summary = {
        "listed": result.seen,
        "added": result.added,
        "changed": result.changed,
        "missing": result.missing,
        "missing_decided": result.missing_decided,  # of them, reviewed or rejected (kept, status missing)
        "restored": result.restored,
        "moved": result.moved,  # moved or renamed files: their rows (reviews, history) kept
        "headers_read": read - again,  # headers read to a new result
        "still_unreadable": again,  # read again, failed again as before (the first few named below)
        "still_unreadable_files": [{"path": rel, "error": why} for rel, why in result.failed_again_files],
        "errors": counts.get("error", 0),
        "needs_decoder": decoder,  # of "errors", compressed DICOMs no installed decoder reads
        "unreadable": [{"path": rel, "error": why} for rel, why in unreadable],
        "unreadable_folders": [f"{p}: {why}" for p, why in result.unreadable_folders],
        "skipped": [{"count": sk.count, "reason": sk.reason, "examples": sk.examples} for sk in result.skipped],
        # rows of an earlier index for files now left out (a DICOMDIR): removed, or kept for their work
        "left_out_removed": result.removed,
        "left_out_kept": result.kept_left_out,
        "notes": [waited_note(describe_url(project.db_url), tally.seconds)] if tally.seconds >= 1 else [],
    }
    kept = f" ({result.missing_decided} of them reviewed or rejected: kept)" if result.missing_decided else ""
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{project.root}: {result.seen} image files listed, {result.added} new, "
            f"{result.changed} changed, {result.missing} missing{kept}, {result.moved} moved, {read - again} headers read, "
            f"{summary['errors'] - decoder} unreadable" + (f", {decoder} {'needs' if decoder == 1 else 'need'} "
                                                           f"a decoder" if decoder else "")
        )
        for line in still_unreadable_lines(result.failed_again_files, again):
            print(line)
        for line in summary["unreadable_folders"]:
            print(f"warning: folder not listed: {one_line(line)}", file=sys.stderr)
        bad = summary["errors"] - decoder
        if args.quiet and summary["errors"]:  # one line, not one per file (thousands in a damaged share)
            where = shlex.quote(str(args.folder)) + (" --db URL" if args.db else "")
            said = [f"{bad} unreadable file{'s' if bad != 1 else ''}"] if bad else []
            if decoder:
                said.append(f"{decoder}{'' if bad else ' file' if decoder == 1 else ' files'} needing a decoder plugin")
            print(f"warning: {', '.join(said)}; `llmvis info {where}` names them", file=sys.stderr)
        else:
            for line in unreadable_lines(split[0], bad):
                print(f"warning: {line}", file=sys.stderr)
            for rel, why in split[1]:  # why says which decoder plugin to install
                print(f"warning: {one_line(rel)}: {one_line(why)}", file=sys.stderr)
            if decoder > len(split[1]):
                print(f"warning: ... and {decoder - len(split[1])} more needing a decoder plugin "
                      f"(`llmvis info --json` lists them all)", file=sys.stderr)
        for line in result.skipped_lines():
            print(f"warning: {one_line(line)}", file=sys.stderr)
        for note in summary["notes"]:
            print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


class _IndexStopped(Exception):
    """`llmvis index` stopped by a full disk: the message says what it kept."""


def _index_stopped(project) -> str:
    from .core.store.engine import describe_url

    try:
        n = project.info()["images"]
        kept = f"{n:,} image{'s' if n != 1 else ''} indexed"
    except Exception:  # noqa: BLE001 - counted if it can be; the line is said anyway
        kept = None
    return disk_full_stopped("the index", describe_url(project.db_url), kept, "llmvis index")


#: damaged files named by `index` (and `info` as text) before "... and N more"
UNREADABLE_SHOWN = 10


STILL_NAMED = 5  # names on a "still unreadable" line


def still_unreadable_lines(files: list[tuple[str, str]], total: int) -> list[str]:
    """The files `llmvis index` read again that failed again the same way, one line per
    reason: "1 still unreadable (permission denied): locked.png"; "and N more" past a few
    names, and for those the index counted but did not name."""
    by_why: dict[str, list[str]] = {}
    for rel, why in files:
        by_why.setdefault(why, []).append(rel)
    lines = []
    for why, rels in by_why.items():
        names = ", ".join(one_line(r) for r in rels[:STILL_NAMED])
        more = f" and {len(rels) - STILL_NAMED} more" if len(rels) > STILL_NAMED else ""
        lines.append(f"{len(rels)} still unreadable ({one_line(why)}): {names}{more}")
    if total > len(files):
        lines.append(f"... and {total - len(files)} more still unreadable as before "
                     f"(`llmvis info --json` lists the unreadable files)")
    return lines


def unreadable_lines(files: list[tuple[str, str]], total: int, more: str = "`llmvis info --json` lists them all"):
    """One line per damaged file (its path and why), then how many more there are; a
    name's control characters escaped (an ESC sequence reached the terminal, a newline
    faked a "warning:" line of its own)."""
    lines = [f"could not read {one_line(rel)}: {one_line(why)}" for rel, why in files]
    if total > len(files):
        lines.append(f"... and {total - len(files)} more unreadable files ({more})")
    return lines


def cmd_info(args) -> int:
    with _project(args, create=False) as project:
        info = project.info()
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print(f"project   {one_line(str(info['root']))}")
    print(f"database  {one_line(str(info['database']))}")
    retry = info["headers_retry"]  # pending for good while their cause lasts: said apart
    decoder = info["needs_decoder"]  # read again at every index too, said on lines of their own
    broken = retry - len(decoder)
    again = (f", {broken} unreadable file{'s' if broken != 1 else ''} read again at every index (a broken "
             f"link, no permission...)") if broken > 0 else ""
    print(f"images    {info['images']} ({info['headers_pending'] - retry} headers pending{again})")
    decided = ", ".join(f"{n} marked {k}" for k, n in sorted(info.get("decided_unreadable", {}).items()))
    by_status = dict(info["by_status"])
    if decoder:  # counted apart from the damaged files: a plugin to install, not a file to fix
        by_status["error"] -= len(decoder)
        by_status["need a decoder"] = len(decoder)
    print("status    " + ", ".join(f"{k} {v}" for k, v in by_status.items())
          + (f" (of error and missing, {decided}: `llmvis evaluate` counts them so)"
             if decided else ""))
    print("labels    " + (", ".join(f"{k} {v}" for k, v in info["labels"].items()) or "(none)"))
    print("suggest.  " + ", ".join(f"{k} {v}" for k, v in info["suggestions"].items()))
    n = info.get("repair_outputs", 0)
    print(f"repairs   {info['repairs']}" + (f" ({n} repair output{'s' if n != 1 else ''} not reviewed: not counted "
                                              f"as new, not in the review queue)" if n else ""))
    plugin = {u["path"] for u in decoder}
    bad = [(u["path"], u["error"]) for u in info["unreadable"] if u["path"] not in plugin]
    for line in unreadable_lines(bad[:UNREADABLE_SHOWN], len(bad), more="--json lists them all"):
        print(f"unreadable {line}")
    for u in decoder[:UNREADABLE_SHOWN]:  # read again at every index: the plugin installed, they show
        print(f"decoder   {one_line(u['path'])}: {one_line(u['error'])} (see README, DICOM)")
    if len(decoder) > UNREADABLE_SHOWN:
        print(f"decoder   ... and {len(decoder) - UNREADABLE_SHOWN} more (--json lists them all)")
    if not info["images"] and info["indexed"]:
        print(f"(no images found in {info['root']}: it is indexed and holds no image files)", file=sys.stderr)
    elif not info["images"]:
        from .cli_args import index_command

        print(f"(no images indexed yet: {index_command(args.folder, args.db)})", file=sys.stderr)
    return EXIT_OK


def cmd_labels(args) -> int:
    if args.labels_cmd == "add" and args.key is not None and len(args.names) > 1:
        # one shortcut for several labels: the second was refused as 'already used'
        args.add_parser.error(f"--key takes one label name (it is that label's shortcut), not "
                              f"{len(args.names)}; add the others without --key")
    if args.labels_cmd == "set" and args.color is None and args.key is None and args.exclusive is None:
        args.set_parser.error("nothing to change: give --color, --key or --exclusive/--no-exclusive")
    with _project(args, create=args.labels_cmd == "add") as project:  # list, remove: only a project there
        if args.labels_cmd == "add":  # all the names, or (one refused) none
            names, existing = list(args.names), []
            if args.exist_ok:  # a setup script run twice: the labels there already are no error
                there = {label.name: label for label in project.labels()}
                existing = [there[n] for n in names if n in there]
                names = [n for n in names if n not in there]
                for label in existing:
                    print(f"{label.name}: already there (key {label.shortcut or '-'}, colour {label.color}"
                          f"{', exclusive' if label.exclusive else ''})", file=sys.stderr)
            added = (project.add_labels(names, args.color, args.key, args.description or "", args.exclusive)
                     if names else [])
            if args.json:
                print(json.dumps({"added": [dict(label.__dict__) for label in added],
                                  "existing": [dict(label.__dict__) for label in existing]}))
            else:
                for label in added:
                    print(f"added {label.name} (key {label.shortcut or '-'}, colour {label.color}"
                          f"{', exclusive' if label.exclusive else ''})")
        elif args.labels_cmd == "set":
            _set_label(args, project)
        elif args.labels_cmd == "remove":
            from .cli_args import actor as _actor

            actor = _actor(args, args.config)
            removed = list(zip(args.names, project.remove_labels(args.names, actor, force=args.force)))
            if args.json:
                print(json.dumps({"removed": [{"name": name, "images": n} for name, n in removed]}))
            else:
                for name, n in removed:
                    print(f"removed {name}" + (f" from {n} image(s)" if n else ""))
        else:
            usage = project.label_usage()
            labels = project.labels()
            if args.json:
                print(json.dumps({"labels": [dict(l.__dict__, images=usage.get(l.name, 0)) for l in labels]},
                                 indent=2))
            elif not labels:  # it printed nothing, as if it had failed
                from .cli_args import index_command

                db = index_command("", args.db)[len("llmvis index "):]
                print(f"(no labels yet: llmvis labels add {args.folder} NAME...{db})", file=sys.stderr)
            else:
                for l in labels:
                    print(f"{l.shortcut or '-'}  {l.name:20s} {l.color}  {usage.get(l.name, 0):6d}  "
                          + ("[exclusive] " if l.exclusive else "") + l.description)
    return EXIT_OK


def _set_label(args, project) -> None:
    """`llmvis labels set`: the label's colour, key and exclusive flag, in one transaction;
    an unknown label, a key another label has or a bad colour is refused by name (exit 1)."""
    changes = {}
    if args.color is not None:
        changes["color"] = args.color
    if args.key is not None:
        changes["shortcut"] = args.key
    if args.exclusive is not None:
        changes["exclusive"] = args.exclusive
    label = project.update_label(args.name, **changes)
    both = project.exclusive_clash_count(label.name) if label.exclusive and args.exclusive else 0
    if args.json:
        print(json.dumps({"label": dict(label.__dict__), "images_with_others": both}))
        return
    print(f"{label.name}: key {label.shortcut or '-'}, colour {label.color}"
          + (", exclusive" if label.exclusive else ""))
    if both:
        print(f"{both} image(s) carry {label.name} with another label: they keep them until their labels "
              "are next changed", file=sys.stderr)
