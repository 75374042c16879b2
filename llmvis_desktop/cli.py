"""`llmvis`: the headless front end on the same core as the GUI.

Exit codes: 0 success, 1 an error (one clear line on stderr; ``--debug`` adds the
traceback), 2 bad usage, 130 interrupted.
"""
from __future__ import annotations

import sys

try:  # a Ctrl+C while these load (the first moments of every command): main() says so, no traceback
    import argparse
    import json
    import logging
    import os
    from typing import Optional, Sequence

    from . import __version__
    from .cli_args import RUN_AGAIN, interrupted, term_as_interrupt
    from .cli_streams import NoEscapes, Recorder, bare_error, drop_stdout, legible
    from .core.errors import first_line
    from .core.wording import one_line

    def _test_pause() -> None:  # the tests' hook: wait here, as a slow import would
        import os

        marker = os.environ.get("LLMVIS_TEST_IMPORT_PAUSE")
        if marker:
            open(marker, "w").close()
            import time

            time.sleep(60)

    _test_pause()
except KeyboardInterrupt:
    _INTERRUPTED_LOADING = True
else:
    _INTERRUPTED_LOADING = False

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `ls` in `ls | head`
FRONT_MODULES = ("cli_project", "cli_interchange", "cli_evaluate", "cli_suggest", "cli_repair", "cli_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmvis", description="llmvis_desktop headless commands")
    parser.add_argument("--version", action="version", version=f"llmvis {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    from importlib import import_module

    for module in FRONT_MODULES:  # each registers its own subcommands; all import lazily
        import_module(f".{module}", __package__).add_parsers(sub)
    return parser


#: the commands whose first word is followed by an action (`llmvis labels add ...`)
_NESTED = ("labels", "repair", "models", "cache")


def command_name(argv: Sequence[str]) -> str:
    """``llmvis CMD`` (``llmvis labels add``) as typed on a command line: the prefix of its
    error lines, known before the line is parsed (an interrupt while the modules load)."""
    end = list(argv).index("--") if "--" in argv else len(argv)
    words = [a for a in list(argv)[:end] if not a.startswith("-")]
    n = 2 if words and words[0] in _NESTED else 1
    return " ".join(["llmvis", *words[:n]])


INTERRUPTED_EARLY = "interrupted before anything was done"


def _said_interrupted(argv: list) -> int:
    """A Ctrl+C (or SIGTERM) before the command began: ``llmvis CMD: interrupted before
    anything was done`` on stderr and, with --json, the object on stdout too; 130."""
    print(f"{command_name(argv)}: {INTERRUPTED_EARLY}", file=sys.stderr)
    end = argv.index("--") if "--" in argv else len(argv)
    if "--json" in argv[:end]:
        import json as _json  # (its import may be the one a Ctrl+C stopped)

        print(_json.dumps({"error": INTERRUPTED_EARLY, "exit_code": EXIT_INTERRUPTED}))
    return EXIT_INTERRUPTED


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; ``argv`` None: this is the process's entry (the `llmvis` script,
    ``python -m llmvis_desktop.cli``), which ends at once past a busy model thread."""
    code = _main_once(argv)
    if argv is None:
        _exit_past_model_threads(code)
    return code


def _exit_past_model_threads(code: int) -> None:
    """An interrupted job leaves its model thread busy in torch's C++ code (a load, an
    unload); the interpreter's exit stopped it there: SIGABRT, exit 134 ("terminate
    called without an active exception"). All is said and committed: end here."""
    mod = sys.modules.get("llmvis_desktop.core.suggest.worker")
    if mod is None or not mod.busy_threads():
        return
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a reader gone (`| head`)
            pass
    logging.shutdown()
    os._exit(code)


def _main_once(argv: Optional[Sequence[str]]) -> int:
    if _INTERRUPTED_LOADING:  # Ctrl+C while this module's imports ran: a traceback before
        return _said_interrupted(list(sys.argv[1:] if argv is None else argv))
    restore_term = term_as_interrupt()  # a kill (SIGTERM) stops every command as Ctrl+C does
    streams = sys.stdout, sys.stderr
    if None in streams:  # started with one closed (`llmvis index X >&-`): written to, it failed
        sys.stdout, sys.stderr = (s if s is not None else open(os.devnull, "w") for s in streams)
    legible(sys.stdout)  # (Windows, redirected: `added 傷` failed a done command, exit 1)
    argv = list(sys.argv[1:] if argv is None else argv)
    out = NoEscapes(sys.stdout)
    sys.stdout, sys.stderr = out, NoEscapes(sys.stderr)
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit: a reader gone (`| head`) is caught below
        return code
    except BrokenPipeError:  # the reader stopped reading (`llmvis labels list X | head -1`): a
        drop_stdout()        # quiet exit, as `ls | head` (it said "error: [Errno 32] Broken pipe", 1)
        return EXIT_PIPE
    except KeyboardInterrupt:  # before a command began (loading its modules): nothing done yet
        # said as every command says it: "llmvis CMD: ..." and, with --json, the object on
        # stdout too (a Ctrl+C or SIGTERM in the first second left stdout empty)
        return _said_interrupted(argv if not out.written else [a for a in argv if a != "--json"])
    finally:
        sys.stdout, sys.stderr = streams
        restore_term()


