"""The README's CLI table says each synopsis is the command's whole usage as `--help` prints
it, less -h and --db; `llmvis suggest`'s lacked --include-repairs (the repaired copies left
out of a job unless asked). Every option each command's parser takes is in its row."""
from __future__ import annotations

import argparse
import pathlib

from llmvis_desktop.cli import build_parser

README = pathlib.Path(__file__).parents[2] / "README.md"


def _commands(parser: argparse.ArgumentParser, words=()):
    """(("labels", "set"), its parser), for every command and action."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield words, parser
        return
    for name, child in subs[0].choices.items():
        yield from _commands(child, words + (name,))


def _rows() -> list[str]:
    """The first cell of each command row (a "\\|" inside it is part of the cell)."""
    return [line.replace("\\|", "\0").split("|")[1].replace("\0", "|")
            for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `llmvis ")]


def test_every_option_is_in_its_commands_synopsis():
    rows = _rows()
    missing = []
    for words, parser in _commands(build_parser()):
        start = "llmvis " + " ".join(words) + " "
        # (a row may hold two commands: "`llmvis labels list ...` / `llmvis labels remove ...`")
        synopses = [part for row in rows for part in (p.strip().lstrip("`") for p in row.split(" / `"))
                    if part.startswith(start)]
        assert synopses, f"no README row for llmvis {' '.join(words)}"
        said = " ".join(synopses)
        for action in parser._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt not in ("--help", "--db") and opt not in said:
                    missing.append(f"llmvis {' '.join(words)} {opt}")
    assert not missing, missing


def test_labels_set_has_its_row():
    assert any(row.strip().startswith("`llmvis labels set FOLDER NAME") for row in _rows())
