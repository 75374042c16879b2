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
