"""Images reviewed by hand and no model run yet ("no model at all"): the evaluation said
"0 suggestions" over empty tables and plots, and nothing of what to do, in
``llmvis evaluate`` and in the dashboard (only an empty project, nothing reviewed, said to
make suggestions). Both now say it: make suggestions, then review."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog


def test_reviews_and_no_suggestion_say_what_to_do(qtbot, tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(3):
        Image.new("L", (8, 8), 80 * k).save(root / f"{k}.png")
    with Project.open(root) as p:
        p.index()
        p.add_labels(["scratch", "dent"])
        a, b, c = p.image_ids(sort="name")
        ra.set_labels(p, a, ["scratch"], "qa")
        ra.set_status(p, a, "reviewed", "qa")
        ra.reject(p, b, "qa")
        by_hand = evaluate(p)
        p.add_suggestions([NewSuggestion(a, "label", "scratch", "org/labeler", 0.8, "r1")])
        suggested = evaluate(p)

    assert by_hand["suggestions"] == 0 and by_hand["images"]["reviewed"] == 1
    text = format_report(by_hand).splitlines()
    assert text[1].startswith("Nothing to evaluate yet: make suggestions (llmvis suggest FOLDER), then review")
    assert "Nothing" not in format_report(suggested)  # (a reviewed image with a label card: scored)

    w = EvaluationDialog(by_hand)
    qtbot.addWidget(w)
    for where in (w.summary.text(), w.label_bars.empty_text):
        assert "Run captioner/labeler on" in where and "Enter accepts" in where, where
    w.set_report(suggested)
    assert "Nothing" not in w.summary.text()
