"""`llmvis evaluate`'s "Acceptance per model" had a "pending" column and no "suggested";
the Evaluation dashboard's acceptance table a "suggested" column and no "pending": two
different figures (suggested = decided + pending) that read as one renamed. Both now show
the same columns under the same words, each with the same figure for the same model."""
from __future__ import annotations

from test_evaluation_dialog import _report

from llmvis_desktop.core.suggest.evaluate_report import format_report
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog


def test_the_text_report_and_the_dashboard_show_the_same_acceptance_columns(qtbot):
    rep = _report()
    for a in rep["acceptance"]:  # (a missing rate is "-" in the text, "\u2013" on screen)
        a["rate_as_is"] = a["accepted"] / a["decided"]
    lines = format_report(rep).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Acceptance per model"))
    header, rows = lines[at + 1], lines[at + 2:at + 4]

    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    t = w.acceptance_table
    heads = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    figures = heads[1:heads.index("label P")]  # (the model's label scores: the dashboard's only)
    assert "suggested" in figures and "pending" in figures
    assert header.split() == ["model"] + " ".join(figures).split()  # the same words, in the same order
    for r, line in enumerate(rows):
        cells = [t.item(r, c).text() for c in range(len(figures) + 1)]
        assert line.split() == cells[0].split() + " ".join(cells[1:]).split(), (line, cells)
    assert "suggested: the model's cards, decided or pending" in lines[at]
    assert "suggested: the model's cards, decided or pending" in w.acceptance_note.text()
