"""The evaluation dashboard's plots, drawn with QPainter (no plotting library): per-label
P/R/F1 bars (:class:`LabelBars`), acceptance over time (:class:`TimeLine`) and the
reliability plot of the label scores (:class:`Reliability`)."""
from __future__ import annotations

import html
from datetime import date
from typing import Optional

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

SERIES = (("precision", QColor("#1e88e5")), ("recall", QColor("#fb8c00")), ("f1", QColor("#43a047")))


def _fmt(x, pct: bool = False, digits: int = 2) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if pct else f"{x:.{digits}f}"


class _Plot(QWidget):
    """Axes 0..1 on the left, category labels at the bottom, a legend on top."""

    MARGIN = (44, 26, 34, 40)  # left, top, right, bottom

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 200)
        self.empty_text = "nothing to show yet"

    def paintEvent(self, _e) -> None:
        # one painter, ended here however the drawing ends (one left to be collected
        # stayed active while anything kept this frame: Qt warned on every later paint)
        with QPainter(self) as p:
            p.setRenderHint(QPainter.Antialiasing)
            self.draw(p)

    def draw(self, p: QPainter) -> None:
        raise NotImplementedError

    def plot_rect(self) -> QRectF:
        l, t, r, b = self.MARGIN
        return QRectF(l, t, max(10, self.width() - l - r), max(10, self.height() - t - b))

    def _axes(self, p: QPainter, area: QRectF, ticks=(0, 0.25, 0.5, 0.75, 1.0), pct=False) -> None:
        p.setPen(QPen(self.palette().mid().color(), 1))
        for v in ticks:
            y = area.bottom() - v * area.height()
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(0, y - 8, area.left() - 6, 16), Qt.AlignRight | Qt.AlignVCenter,
                       f"{int(v * 100)}%" if pct else f"{v:.2g}")
            p.setPen(QPen(self.palette().mid().color(), 1))

    def _legend(self, p: QPainter, items) -> None:
        x = self.MARGIN[0]
        for name, color in items:
            p.fillRect(QRectF(x, 7, 12, 12), color)
            p.setPen(self.palette().text().color())
            width = p.fontMetrics().horizontalAdvance(name) + 4
            p.drawText(QRectF(x + 16, 3, width, 20), Qt.AlignLeft | Qt.AlignVCenter, name)
            x += 16 + width + 14

    def _empty(self, p: QPainter) -> None:
        p.setPen(self.palette().placeholderText().color())
        p.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap, self.empty_text)


