"""``llmvis export`` and ``llmvis import``: argparse wiring over core.interchange.

The lead's ``cli.py`` calls :func:`add_parsers` with its subparsers; each handler
takes the parsed args (``args.folder``, ``args.db`` from the parent parser) and
returns an exit code: 0 done, 1 refused or failed (one line on stderr saying why).
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from .core.errors import database_state, first_line
from .core.wording import one_line, plural

from .core.interchange.common import COPY_FORMATS, iso
from .core.interchange import (
    FORMATS,
    ExportOptions,
    InterchangeError,
    WrongFormat,
    export_path,
    export_project,
    import_file,
)
from .core.project import Project, ProjectError
from .cli_args import absolute, actor, add_actor, add_db, interrupted, no_project, open_project, require_indexed
from .cli_progress import ProgressBar
from .core.tasks import Cancelled


def _split(text: str) -> tuple[float, float, float]:
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give fractions like 0.8,0.1,0.1") from None
    if (not 1 <= len(parts) <= 3 or any(not math.isfinite(p) or p < 0 for p in parts)
            or sum(parts) <= 0):
        raise argparse.ArgumentTypeError(f"{text!r}: give one to three non-negative fractions")
    parts += [0.0] * (3 - len(parts))
    return tuple(parts)  # type: ignore[return-value]


def add_parsers(subparsers) -> None:
    fmts = [k for k, spec in FORMATS.items() if spec.export is not None]  # labelme: import only
    readable = [k for k, spec in FORMATS.items() if spec.parse is not None]  # history: export only
    ex = subparsers.add_parser("export", help="export annotations (COCO, YOLO, CSV, HF jsonl, txt, Label Studio, "
                                              "CVAT) or the audit trail (history)")
    ex.add_argument("folder", help="the project's image folder")
    add_db(ex)
    ex.add_argument("--format", required=True, choices=fmts, help="the output format (docs/interchange.md)")
    ex.add_argument("--out", required=True, metavar="PATH",
                    help="output file (coco, csv, labelstudio, cvat, history) or folder; a folder export (yolo, jsonl) "
                         "goes outside the project folder, txt sidecars may go next to the images")
    ex.add_argument("--force", action="store_true",
                    help="replace an existing output file (never the project's database or one of its images)")
    ex.add_argument("--reviewed-only", action="store_true",
                    help="only images whose status is reviewed (rejected ones are left out; for the history "
                         "with the rejections too, --decided-only)")
    ex.add_argument("--decided-only", action="store_true",
                    help="history only: only images a person decided, reviewed or rejected, with every event "
                         "and suggestion of theirs (a rejection is a decision the audit trail keeps)")
    ex.add_argument("--include-suggestions", action="store_true",
                    help="also the pending model suggestions (labelstudio: the decided ones too, with their outcome; "
                         "--format history exports every suggestion and event whatever this says)")
    ex.add_argument("--include-repairs", action="store_true", help="link repaired images to their source")
    # --split, --seed, --link, --images-8bit: given with another format, a usage error (run_export)
    ex.add_argument("--split", type=_split, default=None, metavar="TRAIN,VAL[,TEST]",
                    help="split fractions (yolo, jsonl; default 0.8,0.2)")
    ex.add_argument("--seed", type=int, default=None, metavar="N",
                    help="yolo, jsonl: seed of the per-image split (default 0)")
    ex.add_argument("--link", action="store_true",
                    help="yolo, jsonl: hard-link the images (a symbolic link where a hard link cannot be made) "
                         "instead of copying them; DICOM files are still written de-identified (unless "
                         "--keep-dicom-identifiers), and with --images-8bit DICOM, 16-bit and float ones as PNG")
    ex.add_argument("--images-8bit", action="store_true",
                    help="yolo, jsonl: write DICOM, 16-bit and float images as 8-bit PNG (<name>.png; a "
                         "de-identified DICOM anon/<hash>.dcm.png, no tag kept; a multi-frame one's first frame), "
                         "rendered as the viewer shows them, instead of copying (with --link, linking) them as they "
                         "are (training loaders misread 16-bit images and cannot read DICOM)")
    ex.add_argument("--keep-dicom-identifiers", action="store_true",
                    help="do NOT de-identify DICOM-derived images (names, tags, UIDs)")
    ex.add_argument("--json", action="store_true",
                    help="print the report (counts, files written, warnings) as JSON; a failure as "
                         "{\"error\", \"exit_code\"}")
    ex.set_defaults(func=run_export, export_parser=ex)

    im = subparsers.add_parser("import", help="import annotations or suggestions from a file or folder")
    im.add_argument("folder", help="the project's image folder")
    add_db(im)
    im.add_argument("--format", required=True, choices=readable, help="the input's format (docs/interchange.md)")
    im.add_argument("path", help="file (coco, csv, labelstudio, cvat) or folder (yolo, jsonl, txt: its .txt or .caption "
                                 "sidecars) to import; a zip archive (any of them) is read as it is")
    im.add_argument("--member", default=None, metavar="NAME",
                    help="in a zip archive, the file (or labelme, jsonl, yolo, txt folder) to import, when it holds "
                         "several")
    im.add_argument("--as", dest="as_", choices=("reviewed", "suggestions"), default="reviewed",
                    help="write reviewed annotations (default) or pending suggestions")
    im.add_argument("--overwrite", action="store_true",
                    help="replace existing reviewed annotations that differ (default: report them); a record older "
                         "than its image's last change is still reported, not applied")
    im.add_argument("--overwrite-newer", action="store_true",
                    help="with --overwrite: replace even annotations changed after the file's record (its time); "
                         "the image's reviewer and time are never moved back")
    add_actor(im)
    im.add_argument("--json", action="store_true",
                    help="print the report (counts, conflicts, unmatched records, warnings) as JSON; a failure "
                         "as {\"error\", \"exit_code\"}")
    im.set_defaults(func=run_import)


def _open(args) -> Project:
    return open_project(args)


def run_export(args) -> int:
    if args.out.strip() == "-":  # it wrote a file named "-" and the summary into the pipe
        args.export_parser.error("--out -: an export is written to files, not to stdout; give a file name "
                                 "(coco, csv, labelstudio, cvat, history) or a folder (yolo, jsonl, txt)")
    if args.format not in COPY_FORMATS:  # accepted and silently ignored (exit 0), --images-8bit refused
        given = [opt for opt, value in (("--split", args.split), ("--seed", args.seed), ("--link", args.link),
                                        ("--images-8bit", args.images_8bit)) if value is not None and value is not False]
        if given:
            args.export_parser.error(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to the "
                                     f"formats that copy the images ({', '.join(COPY_FORMATS)}), not {args.format}")
    if args.decided_only and args.format != "history":
        args.export_parser.error(f"--decided-only applies to --format history only, not {args.format} "
                                 "(use --reviewed-only)")
    if args.decided_only and args.reviewed_only:
        args.export_parser.error("give --reviewed-only or --decided-only, not both")
    missing = no_project(args)
    if missing:  # before Project.open: it made an empty project database in a mistyped folder
        print(f"llmvis export: {one_line(missing)}", file=sys.stderr)
        return 1
    opts = ExportOptions(
        reviewed_only=args.reviewed_only, decided_only=args.decided_only, include_suggestions=args.include_suggestions,
        include_repairs=args.include_repairs, split=args.split or ExportOptions.split,
        seed=ExportOptions.seed if args.seed is None else args.seed, link=args.link,
        anonymize=not args.keep_dicom_identifiers, images_8bit=args.images_8bit,
    )
    # a file name given with no extension gets the format's ("annotations" -> "annotations.csv")
    out, added = export_path(args.format, args.out)
    report, code = _guarded("export", "", lambda project, bar: export_project(
        require_indexed(project, args.folder, args.db), args.format, out, opts, progress=bar, force=args.force), args,
        stopped=interrupted("nothing was left half-written (a new file or folder is removed; caption "
                            "sidecars already written into an existing folder stay, each whole)"))
    if report is None:
        return code
    report.suffix_added = added  # said in the summary line
    for w in report.warnings:
        print(f"warning: {one_line(w)}", file=sys.stderr)
    if report.warnings_dropped:
        print(f"warning: {report.warnings_dropped:,} more {plural(report.warnings_dropped, 'warning')} "
              f"not kept (the first {len(report.warnings):,} are above)", file=sys.stderr)
    if args.json:
        print(json.dumps(export_json(report)))
    else:
        print(f"{one_line(report.summary())} in {report.seconds:.2f} s")
    return 0


def export_json(report) -> dict:
    """An export's report as ``--json`` prints it: its counts, ``out`` and ``warnings``."""
    return {"format": report.format, "out": absolute(report.out), "images": report.images,
            "annotations": report.annotations, "labels": report.labels, "captions": report.captions,
            "suggestions": report.suggestions, "events": report.events, "files_written": report.files_written,
            "warnings": list(report.warnings), "warnings_dropped": report.warnings_dropped,
            "warned_images": {what: list(names) for what, names in report.warned_images.items()},
            "seconds": round(report.seconds, 3)}


