"""First-run texts: Help > About names the version, S says it skipped, the evaluation
summary counts one image as one image."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from qthelpers import open_and_index

import llmvis_desktop


def test_about_names_the_package_version(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.show_about()
    assert shown and shown[0].startswith(f"llmvis {llmvis_desktop.__version__} ")  # the window's name
    assert f"package llmvis-desktop {llmvis_desktop.__version__}" in shown[0]


def test_skip_does_not_leave_the_previous_action_s_line(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    window.grid.setFocus()
    first = window.review.current.id
    QTest.keyClick(window.grid, Qt.Key.Key_R)  # marks reviewed and (maybe) moves on
    assert window.statusBar().currentMessage() == "Marked reviewed."
    before = window.review.current.id
    QTest.keyClick(window.grid, Qt.Key.Key_S)
    assert window.review.current.id not in (before, first)
    assert window.statusBar().currentMessage() == "Skipped."


def test_the_evaluation_summary_says_one_reviewed_image(qtbot):
    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog
    from test_evaluation_dialog import _report

    report = _report()
    report["images"] = {"reviewed": 1, "with_label_suggestions": 1}
    report["suggestions"] = 1
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert "<b>1</b> reviewed image," in text and "<b>1</b> suggestions" not in text
    assert "<b>1</b> suggestion." in text
