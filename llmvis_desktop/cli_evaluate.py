"""``llmvis evaluate FOLDER [--db URL] [--json] [--include-repairs]``: how good the suggestions are, from the reviews.

The lead's ``cli.py`` calls :func:`add_parsers` with its subparsers. The handler
returns 0 when the report was printed, 1 with one line on stderr saying why not, 130\nwhen interrupted.
"""
from __future__ import annotations

import json
import sys

from .core.errors import database_state, first_line
from .core.wording import one_line


def add_parsers(subparsers) -> None:
    from .cli_args import add_db

    p = subparsers.add_parser(
        "evaluate",
        help="suggestion quality from the reviews: per-label P/R/F1, acceptance, caption edit distance, calibration",
    )
    p.add_argument("folder", help="the project's image folder")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--include-repairs", action="store_true",
                   help="also score the suggestions on the images a linked repair wrote (repaired copies; left "
                        "out by default: they are reviewed at their source, not in the review queue)")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args) -> int:
    from .cli_args import interrupted, no_project, open_project, require_indexed
    from .core.project import ProjectError
    from .core.suggest.evaluate import evaluate, format_report
    from .core.suggest.evaluate_report import rounded

    missing = no_project(args)
    if missing:  # a report reads a project: it does not make an empty one in a mistyped folder
        print(f"llmvis evaluate: {one_line(missing)}", file=sys.stderr)
        return 1
    try:
        with open_project(args) as project:
            if project.db_note:
                print(f"note: {project.db_note}", file=sys.stderr)
            report = evaluate(require_indexed(project, args.folder, args.db),
                              include_repairs=getattr(args, "include_repairs", False))
    except ProjectError as exc:
        print(f"llmvis evaluate: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"llmvis evaluate: {interrupted('nothing was changed (a report only reads the project)')}",
              file=sys.stderr)
        return 130
    except Exception as exc:  # the last resort: one line; the traceback only with --debug
        if getattr(args, "debug", False):
            raise
        if database_state(exc):  # damaged, busy...: in words, naming its file (as every command says it)
            print(f"llmvis evaluate: {one_line(first_line(exc, database=getattr(args, 'database_shown', None)))}",
                  file=sys.stderr)
            return 1
        print(f"llmvis evaluate: failed: {type(exc).__name__}: {one_line(first_line(exc))}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(rounded(report), indent=2, sort_keys=True))  # no float noise
    else:
        print(format_report(report, how_to_include="--include-repairs"))
    return 0