def _main(argv: Optional[Sequence[str]]) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # in a frozen build, the suggest job's reader processes start here
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)  # as typed: what a checkpoint's card records
    # --debug after the subcommand too (`llmvis index X --debug` was a usage error)
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    argv = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    json_asked = "--json" in argv[:end]
    err = Recorder(sys.stderr) if json_asked else None
    if err is not None:
        sys.stderr = err
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:  # said by the subcommand's parser, with its usage (the top level's said nothing of it)
            _chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
        empty = [name for name in _PATH_ARGUMENTS if getattr(args, name, None) == ""]
        if empty:
            _chosen_parser(parser, args).error(_empty_path(empty[0]))
    except SystemExit as exc:  # a usage error (2) says so on stdout too with --json
        if err is not None:
            _usage_json(exc, err)
        raise
    finally:
        if err is not None:
            sys.stderr = err.stream
    args.debug = args.debug or debug
    args.argv = given
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:  # Pillow's UserWarnings on damaged files ("Truncated File Read"): the
        import warnings  # file's one-line error already says it

        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    if not getattr(args, "json", False):
        return _run(args)
    # --json: a failure prints a JSON object too ({"error", "exit_code"}), for scripts
    # that read stdout; the one-line message stays on stderr
    out, err = Recorder(sys.stdout), Recorder(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        code = _run(args)
    except SystemExit as exc:  # a usage error found by the command (parser.error)
        sys.stdout = out.stream
        if not out.written:
            _usage_json(exc, err)
        raise
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
    if code != EXIT_OK and not out.written:
        print(json.dumps({"error": bare_error(err.last_line()) or "failed", "exit_code": code}))
    return code


#: the commands' positional file and folder arguments: what each should name
_PATH_ARGUMENTS = {"folder": "the image folder, or . for the current one", "path": "the file or folder to import",
                   "image": "the image file"}


def _empty_path(name: str) -> str:
    """The usage error of an empty FOLDER (PATH, IMAGE): a script's unset variable (`llmvis
    suggest "$DIR"`) was taken for the current folder, which was indexed and given a project
    database (`llmvis suggest ""` in a home folder listed all of it)."""
    return f"argument {name}: an empty string (an unset variable?); give {_PATH_ARGUMENTS[name]}"


def _chosen_parser(parser: argparse.ArgumentParser, args) -> argparse.ArgumentParser:
    """The parser of the (sub)command the line named: ``llmvis labels add``'s for
    ``llmvis labels add F x --jsn``."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, subs[0].dest, None) if subs else None
        if chosen not in (subs[0].choices if subs else {}):
            return parser
        parser = subs[0].choices[chosen]


def _run(args) -> int:
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{_prog(args)}: {interrupted('kept the work committed so far', RUN_AGAIN)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout's reader went away: main() exits quietly
        raise
    except Exception as exc:  # one clear line, the traceback only with --debug
        if args.debug:
            raise
        # "llmvis CMD: ..." as the commands say their own errors (this said "error: ...")
        print(f"{_prog(args)}: {one_line(_message(exc, getattr(args, 'database_shown', None)))}", file=sys.stderr)
        return EXIT_ERROR


def _prog(args) -> str:
    """``llmvis CMD`` (``llmvis labels add``) of the parsed line: its error lines' prefix."""
    words = [getattr(args, "command", None)] + [getattr(args, f"{n}_cmd", None) for n in _NESTED]
    return " ".join(["llmvis", *(w for w in words if w)])


def _usage_json(exc: SystemExit, err: Recorder) -> None:
    """With --json, a usage error (exit 2) prints {"error", "exit_code"} on stdout too."""
    if exc.code == EXIT_USAGE:
        print(json.dumps({"error": bare_error(err.last_line()) or "bad usage", "exit_code": EXIT_USAGE}))


def _message(exc: BaseException, database: Optional[str] = None) -> str:
    # a database error by its code (core/store/db_errors.py): "locked" anywhere in the text
    # took PostgreSQL's deadlock ("... blocked by process 34") for a locked database;
    # ``database``: the project's, as shown (a full disk names it)
    return first_line(exc, database=database)


if __name__ == "__main__":
    sys.exit(main())
