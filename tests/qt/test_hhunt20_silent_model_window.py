"""A model that scored reviewed images and left no card on any (the learned suggester
judging every image free of every label) has label figures (``labels.by_model``: here a
missed scratch, recall 0) but no acceptance entry: the text report's "Labels per model"
listed it, the dashboard's Acceptance tab said "no suggestion yet", the model nowhere."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

LEARNED = "learned:cnn-v1"


def _report(tmp_path) -> dict:
    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(3):
        Image.new("L", (8, 8), 40 * k).save(root / f"{k}.png")
    with Project.open(root) as p:
        p.index()
        p.add_label("scratch")
        p.add_label("dent")
        a, b, _c = p.image_ids()
        p.record_suggest_runs([a, b], LEARNED, "L1", ["scratch", "dent"])  # both judged free
        p.set_labels(a, ["scratch"], "qa")  # ...but a has a scratch: missed
        for i in (a, b):
            p.set_status(i, "reviewed", "qa")
        return evaluate(p)


def test_a_model_with_label_figures_and_no_card_has_its_row(qtbot, tmp_path):
    report = _report(tmp_path)
    # by hand: 2 images scored, predicted {} and {}, truth {scratch} and {}: TP 0, FP 0, FN 1
    mine = report["labels"]["by_model"][LEARNED]["micro"]
    assert (mine["tp"], mine["fp"], mine["fn"], mine["recall"]) == (0, 0, 1, 0.0)
    assert report["acceptance"] == []
    assert LEARNED in format_report(report)  # the text names it

    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    t = w.acceptance_table
    rows = {t.item(r, 0).text(): [t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())}
    assert list(rows) == [LEARNED]
    head = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    row = dict(zip(head, rows[LEARNED]))
    assert (row["suggested"], row["decided"], row["rate"]) == ("0", "0", "–")
    assert (row["label P"], row["label R"], row["label F1"]) == ("–", "0.00", "0.00")
    assert not t.shows_empty_text()
