"""The evaluation window is titled as the menu item that opens it: Suggestions ▸
Evaluation dashboard… opened a window titled "How good are the suggestions"."""
from __future__ import annotations

from test_evaluation_empty_tables import _empty_report

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog


def test_the_evaluation_window_is_named_as_its_menu_item(qtbot, window):
    item = window.act_evaluate.text().replace("&", "").rstrip("\u2026").rstrip(".")
    dlg = EvaluationDialog(_empty_report(), window, "line-a")
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == f"{item} \u2014 line-a"
    lone = EvaluationDialog(_empty_report())
    qtbot.addWidget(lone)
    assert lone.windowTitle() == item