class LabelBars(_Plot):
    """Horizontal precision / recall / F1 bars, one band per label (a missing value draws no
    bar): label names on the left, the 0..1 axis on top. It grows one band per label
    (``minimumHeight``), so in a scroll area any number of labels stays readable; hovering
    a band or its name shows the exact numbers (``tooltip_at``)."""

    BAR_MIN, BAR_MAX, GAP = 5.0, 11.0, 7.0  # bar thickness, and the space between labels
    TOP, RIGHT, BOTTOM = 46, 18, 8  # legend and axis labels above the bars

    def __init__(self, rows: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.empty_text = "no reviewed image has a label suggestion yet"
        self.setMinimumSize(360, self.needed_height())
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)

    def _band_min(self) -> float:
        return 3 * self.BAR_MIN + self.GAP

    def needed_height(self) -> int:
        if not self.rows:
            return 200
        return int(self.TOP + self.BOTTOM + len(self.rows) * self._band_min())

    def sizeHint(self) -> QSize:
        return QSize(560, self.needed_height())

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        return font

    @staticmethod
    def _name(row: dict) -> str:
        return f"{row['label']} ({row['support']})"

    def name_width(self) -> int:
        fm = QFontMetrics(self._small_font())
        want = max((fm.horizontalAdvance(self._name(r)) for r in self.rows), default=0) + 10
        return int(min(want, max(90.0, self.width() * 0.42)))

    def plot_rect(self) -> QRectF:
        left = self.name_width() + 8
        return QRectF(left, self.TOP, max(10, self.width() - left - self.RIGHT),
                      max(10, self.height() - self.TOP - self.BOTTOM))

    def _band(self, area: QRectF) -> float:
        """Height of one label's band: the rows fill the area up to BAR_MAX bars, from the top."""
        if not self.rows:
            return 0.0
        return max(self._band_min(), min(area.height() / len(self.rows), 3 * self.BAR_MAX + self.GAP))

    def bands(self) -> list[tuple[dict, QRectF]]:
        """Each row with its band (the whole width: name and bars)."""
        area = self.plot_rect()
        band = self._band(area)
        return [(row, QRectF(0, area.top() + i * band, self.width(), band)) for i, row in enumerate(self.rows)]

    def bar_rects(self, band: QRectF) -> list[QRectF]:
        """The full-length (value 1) rectangles of the three bars of one band."""
        area = self.plot_rect()
        bar = (band.height() - self.GAP) / 3
        y0 = band.top() + self.GAP / 2
        return [QRectF(area.left(), y0 + k * bar, area.width(), bar) for k in range(3)]

    def tooltip_at(self, pos) -> Optional[str]:
        """The exact numbers of the label under ``pos`` (the hovered bar first), or None."""
        pt = QPointF(pos)
        if pt.y() < self.header_top() + self.TOP:
            return None  # the legend and axis
        for row, band in self.bands():
            if not band.contains(pt):
                continue
            hovered = None
            for (name, _color), rect in zip(SERIES, self.bar_rects(band)):
                if rect.top() <= pt.y() < rect.bottom() and pt.x() >= rect.left():
                    hovered = name
            parts = []
            for name, _color in SERIES:
                text = f"{'F1' if name == 'f1' else name} {_fmt(row.get(name), digits=3)}"
                parts.append(f"<b>{text}</b>" if name == hovered else text)
            return (f"<b>{html.escape(str(row['label']))}</b><br>" + " · ".join(parts)
                    + f"<br>support {row['support']} · TP {row['tp']} · FP {row['fp']} · FN {row['fn']}")
        return None

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(e.position().toPoint() if hasattr(e, "position") else e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def header_top(self) -> int:
        """Where the legend and the axis values are drawn: the top of the visible part, so
        they stay in view while a scroll area scrolls the bands."""
        vis = self.visibleRegion().boundingRect()
        return max(0, vis.top()) if not vis.isEmpty() else 0

    def moveEvent(self, e) -> None:  # scrolled: the sticky header moves with the view
        super().moveEvent(e)
        self.update()

    def draw(self, p: QPainter) -> None:
        if not self.rows:
            self._empty(p)
            return
        area = self.plot_rect()
        bands = self.bands()
        bottom = bands[-1][1].bottom()
        font = p.font()
        small = self._small_font()
        p.setFont(small)
        fm = p.fontMetrics()
        name_w = self.name_width()
        for i, (row, band) in enumerate(bands):
            if i % 2:
                shade = QColor(self.palette().text().color())
                shade.setAlpha(14)
                p.fillRect(band, shade)
            for (name, color), rect in zip(SERIES, self.bar_rects(band)):
                v = row.get(name)
                if v is None:
                    continue
                p.fillRect(QRectF(rect.left(), rect.top(), max(1.0, v * rect.width()), rect.height() - 1), color)
            p.setPen(self.palette().text().color())
            name = fm.elidedText(self._name(row), Qt.ElideMiddle, name_w - 4)
            p.drawText(QRectF(0, band.top(), name_w, band.height()), Qt.AlignRight | Qt.AlignVCenter, name)
        p.setFont(font)
        for v in (0, 0.25, 0.5, 0.75, 1.0):  # vertical grid lines, over the bands
            x = area.left() + v * area.width()
            p.setPen(QPen(self.palette().mid().color(), 1))
            p.drawLine(QPointF(x, area.top()), QPointF(x, bottom))
        # the legend and the axis values, at the top of what is visible
        top = self.header_top()
        p.fillRect(QRectF(0, top, self.width(), area.top() - 2), self.palette().base())
        p.translate(0, top)
        self._legend(p, [(n.upper() if n == "f1" else n, c) for n, c in SERIES])
        p.setPen(self.palette().text().color())
        for v in (0, 0.25, 0.5, 0.75, 1.0):
            x = area.left() + v * area.width()
            p.drawText(QRectF(x - 30, area.top() - 19, 60, 16), Qt.AlignHCenter | Qt.AlignBottom, f"{v:.2g}")
        p.setPen(QPen(self.palette().mid().color(), 1))
        p.drawLine(QPointF(area.left(), area.top() - 2), QPointF(area.right(), area.top() - 2))


def day_positions(days: list[date], left: float, width: float) -> list[float]:
    """x of each day, placed by date (a month without decisions takes a month's room,
    not a day's); a single day in the middle."""
    span = (days[-1] - days[0]).days
    return [left + ((d - days[0]).days / span * width if span else width / 2) for d in days]


def day_runs(days: list[date]) -> list[list[int]]:
    """Indices of ``days`` (sorted) in runs of consecutive days: the line is drawn within a
    run only, so it does not bridge days without a single decision."""
    runs: list[list[int]] = []
    for i, d in enumerate(days):
        if runs and (d - days[runs[-1][-1]]).days == 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def dot_radius(count: int, top: int) -> float:
    """A dot's radius by how many it stands for (its area grows with the count)."""
    return 2.5 + 5.5 * (count / top) ** 0.5 if top else 2.5


class TimeLine(_Plot):
    """Acceptance rate per day: a dot per day sized by the decisions it holds, joined by a
    line only between consecutive days (a gap without decisions breaks it); the decided
    count under each day. ``set_series(series, name)`` shows another model's."""

    COLOR = QColor("#43a047")

    def __init__(self, series: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.empty_text = "no suggestion has been decided yet"
        self.set_series(series)

    def set_series(self, series: list[dict], name: str = "all models") -> None:
        self.series, self.name = series, name
        self.update()

    def draw(self, p: QPainter) -> None:
        if not self.series:
            self._empty(p)
            return
        area = self.plot_rect()
        self._axes(p, area, pct=True)
        self._legend(p, [(f"accepted / decided per day (UTC), {self.name}; dot size: decided", self.COLOR)])
        n = len(self.series)
        days = [date.fromisoformat(d["day"]) for d in self.series]
        xs = day_positions(days, area.left(), area.width())
        pts = [QPointF(x, area.bottom() - d["rate"] * area.height()) for x, d in zip(xs, self.series)]
        p.setPen(QPen(self.COLOR, 2))
        for run in day_runs(days):
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
        p.setPen(self.palette().text().color())
        years = days[0].year != days[-1].year
        last_right = -1e9
        for i, (pt, d) in enumerate(zip(pts, self.series)):
            text = d["day"] if years else d["day"][5:]
            if pt.x() - 45 < last_right and i != n - 1:  # no room: the next one that fits
                continue
            p.drawText(QRectF(pt.x() - 45, area.bottom() + 4, 90, 16), Qt.AlignHCenter, text)
            p.drawText(QRectF(pt.x() - 45, area.bottom() + 19, 90, 16), Qt.AlignHCenter, f"n={d['decided']}")
            last_right = pt.x() + 45


class Reliability(_Plot):
    """Fraction right (the reviewed image has the label) against mean score per score bin,
    with the diagonal of perfect calibration and the score axis 0-1 below.
    ``set_bins(bins, name)`` shows another model's."""

    X_TICKS = (0, 0.25, 0.5, 0.75, 1.0)

    def __init__(self, bins: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.empty_text = "no scored label suggestion on a reviewed image yet"
        self.set_bins(bins)

    def set_bins(self, bins: list[dict], name: str = "all models pooled") -> None:
        self.bins, self.name = [b for b in bins if b["count"]], name
        self.update()

    def square(self) -> QRectF:
        area = self.plot_rect()
        side = min(area.width(), area.height())
        return QRectF(area.left(), area.top(), side, side)

    def draw(self, p: QPainter) -> None:
        if not self.bins:
            self._empty(p)
            return
        area = self.square()
        self._axes(p, area, pct=True)
        for v in self.X_TICKS:  # the score axis: vertical grid lines and their values
            x = area.left() + v * area.width()
            p.setPen(QPen(self.palette().mid().color(), 1))
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(x - 20, area.bottom() + 2, 40, 16), Qt.AlignHCenter | Qt.AlignTop, f"{v:g}")
        self._legend(p, [(f"right vs score, {self.name}", QColor("#1e88e5"))])
        p.setPen(QPen(self.palette().mid().color(), 1, Qt.DashLine))
        p.drawLine(area.bottomLeft(), area.topRight())
        top = max(b["count"] for b in self.bins)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#1e88e5"))
        for b in self.bins:
            x = area.left() + b["mean_score"] * area.width()
            y = area.bottom() - b["right_fraction"] * area.height()
            r = 3 + 6 * (b["count"] / top) ** 0.5
            p.drawEllipse(QPointF(x, y), r, r)
        p.setPen(self.palette().text().color())
        p.drawText(QRectF(area.left(), area.bottom() + 18, area.width(), 16), Qt.AlignHCenter, "mean score")
