"""A repair's output (a repaired copy, reviewed at its source) is not work: `llmvis
evaluate` scored its suggestions as if it were, the uncertainty sort ranked it among the
images to review, and `llmvis suggest --learned` left it out with nothing tested. Now
evaluate leaves its suggestions out unless --include-repairs and says how many, the
uncertainty sort puts it after the queue, and the learned run's skip is tested."""
from __future__ import annotations

import json

import numpy as np

from llmvis_desktop import cli
from llmvis_desktop.core import review_actions
from llmvis_desktop.core.repair import apply as apply_mod
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate

# two indexed 40x40 noise PNGs on SQLite and PostgreSQL, and a classical repair of a box in one
from test_repair_unlink import _repair, project  # noqa: F401 - project: the fixture

try:
    from . import tiny_models
except ImportError:
    import tiny_models

MODEL = "labeler-x"


def _suggest_and_review(p, out_id):
    """A label card on b.png and on the repair output, each accepted (reviewed)."""
    p.add_label("scratch")
    b = p.image_by_path("b.png").id
    p.add_suggestions([NewSuggestion(b, "label", "scratch", MODEL, score=0.9),
                       NewSuggestion(out_id, "label", "scratch", MODEL, score=0.8),
                       NewSuggestion(out_id, "caption", "a scratch", MODEL, score=0.7)])
    for i in (b, out_id):
        review_actions.accept(p, i, "alice")
    return b


def test_evaluate_leaves_the_repair_outputs_suggestions_out_unless_asked(project):  # noqa: F811
    p = project
    out_id = _repair(p, "a.png").output_image_id
    _suggest_and_review(p, out_id)
    r = evaluate(p)
    assert r["repair_outputs_left_out"] == {"images": 1, "suggestions": 2}
    assert r["images"]["reviewed"] == 1 and r["suggestions"] == 1  # b.png's card alone
    assert r["labels"]["micro"]["tp"] == 1 and r["captions"]["decided"] == 0
    assert [a["decided"] for a in r["acceptance"]] == [1]
    everything = evaluate(p, include_repairs=True)
    assert everything["repair_outputs_left_out"] == {"images": 0, "suggestions": 0}
    assert everything["images"]["reviewed"] == 2 and everything["suggestions"] == 3
    assert everything["labels"]["micro"]["tp"] == 2 and everything["captions"]["decided"] == 1


def test_llmvis_evaluate_says_what_it_left_out(project, capsys):  # noqa: F811
    p = project
    out_id = _repair(p, "a.png").output_image_id
    _suggest_and_review(p, out_id)
    args = ["evaluate", str(p.root)] + (["--db", p.db_url] if p.db_url.startswith("postgresql") else [])
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert ("2 suggestions on 1 repair output left out (repaired copies are reviewed at their source); "
            "--include-repairs counts them") in text, text
    assert cli.main(args + ["--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["repair_outputs_left_out"] == {"images": 1, "suggestions": 2} and not r["repair_outputs_included"]
    assert cli.main(args + ["--json", "--include-repairs"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["suggestions"] == 3 and r["repair_outputs_included"]
    assert cli.main(args + ["--include-repairs"]) == 0
    assert "repair output" not in capsys.readouterr().out


def test_the_uncertainty_sort_puts_an_unreviewed_repair_output_after_the_queue(project):  # noqa: F811
    p = project
    out_id = _repair(p, "a.png").output_image_id
    a, b = p.image_by_path("a.png").id, p.image_by_path("b.png").id
    p.add_label("scratch")
    # the output is the least sure: it came first in the review queue
    p.add_suggestions([NewSuggestion(a, "label", "scratch", MODEL, score=0.5),
                       NewSuggestion(b, "label", "scratch", MODEL, score=0.6),
                       NewSuggestion(out_id, "label", "scratch", MODEL, score=0.1)])
    assert p.image_ids(None, "uncertainty") == [a, b, out_id]
    assert p.image_ids(None, "score") == [b, a, out_id]
    review_actions.accept(p, a, "alice")  # reviewed ones before the repair outputs
    assert p.image_ids(None, "uncertainty") == [b, a, out_id]
    review_actions.accept(p, out_id, "alice")  # reviewed, it is ranked as a reviewed image
    assert p.image_ids(None, "uncertainty") == [b, out_id, a]


def test_llmvis_suggest_learned_leaves_repair_outputs_out_unless_asked(tmp_path, capsys):
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 14)
    p = tiny_models.labelled_project(folder, ("dent", "scratch"))
    try:
        for k, i in enumerate(p.image_ids(sort="name")[:10]):
            p.set_labels(i, ["dent" if k % 2 else "scratch"], "alice")
            p.set_status(i, "reviewed", "alice")
        mask = np.zeros((20 + 2 * 12, 24 + 3 * 12), bool)
        mask[2:8, 2:10] = True
        out_id = apply_mod.repair_file(folder / "img012.png", mask, method="telea", project=p,
                                       actor="tester").output_image_id
    finally:
        p.close()
    assert main(["suggest", str(folder), "--learned", "--no-index"]) == 0
    got = capsys.readouterr()
    assert "4 suggestions" in got.out, got.out
    assert "note: 1 repair output left out" in got.err and "--include-repairs" in got.err, got.err
    assert main(["suggest", str(folder), "--learned", "--no-index", "--all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["learned"]["repair_outputs_skipped"] == 1
    with tiny_models.labelled_project(folder, ()) as p:
        assert p.suggestions(out_id) == []
    assert main(["suggest", str(folder), "--learned", "--no-index", "--include-repairs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["learned"]["repair_outputs_skipped"] == 0
    with tiny_models.labelled_project(folder, ()) as p:
        assert p.suggestions(out_id)
