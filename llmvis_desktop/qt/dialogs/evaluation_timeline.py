"""The evaluation dashboard's "Acceptance over time" plot (:class:`TimeLine`) and the
placing of its days."""
from __future__ import annotations

from datetime import date
from typing import Optional

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from ...core.suggest.evaluate_report import bucket_name, bucket_over_time, next_bucket
from .evaluation_plots import _Plot


def day_positions(days: list[date], left: float, width: float) -> list[float]:
    """x of each day, placed by date (a month without decisions takes a month's room,
    not a day's); a single day in the middle."""
    span = (days[-1] - days[0]).days
    return [left + ((d - days[0]).days / span * width if span else width / 2) for d in days]


def day_runs(days: list[date], unit: str = "day") -> list[list[int]]:
    """Indices of ``days`` (sorted; the first days of ``unit`` buckets) in runs of
    consecutive buckets: the line is drawn within a run only, so it does not bridge a day
    (week, month) without a single decision."""
    runs: list[list[int]] = []
    for i, d in enumerate(days):
        if runs and next_bucket(days[runs[-1][-1]], unit) == d:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def dot_radius(count: int, top: int) -> float:
    """A dot's radius by how many it stands for (its area grows with the count)."""
    return 2.5 + 5.5 * (count / top) ** 0.5 if top else 2.5


#: the x axis's title per bucket unit
X_TITLES = {"day": "day (UTC); n = suggestions decided that day",
            "week": "week (UTC, from its Monday); n = suggestions decided that week",
            "month": "month (UTC); n = suggestions decided that month"}


class TimeLine(_Plot):
    """Acceptance rate per day, or per week or month over a longer span (``unit``, said
    on the axis and in the legend: 180 daily dots over six months were unreadable; see
    :func:`~llmvis_desktop.core.suggest.evaluate_report.bucket_over_time`): a dot per
    bucket sized by the decisions it holds, joined by a line only between consecutive
    buckets (a gap without decisions breaks it); the decided count under each.
    ``set_series(series, name)`` shows another model's (the report's per-day series)."""

    COLOR = QColor("#43a047")
    BOTTOM_ROWS = 2  # the day, and how many were decided that day
    X_TITLE = X_TITLES["day"]
    Y_TITLE = "accepted / decided"
    LABEL_GAP = 8  # px at least between two days' labels

    def __init__(self, series: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.empty_text = "no suggestion has been decided yet"
        self.set_series(series)

    def points(self) -> list[QPointF]:
        area = self.area()
        days = [date.fromisoformat(d["day"]) for d in self.series]
        xs = day_positions(days, area.left(), area.width())
        return [QPointF(x, area.bottom() - d["rate"] * area.height()) for x, d in zip(xs, self.series)]

    def tick_labels(self) -> list[tuple[QRectF, str]]:
        """Each labelled day's date, and "n=" its count under it: from the first day, the
        next that has room; the last day always, the ones before it left out while they
        are in its way (forced in, "03-30" stood over "03-29")."""
        if not self.series:
            return []
        area, h = self.area(), self.line_height()
        years = self.series[0]["day"][:4] != self.series[-1]["day"][:4]
        y = area.bottom() + self.TICK_GAP
        boxes = []
        for pt, d in zip(self.points(), self.series):
            name = bucket_name(d["day"], self.unit) if years or self.unit == "month" else d["day"][5:]
            pair = [(self._text_rect(name, pt.x(), y, Qt.AlignHCenter), name),
                    (self._text_rect(f"n={d['decided']}", pt.x(), y + h + 1, Qt.AlignHCenter), f"n={d['decided']}")]
            boxes.append(pair)

        def span(pair):
            return (min(r.left() for r, _t in pair) - self.LABEL_GAP / 2, max(r.right() for r, _t in pair)
                    + self.LABEL_GAP / 2)

        chosen: list[int] = []
        for i, pair in enumerate(boxes):
            if not chosen or span(pair)[0] >= span(boxes[chosen[-1]])[1]:
                chosen.append(i)
        last = len(boxes) - 1
        if chosen[-1] != last:
            while chosen and span(boxes[chosen[-1]])[1] > span(boxes[last])[0]:
                chosen.pop()
            chosen.append(last)
        return [item for i in chosen for item in boxes[i]]

    def set_series(self, series: list[dict], name: str = "all models") -> None:
        """Show ``series`` (per day, as in the report), bucketed by its span."""
        self.unit, self.series = bucket_over_time(series)
        self.name = name
        self.X_TITLE = X_TITLES[self.unit]
        self.update()

    def draw(self, p: QPainter) -> None:
        if not self.series:
            self._empty(p)
            return
        area = self.plot_rect()
        self._axes(p, area, pct=True)
        self._legend(p, [(f"accepted / decided per {self.unit} (UTC), {self.name}; dot size: decided", self.COLOR)])
        days = [date.fromisoformat(d["day"]) for d in self.series]
        pts = self.points()
        p.setPen(QPen(self.COLOR, 2))
        for run in day_runs(days, self.unit):
            if len(run) > 1:
                path = QPainterPath(pts[run[0]])
                for i in run[1:]:
                    path.lineTo(pts[i])
                p.drawPath(path)
        p.setPen(Qt.NoPen)
        p.setBrush(self.COLOR)
        top = max(d["decided"] for d in self.series)
        for pt, d in zip(pts, self.series):
            r = dot_radius(d["decided"], top)
            p.drawEllipse(pt, r, r)
        self._write(p, self.tick_labels())
        self._titles(p)
