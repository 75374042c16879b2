"""``llmvis evaluate``'s text gave one caption edit distance, all captioners pooled, and
never said whose: the dashboard's Captions table and ``--json`` (``captions.by_model``)
had it per model. Two captioners, figures worked out by hand (hhunt20_scenario), now a
line each in the text, as in ``--json``."""
from __future__ import annotations

import argparse
import json

import hhunt20_scenario as sc
import pytest

from llmvis_desktop import cli_evaluate
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion

CAP2 = "git-captioner"


def _cli(argv) -> int:
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parsers(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_the_text_gives_each_captioners_edit_distance(tmp_path, capsys):
    root = tmp_path / "imgs"
    p = sc.build(root)
    try:  # a second captioner on d (never reviewed): "rust spots", edited to "rusty spots"
        d = p.image_by_path("d.png").id
        [sid] = p.add_suggestions([NewSuggestion(d, "caption", "rust spots", CAP2, 0.6, "g1")])
        ra.decide_suggestion(p, d, sid, "edited", sc.QA, "rusty spots")
    finally:
        p.close()
    assert _cli(["evaluate", str(root), "--json"]) == 0
    caps = json.loads(capsys.readouterr().out)["captions"]
    # by hand: blip a 0, b 1 (reviewed, cleared), c 0, f 1 (rejected): 0.5 over 4;
    # git: one insertion in 11 characters
    assert caps["by_model"][sc.CAP]["decided"] == 4 and caps["by_model"][sc.CAP]["mean_edit_distance"] == 0.5
    assert caps["by_model"][CAP2]["mean_edit_distance"] == pytest.approx(1 / 11, abs=1e-6)
    assert caps["decided"] == 5 and caps["mean_edit_distance"] == pytest.approx((2 + 1 / 11) / 5, abs=1e-6)

    assert _cli(["evaluate", str(root)]) == 0
    text = capsys.readouterr().out.splitlines()
    head = next(i for i, line in enumerate(text) if line.startswith("Captions:"))
    assert "0.418 over 5 decided" in text[head]  # (2 + 1/11) / 5
    rows = {line.split()[0]: line.split()[1:] for line in text[head + 2:head + 4]}
    assert rows == {sc.CAP: ["4", "0.500", "0"], CAP2: ["1", "0.091", "0"]}
    assert text[head + 4] == ""  # and no more
