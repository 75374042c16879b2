"""One suggestion of a removed label (hhunt20_scenario: c's stain card) was counted as
"1 suggestions of labels no longer in the taxonomy left out", in the text report and on
the dashboard, and one imported score outside 0-1 as "1 scores outside 0-1"."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

import hhunt20_scenario as sc  # noqa: E402

from llmvis_desktop.core.suggest.evaluate import evaluate, format_report  # noqa: E402
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402


def test_one_removed_labels_suggestion_is_one_suggestion(qtbot, tmp_path):
    p = sc.build(tmp_path / "imgs")
    try:
        report = evaluate(p)
    finally:
        p.close()
    assert report["labels"]["outside_taxonomy"] == 1  # by hand: c's stain card, decided before the removal
    text = format_report(report)
    assert "  (1 suggestion of a label no longer in the taxonomy left out)" in text.splitlines()
    assert "1 suggestions" not in text

    report["calibration_excluded"] = 1  # (an imported score of 7.5)
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    summary = w.summary.text()
    assert "<b>1</b> suggestion of a label no longer in the taxonomy left out." in summary
    assert "<b>1</b> score outside 0-1 left out of the calibration." in summary
    report["labels"]["outside_taxonomy"], report["calibration_excluded"] = 2, 3
    w.set_report(report)
    assert "<b>2</b> suggestions of labels no longer in the taxonomy left out." in w.summary.text()
    assert "<b>3</b> scores outside 0-1" in w.summary.text()