def import_json(report) -> dict:
    """An import's report as ``--json`` prints it: its counts and, whole, the lists the text
    names a few of (conflicts, each with both values and times; records naming no image)."""
    conflicts = [{"file_name": c.file_name, "field": c.field, "existing": c.existing, "incoming": c.incoming,
                  "existing_time": iso(c.existing_time), "existing_by": c.existing_by,
                  # (the file's time and reviewer: for a record older than the image's change, as before)
                  "incoming_time": iso(c.incoming_time) if c.existing_time else None,
                  "incoming_by": c.incoming_by if c.existing_time else None} for c in report.conflicts]
    return {"format": report.format, "source": absolute(report.source), "as": report.as_, "records": report.records,
            "matched": report.matched, "changed": report.changed, "unchanged": report.unchanged,
            "overwritten": report.overwritten, "suggestions_added": report.suggestions_added,
            "suggestions_known": report.suggestions_known, "suggestions_unseen": report.suggestions_unseen,
            "labels_created": report.labels_created,
            "labels_not_created": list(report.labels_not_created), "unmatched": list(report.unmatched),
            "several": list(report.several), "conflicts": conflicts,
            "matched_by_tail": [{"file_name": name, "image": rel} for name, rel in report.tail_matched],
            "matched_by_case": [{"file_name": name, "image": rel} for name, rel in report.matched_by_case],
            "matched_by_suffix": [{"file_name": name, "image": rel} for name, rel in report.matched_by_suffix],
            "sidecars_skipped": [{"file_name": name, "image": rel, "read": kept}
                                 for name, rel, kept in report.sidecars_skipped],
            "not_marked": list(report.not_marked), "not_suggested": list(report.not_suggested),
            "marked_needing_decoder": list(report.marked_needing_decoder),
            "exclusive_clashes": [{"file_name": name, "labels": list(labels)}
                                  for name, labels in report.exclusive_clashes],
            "warnings": list(report.warnings),
            "seconds": round(report.seconds, 3)}


