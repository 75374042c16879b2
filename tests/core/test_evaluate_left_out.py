"""evaluate(): reviewed images whose label suggestions are all left out are counted, with
why, in the report, its text and `llmvis evaluate` (text and --json). After files were
edited and re-indexed, the report said "label suggestions scored over 0 reviewed
images" (the dashboard: "no reviewed image has a label suggestion yet") beside an
Acceptance table of 15 decided cards, and nothing said where they went."""
from __future__ import annotations

import argparse
import json

import pytest

from llmvis_desktop import cli_evaluate
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report, left_out_lines

Z, L = "zeroshot:clip", "learned:linear"


@pytest.fixture
def proj(labeled_pngs):
    return labeled_pngs(4)


def _edit(path):
    """The file's content changed (one pixel): a touch alone is no change (0015)."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
    im.putpixel((0, 0), tuple(255 - v for v in im.getpixel((0, 0))))
    im.save(path)


def _cli(argv):
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parsers(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_reviewed_images_left_out_are_counted_with_why(proj, capsys):
    p, root, (a, b, c, d) = proj
    for i in (a, b):
        p.add_suggestions([NewSuggestion(i, "label", "scratch", Z, 0.9, "v1")])
        ra.accept(p, i, "rev")
    r = evaluate(p)
    assert r["images"]["with_label_suggestions"] == 2 and r["labels"]["left_out"] == {}
    assert left_out_lines(r) == []

    # a's file edited and indexed again
    _edit(root / "i0.png")
    assert p.index().changed == 1
    # c: the learned suggester guessed after the review (it may have learnt from it)
    ra.set_status(p, c, "reviewed", "rev")
    p.add_suggestions([NewSuggestion(c, "label", "dent", L, 0.7, "r1")])
    # d: its only label card is of a label removed since
    p.add_label("crack")
    p.add_suggestions([NewSuggestion(d, "label", "crack", Z, 0.8, "v1")])
    ra.accept(p, d, "rev")
    p.remove_label("crack", force=True, actor="rev")

    r = evaluate(p)
    assert r["images"]["with_label_suggestions"] == 1  # b only
    assert r["labels"]["left_out"] == {"file_changed": 1, "after_review": 1, "removed_labels": 1}
    lines = left_out_lines(r)
    assert lines == [
        "1 reviewed image left out: its file changed since its label suggestions were made "
        "(suggest again to score it)",
        "1 reviewed image left out: the learned suggester's guesses there came after the review "
        "(it may have learnt from it)",
        "1 reviewed image left out: its label suggestions are all of labels removed since",
    ]
    text = format_report(r)
    assert all(line in text for line in lines)

    db = [] if p.store.dialect == "sqlite" else ["--db", p.db_url]
    assert _cli(["evaluate", str(root), *db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["labels"]["left_out"] == {"file_changed": 1, "after_review": 1, "removed_labels": 1}
    assert _cli(["evaluate", str(root), *db]) == 0
    assert lines[0] in capsys.readouterr().out


def test_every_reviewed_image_left_out_says_so_instead_of_nothing_to_score(proj):
    p, root, ids = proj
    for i in ids:
        p.add_suggestions([NewSuggestion(i, "label", "scratch", Z, 0.9, "v1")])
        ra.accept(p, i, "rev")
    for f in root.glob("*.png"):
        _edit(f)
    assert p.index().changed == 4
    r = evaluate(p)
    assert r["images"]["with_label_suggestions"] == 0
    assert left_out_lines(r) == ["4 reviewed images left out: their files changed since their label "
                                 "suggestions were made (suggest again to score them)"]
    assert "scored over 0 of the 4 reviewed images" in format_report(r)
    assert left_out_lines(r)[0] in format_report(r)
