"""Refreshing the open dashboard (Suggestions ▸ Evaluation dashboard… again, after more
reviews) keeps the tab and the models picked: it went back to the Labels tab with every
model picker on "all models", so a lead following one model had to find it again."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from llmvis_desktop.qt.dialogs.evaluation_dialog import POOLED, EvaluationDialog  # noqa: E402
from test_evaluation_dialog_models import _rich  # noqa: E402


def _picked(w):
    return (w.tabs.currentIndex(), w.calibration_picker.currentText(), w.reliability.name,
            w.timeline_picker.currentText(), w.timeline.name)


def test_a_refresh_keeps_the_tab_and_the_models_picked(qtbot):
    w = EvaluationDialog(_rich())
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentIndex(2)
    w.calibration_picker.setCurrentIndex(w.calibration_picker.findText("zs:bad"))
    w.timeline_picker.setCurrentIndex(w.timeline_picker.findText("blip-base"))
    assert _picked(w) == (2, "zs:bad", "zs:bad", "blip-base", "blip-base")

    newer = _rich()
    newer["calibration_by_model"]["zs:bad"][8]["count"] = 41
    w.set_report(newer)
    assert _picked(w) == (2, "zs:bad", "zs:bad", "blip-base", "blip-base")
    assert w.reliability.bins == [b for b in newer["calibration_by_model"]["zs:bad"] if b["count"]]
    assert w.timeline.series == newer["over_time_by_model"]["blip-base"]

    gone = _rich()  # a model no longer in the report: its picker falls back to all models
    del gone["calibration_by_model"]["zs:bad"]
    w.set_report(gone)
    assert _picked(w) == (2, POOLED, "all models pooled", "blip-base", "blip-base")