def _guarded(command: str, suffix: str, work, args, stopped: str):
    """Run ``work(project, bar)``: (its report, 0), or (None, exit code) with one line on
    stderr (1 an error, followed by ``suffix``; 130 ``stopped``: what an interrupt kept;
    the traceback only with --debug)."""
    bar = ProgressBar(enabled=None)  # a bar on a terminal; plain lines (no \r) in a log file
    code = 1
    try:
        with _open(args) as project:
            return work(project, bar), 0
    except (Cancelled, KeyboardInterrupt):
        message, code, suffix = stopped, 130, ""
    except (ProjectError, InterchangeError, OSError) as exc:
        if getattr(args, "debug", False):
            raise
        message = _elided(first_line(exc))
        if isinstance(exc, WrongFormat):  # what the file looks like: the option that reads it
            message += f"; try --format {exc.looks_like}"
    except Exception as exc:  # the last resort: still one line
        if getattr(args, "debug", False):
            raise
        # a database's known state (its disk full, locked, read-only) in words, naming its
        # file as index and suggest do ("failed: OperationalError: ..." named none)
        database = getattr(args, "database_shown", None)
        message = _elided(first_line(exc, database=database) if database_state(exc)
                          else f"failed: {type(exc).__name__}: {first_line(exc)}")
    finally:
        bar.close()
    print(f"llmvis {command}: {one_line(message)}{suffix}", file=sys.stderr)
    return None, code


#: the most characters of an error line: a longer one (a hostile file's value quoted)
#: loses its middle, not its end (cut at 500, a deep folder's path hid the reason)
MESSAGE_LIMIT = 5000


def _elided(line: str, limit: int = MESSAGE_LIMIT) -> str:
    if len(line) <= limit:
        return line
    half = (limit - 5) // 2
    return f"{line[:half]} ... {line[-half:]}"


def run_import(args) -> int:
    who = actor(args)
    missing = no_project(args)
    if missing:  # as export: it made an empty project database in a mistyped folder
        print(f"llmvis import: {one_line(missing)} (nothing was imported)", file=sys.stderr)
        return 1
    report, code = _guarded("import", " (nothing was imported)", lambda project, bar: import_file(
        require_indexed(project, args.folder, args.db), args.format, args.path, as_=args.as_, overwrite=args.overwrite,
        progress=bar, actor=who, overwrite_newer=args.overwrite_newer, member=args.member), args,
        stopped=interrupted("nothing was imported"))
    if report is None:
        return code
    for w in report.warnings:
        print(f"warning: {one_line(w)}", file=sys.stderr)
    for c in report.conflicts[:50]:
        print(f"conflict: {one_line(str(c))}", file=sys.stderr)
    if len(report.conflicts) > 50:
        print(f"... and {len(report.conflicts) - 50} more conflict(s)", file=sys.stderr)
    if report.conflicts:
        newer = any(c.existing_time is not None for c in report.conflicts)
        print("conflicting images were left untouched; re-run with --overwrite to replace them"
              + (" (--overwrite --overwrite-newer for those changed after the file's record)" if newer else ""),
              file=sys.stderr)
    if args.json:
        print(json.dumps(import_json(report), default=str))  # a value of a file's own type: as text
    else:
        print(f"{one_line(report.summary())} in {report.seconds:.2f} s")
    return 0
