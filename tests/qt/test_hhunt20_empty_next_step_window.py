"""An empty project's evaluation (no suggestion, nothing reviewed) said only what was
missing ("no reviewed image has a label suggestion yet", "no suggestion decided yet") in
the dashboard and in ``llmvis evaluate``, not what to do to get figures. Both now say it:
make suggestions (how, in each front end's words), then review the images."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog


def _reports(tmp_path) -> tuple[dict, dict, dict]:
    """(nothing at all, suggestions and nothing reviewed, one image reviewed)."""
    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(2):
        Image.new("L", (8, 8), 90 * k).save(root / f"{k}.png")
    with Project.open(root) as p:
        p.index()
        p.add_label("dent")
        empty = evaluate(p)
        a, _b = p.image_ids()
        p.add_suggestions([NewSuggestion(a, "label", "dent", "org/labeler", 0.8, "r1")])
        suggested = evaluate(p)
        p.set_status(a, "reviewed", "qa")
        return empty, suggested, evaluate(p)


def test_an_empty_evaluation_says_what_to_do(qtbot, tmp_path):
    empty, suggested, reviewed = _reports(tmp_path)
    text = format_report(empty).splitlines()
    assert text[1].startswith("Nothing to evaluate yet: make suggestions (llmvis suggest FOLDER), then review")
    assert "Enter accepts" in text[1] and "Delete rejects" in text[1]
    assert format_report(suggested).splitlines()[1].startswith("Nothing is scored until an image is decided: "
                                                               "review the images")
    assert "Nothing" not in format_report(reviewed)

    w = EvaluationDialog(empty)
    qtbot.addWidget(w)
    for where in (w.summary.text(), w.label_bars.empty_text):
        assert "Run captioner/labeler on" in where and "Enter accepts" in where, where
    assert "llmvis suggest" not in w.summary.text()  # the window's words, not the command's
    w.set_report(suggested)
    assert "Nothing is scored until an image is decided" in w.summary.text()
    w.set_report(reviewed)
    assert "Nothing" not in w.summary.text() and "Enter" not in w.label_bars.empty_text
