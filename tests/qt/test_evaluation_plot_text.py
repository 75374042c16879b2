"""The dashboard's plots: no text over other text or over a dot, and every axis named.

* "Acceptance over time" with 30 days: the last day's labels were forced in beside the
  one before ("03-29"/"03-30", "n=49"/"n=50" overlapping).
* The plots had no axis titles (the Labels bars' 0-1 axis, both axes of "Acceptance over
  time", the calibration plot's y axis).
* A calibration dot at (0.53, 0 %) touched the "0.5" under it.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF  # noqa: E402

from llmvis_desktop.qt.dialogs import evaluation_plots as plots  # noqa: E402
from test_evaluation_dialog import SHOTS, _report  # noqa: E402


def _days(n):
    return [{"day": f"2026-03-{d:02d}", "decided": 20 + d, "accepted": 10 + d, "rate": (10 + d) / (20 + d)}
            for d in range(1, n + 1)]


def _show(qtbot, widget, w=760, h=260):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _no_overlap(items):
    for i, (a, ta) in enumerate(items):
        for b, tb in items[i + 1:]:
            assert not a.intersects(b), (ta, a, tb, b)


def test_the_timelines_day_labels_never_overlap_and_the_last_day_is_named(qtbot):
    for width in (420, 560, 760, 1000):
        tl = _show(qtbot, plots.TimeLine(_days(30)), w=width)
        labels = tl.tick_labels()
        texts = [t for _r, t in labels]
        assert "03-30" in texts and "n=50" in texts, (width, texts)  # the last day keeps its name
        assert "03-01" in texts, (width, texts)
        _no_overlap(labels)
        for rect, text in labels:
            assert tl.rect().contains(rect.toAlignedRect()), (width, text, rect)
        tl.grab().save(str(SHOTS / f"evaluation_timeline_{width}.png"))


def _titles_clear(plot, others):
    titles = plot.axis_titles()
    assert titles, type(plot).__name__
    bounds = QRectF(plot.rect())
    for rect, text in titles:
        assert text.strip()
        assert bounds.contains(rect), (text, rect, bounds)
        for other, what in others:
            assert not rect.intersects(other), (text, rect, what, other)
    return {text for _r, text in titles}


def test_every_plot_names_its_axes(qtbot):
    rep = _report()
    bars = _show(qtbot, plots.LabelBars(rep["labels"]["per_label"]), h=300)
    named = _titles_clear(bars, bars.tick_labels())
    assert any("0" in t and "1" in t for t in named), named  # the value axis, 0 to 1
    tl = _show(qtbot, plots.TimeLine(_days(10)))
    named = _titles_clear(tl, tl.tick_labels() + tl.value_labels())
    assert len(named) == 2 and any("day" in t for t in named), named
    rel = _show(qtbot, plots.Reliability(rep["calibration"]), w=520, h=360)
    named = _titles_clear(rel, rel.tick_labels() + rel.value_labels())
    assert len(named) == 2 and any("score" in t for t in named), named
    for p, name in ((bars, "bars"), (tl, "timeline"), (rel, "reliability")):
        p.grab().save(str(SHOTS / f"evaluation_axes_{name}.png"))


def test_a_calibration_dot_on_the_axis_stays_off_the_score_values(qtbot):
    bins = [{"bin": "0.5-0.6", "lo": 0.5, "hi": 0.6, "count": 40, "mean_score": 0.53, "right_fraction": 0.0},
            {"bin": "0.9-1.0", "lo": 0.9, "hi": 1.0, "count": 3, "mean_score": 0.97, "right_fraction": 0.0}]
    rel = _show(qtbot, plots.Reliability(bins), w=520, h=360)
    dots = rel.dots()
    assert len(dots) == 2
    for rect, text in rel.tick_labels():
        for center, r in dots:
            box = QRectF(center - QPointF(r, r), center + QPointF(r, r))
            assert not box.intersects(rect), (text, rect, center, r)
    rel.grab().save(str(SHOTS / "evaluation_reliability_dot_on_axis.png"))
