"""The dashboard per model: label P/R/F1 beside acceptance, calibration and acceptance
over time of one model picked, a timeline that does not bridge gaps, the score axis."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date  # noqa: E402

from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from llmvis_desktop.qt.dialogs import evaluation_plots as plots  # noqa: E402
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402
from test_evaluation_dialog import SHOTS, _report  # noqa: E402  (tests/qt is on the path: rootdir-relative prepend)


def _bins(counts_right):
    out = []
    for i in range(10):
        n, right = counts_right.get(i, (0, None))
        out.append({"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "lo": i / 10, "hi": (i + 1) / 10, "count": n,
                    "mean_score": (i + 0.5) / 10 if n else None, "right_fraction": right})
    return out


def _rich():
    rep = _report()
    micro = {"tp": 9, "fp": 5, "fn": 4, "support": 13, "precision": 0.643, "recall": 0.692, "f1": 0.667}
    rep["labels"]["by_model"] = {"learned:handcrafted-v3": {"images": 13, "micro": micro, "per_label": [],
                                                            "macro_f1": 0.6}}
    rep["calibration_by_model"] = {"learned:handcrafted-v3": _bins({8: (40, 0.85)}),
                                   "zs:bad": _bins({8: (40, 0.5), 1: (10, 0.1)})}
    rep["over_time_by_model"] = {"blip-base": [{"day": "2026-03-01", "decided": 3, "accepted": 3, "rate": 1.0}]}
    return rep


def _shown(qtbot, rep, tab):
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.resize(900, 640)
    w.show()
    w.tabs.setCurrentIndex(tab)
    qtbot.wait(10)
    return w


def _cells(t, col):
    return [t.item(r, col).text() for r in range(t.rowCount())]


def test_the_acceptance_table_has_each_models_label_scores(qtbot):
    w = _shown(qtbot, _rich(), 1)
    t = w.acceptance_table
    heads = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    p, r, f = heads.index("label P"), heads.index("label R"), heads.index("label F1")
    assert _cells(t, 0) == ["learned:handcrafted-v3", "blip-base"]
    assert _cells(t, p) == ["0.64", "–"] and _cells(t, r) == ["0.69", "–"] and _cells(t, f) == ["0.67", "–"]
    SHOTS.mkdir(exist_ok=True)
    assert w.grab().save(str(SHOTS / "evaluation_acceptance_per_model.png"))


def test_calibration_of_one_model_is_picked_pooled_by_default(qtbot):
    w = _shown(qtbot, _rich(), 2)
    c = w.calibration_picker
    assert [c.itemText(i) for i in range(c.count())] == ["all models (pooled)", "learned:handcrafted-v3", "zs:bad"]
    assert w.reliability.name == "all models pooled" and len(w.reliability.bins) == 9
    c.setCurrentIndex(2)
    assert w.reliability.name == "zs:bad" and [b["count"] for b in w.reliability.bins] == [10, 40]
    assert _cells(w.calibration_table, 0) == ["0.1-0.2", "0.8-0.9"]
    assert _cells(w.calibration_table, 3) == ["10.0%", "50.0%"]
    qtbot.wait(10)
    assert w.grab().save(str(SHOTS / "evaluation_calibration_model.png"))
    c.setCurrentIndex(0)
    assert w.calibration_table.rowCount() == 9


def test_acceptance_over_time_of_one_model(qtbot):
    w = _shown(qtbot, _rich(), 1)
    assert len(w.timeline.series) == 8
    w.timeline_picker.setCurrentIndex(1)
    assert w.timeline.name == "blip-base" and w.timeline.series == _rich()["over_time_by_model"]["blip-base"]


def test_the_line_breaks_over_days_without_decisions_and_dots_grow_with_the_count(qtbot):
    days = [date(2026, 10, d) for d in (1, 2, 3, 6, 7, 20)]
    assert plots.day_runs(days) == [[0, 1, 2], [3, 4], [5]]
    assert plots.dot_radius(1, 60) < plots.dot_radius(30, 60) < plots.dot_radius(60, 60)
    rep = _report()
    rep["over_time"] = [{"day": d.isoformat(), "decided": n, "accepted": n // 2, "rate": (n // 2) / n}
                        for d, n in zip(days, (1, 60, 6, 2, 30, 1))]
    w = _shown(qtbot, rep, 1)
    assert w.grab().save(str(SHOTS / "evaluation_acceptance_gaps.png"))


def test_the_reliability_plot_has_a_score_axis(qtbot):
    w = _shown(qtbot, _report(), 2)
    rel = w.reliability
    img = rel.grab().toImage()
    area = rel.plot_rect()
    side = min(area.width(), area.height())
    sq = QRectF(area.left(), area.top(), side, side)
    bg = rel.palette().window().color()

    def inked(x0, x1, y0, y1):
        return any(QColor(img.pixel(x, y)).lightness() < bg.lightness() - 60
                   for x in range(int(x0), int(x1)) for y in range(int(y0), int(y1)))

    for v in (0.0, 0.25, 0.75, 1.0):  # a value under each tick (0.5 shares its place with the title)
        x = sq.left() + v * sq.width()
        assert inked(x - 6, x + 6, sq.bottom() + rel.TICK_GAP, sq.bottom() + rel.TICK_GAP + 12), v
