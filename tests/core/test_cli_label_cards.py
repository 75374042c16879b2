"""How many label cards ``llmvis suggest --labeler`` writes, and that a user can see and
set why: the best label always, the next ones (up to ``--top-k``, default 3) only when
they score ``--min-score`` (default 0.3) or more. Before, the rule was in neither the
README nor ``--help``, and the CLI could not change it: one run gave 1 card per image,
another (a template making the scores flat) 3, with nothing saying why."""
from __future__ import annotations

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop import cli

LABELS = ("scratch", "dent", "ok")


@pytest.fixture
def folder(tmp_path):
    f = tiny_models.image_folder(tmp_path / "images", 3)
    tiny_models.labelled_project(f, LABELS).close()
    return f


def _cards(folder) -> dict[int, list]:
    from llmvis_desktop.core.project import Project

    p = Project.open(folder)
    try:
        out: dict[int, list] = {}
        for s in tiny_models.all_suggestions(p):
            if s.kind == "label" and s.outcome == "pending":
                out.setdefault(s.image_id, []).append((s.params["rank"], s.value, s.score))
        return out
    finally:
        p.close()


def _suggest(folder, tiny, *extra) -> int:
    return cli.main(["suggest", str(folder), "--labeler", str(tiny["clip"]), "--read-processes", "0", *extra])


def test_top_k_and_min_score_are_options(folder, tiny):
    # the tiny CLIP scores 'ok' about 0.9 and the other two well under 0.1
    assert _suggest(folder, tiny) == 0
    cards = _cards(folder)
    assert len(cards) == 3 and all(len(c) == 1 for c in cards.values())  # rank 2 and 3 are under 0.3
    # --all: the cards of the same model and template are replaced by the new pick
    assert _suggest(folder, tiny, "--all", "--min-score", "0", "--top-k", "2") == 0
    cards = _cards(folder)
    assert all(sorted(r for r, _v, _s in c) == [1, 2] for c in cards.values())
    assert _suggest(folder, tiny, "--all", "--min-score", "0") == 0  # top-k 3 by default
    assert all(len(c) == 3 for c in _cards(folder).values())
    assert _suggest(folder, tiny, "--all", "--top-k", "1", "--min-score", "0") == 0
    assert all(len(c) == 1 for c in _cards(folder).values())


@pytest.mark.parametrize("argv, says", [
    (["--top-k", "0"], "--top-k: must be 1 or more"),
    (["--min-score", "1.5"], "--min-score: must be between 0 and 1"),
    (["--min-score", "x"], "--min-score: not a number"),
])
def test_bad_values_are_usage_errors(folder, tiny, capsys, argv, says):
    with pytest.raises(SystemExit) as info:
        _suggest(folder, tiny, *argv)
    assert info.value.code == 2
    assert says in capsys.readouterr().err


def test_help_says_how_cards_are_picked(capsys):
    with pytest.raises(SystemExit):
        cli.main(["suggest", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--top-k N" in text and "--min-score X" in text
    assert "the best-scoring label always" in text
    assert "--all" in text and "redo" in text
