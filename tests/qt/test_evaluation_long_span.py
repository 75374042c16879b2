"""The acceptance-over-time plot over months: a point per week (or month), said on the
axis, not 180 daily dots; a revision's rows under its model in the Acceptance table."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date, timedelta  # noqa: E402

from llmvis_desktop.qt.dialogs.evaluation_plots import TimeLine  # noqa: E402


def _days(n: int, step: int = 1) -> list[dict]:
    first = date(2026, 1, 5)
    return [{"day": (first + timedelta(days=k * step)).isoformat(), "decided": 10, "accepted": 3 + k % 5,
             "rate": (3 + k % 5) / 10} for k in range(n)]


def test_six_months_are_plotted_per_week_and_the_axis_says_so(qtbot):
    t = TimeLine(_days(180))
    qtbot.addWidget(t)
    t.resize(1300, 360)
    t.show()
    assert t.unit == "week"
    assert 25 <= len(t.points()) <= 27
    titles = " ".join(text for _r, text in t.axis_titles())
    assert "that week" in titles and "that day" not in titles, titles
    assert t.grab().save("/tmp/timeline_weeks.png") or True
    # the counts under the points are the week's: 7 days of 10
    assert any(text == "n=70" for _r, text in t.tick_labels())


def test_a_few_weeks_stay_per_day(qtbot):
    t = TimeLine(_days(20))
    qtbot.addWidget(t)
    t.resize(900, 300)
    assert t.unit == "day" and len(t.points()) == 20
    assert "day" in " ".join(text for _r, text in t.axis_titles())


def test_two_years_are_per_month_named_by_month(qtbot):
    t = TimeLine(_days(240, step=3))
    qtbot.addWidget(t)
    t.resize(1300, 360)
    assert t.unit == "month"
    names = [text for _r, text in t.tick_labels() if not text.startswith("n=")]
    assert names and all(len(x) == 7 for x in names), names  # "2026-01"


def test_a_retrained_models_revisions_have_rows_under_it(qtbot):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_evaluation_dialog import _report

    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

    rep = _report()
    m = rep["acceptance"][0]["model_id"]

    def acc(rate):
        return {"suggested": 10, "decided": 10, "accepted": int(10 * rate), "edited": 0, "rejected": 10 - int(
            10 * rate), "pending": 0, "withdrawn": 0, "overruled": 0, "edited_kept": 0, "rate": rate,
            "rate_as_is": rate}

    rep["acceptance"][0].update(revisions=2, by_revision=[{"revision": "rev-a", **acc(0.2)},
                                                          {"revision": "rev-b", **acc(0.9)}])
    micro = {"tp": 1, "fp": 1, "fn": 1, "support": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    rep["labels"]["by_model"] = {m: {"images": 4, "micro": micro, "per_label": [], "macro_f1": 0.5, "revisions": 2,
                                     "by_revision": [
                                         {"revision": "rev-a", "images": 2, "macro_f1": 0.2,
                                          "micro": {**micro, "f1": 0.2}},
                                         {"revision": "rev-b", "images": 2, "macro_f1": 0.8,
                                          "micro": {**micro, "f1": 0.8}}]}}
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    t = w.acceptance_table
    names = [t.item(r, 0).text() for r in range(t.rowCount())]
    k = names.index(m)
    assert "rev-a" in names[k + 1] and "rev-b" in names[k + 2], names
    assert "2 revisions" in names[k + 1]
    cols = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    assert t.item(k + 1, cols.index("rate")).text() == "20.0%" and t.item(k + 2, cols.index("rate")).text() == "90.0%"
    assert t.item(k + 1, cols.index("label F1")).text() == "0.20"
    assert t.item(k + 2, cols.index("label F1")).text() == "0.80"
    assert len(names) == len(rep["acceptance"]) + 2
