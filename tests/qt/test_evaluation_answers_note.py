"""The dashboard's Acceptance tab says how many answers to questions were left out of it
(core: tests/core/test_evaluate_answers.py)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402
from test_evaluation_dialog import _report  # noqa: E402


def test_the_acceptance_tab_says_answers_are_left_out(qtbot):
    rep = _report()
    rep["answers"] = {"blip-base": {"kept": 2, "dropped": 0, "pending": 1}}
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    assert "3 answers to questions left out of acceptance (2 kept as notes, 1 pending)" in w.acceptance_note.text()
    w.set_report(_report())  # none: not said
    assert "answers" not in w.acceptance_note.text()
