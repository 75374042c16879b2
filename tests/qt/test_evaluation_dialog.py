"""EvaluationDialog renders a report (and an empty one) with its plots; screenshot in shots/."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _report():
    per = [
        {"label": "crack", "tp": 18, "fp": 2, "fn": 1, "support": 19, "precision": 0.9, "recall": 0.947, "f1": 0.923},
        {"label": "ok", "tp": 15, "fp": 6, "fn": 4, "support": 19, "precision": 0.714, "recall": 0.789, "f1": 0.75},
        {"label": "pitting", "tp": 20, "fp": 0, "fn": 0, "support": 20, "precision": 1.0, "recall": 1.0, "f1": 1.0},
        {"label": "scratch", "tp": 16, "fp": 2, "fn": 3, "support": 19, "precision": 0.889, "recall": 0.842,
         "f1": 0.865},
        {"label": "stain", "tp": 12, "fp": 5, "fn": 7, "support": 19, "precision": 0.706, "recall": 0.632,
         "f1": 0.667},
        {"label": "dent", "tp": 0, "fp": 1, "fn": 0, "support": 0, "precision": 0.0, "recall": None, "f1": None},
    ]
    cal = []
    for i in range(10):
        n = [0, 3, 5, 4, 6, 8, 9, 12, 20, 30][i]
        cal.append({"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "lo": i / 10, "hi": (i + 1) / 10, "count": n,
                    "mean_score": (i + 0.5) / 10 if n else None,
                    "accepted_fraction": min(1.0, (i + 0.3) / 10) if n else None})
    days = [{"day": f"2026-03-{d:02d}", "decided": 20 + d, "accepted": 10 + d, "rate": (10 + d) / (20 + d)}
            for d in range(1, 9)]
    return {
        "generated_at": "2026-03-09T10:00:00+00:00",
        "images": {"reviewed": 96, "with_label_suggestions": 96},
        "suggestions": 310,
        "labels": {"per_label": per, "micro": {"tp": 81, "fp": 16, "fn": 15, "support": 96, "precision": 0.835,
                                               "recall": 0.844, "f1": 0.839},
                   "macro_f1": 0.84, "rule": "predicted = score >= 0.5 or top-1", "by_model": {}},
        "acceptance": [
            {"model_id": "learned:handcrafted-v3", "suggested": 200, "decided": 150, "pending": 50, "accepted": 120,
             "edited": 0, "rejected": 30, "rate": 0.8},
            {"model_id": "blip-base", "suggested": 110, "decided": 60, "pending": 50, "accepted": 20,
             "edited": 30, "rejected": 10, "rate": 50 / 60},
        ],
        "captions": {"decided": 60, "mean_edit_distance": 0.31,
                     "by_model": {"blip-base": {"decided": 60, "mean_edit_distance": 0.31}}},
        "calibration": cal,
        "over_time": days,
        "over_time_by_model": {},
    }


def test_dialog_renders(qtbot):
    w = EvaluationDialog(_report())
    qtbot.addWidget(w)
    w.resize(820, 640)
    w.show()
    assert w.tabs.count() == 3
    assert "0.84" in w.summary.text() and "learned:handcrafted-v3 80.0%" in w.summary.text()
    assert len(w.label_bars.rows) == 6 and len(w.timeline.series) == 8 and len(w.reliability.bins) == 9
    SHOTS.mkdir(exist_ok=True)
    for i, name in enumerate(("evaluation", "evaluation_acceptance", "evaluation_calibration")):
        w.tabs.setCurrentIndex(i)
        qtbot.wait(10)
        assert w.grab().save(str(SHOTS / f"{name}.png"))


def test_empty_report(qtbot):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.evaluate import evaluate

    import tempfile

    with tempfile.TemporaryDirectory() as d, Project.open(d) as p:
        report = evaluate(p)
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    w.show()
    assert "No suggestion decided yet" in w.summary.text()
    assert w.label_bars.rows == [] and w.grab().width() > 0
    w.set_report(_report())
    assert w.tabs.count() == 3 and len(w.label_bars.rows) == 6
