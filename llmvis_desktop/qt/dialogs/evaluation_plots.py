"""The evaluation dashboard's plots, drawn with QPainter (no plotting library): per-label
P/R/F1 bars (:class:`LabelBars`), acceptance over time (:class:`TimeLine`, in
:mod:`.evaluation_timeline`) and the reliability plot of the label scores (:class:`Reliability`)."""
from __future__ import annotations

import html
from typing import Optional

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from .. import style

SERIES = (("precision", QColor("#1e88e5")), ("recall", QColor("#fb8c00")), ("f1", QColor("#43a047")))


def _fmt(x, pct: bool = False, digits: int = 2) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if pct else f"{x:.{digits}f}"


class _Plot(QWidget):
    """Axes 0..1 on the left, category labels at the bottom, a legend on top; the axes'
    titles (``X_TITLE`` under the values below, ``Y_TITLE`` turned, left of the values).
    The margins follow the font (``margins``); what is written where is given by
    ``value_labels``, ``tick_labels`` and ``axis_titles`` (the drawing uses them)."""

    TOP, RIGHT = 26, 34
    BOTTOM_ROWS = 1  # lines of values under the plot, above the x axis's title
    TICK_GAP = 4  # between the plot's bottom and the values under it
    X_TITLE = Y_TITLE = ""

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

    def line_height(self) -> int:
        return QFontMetrics(self.font()).height()

    def margins(self) -> tuple[int, int, int, int]:
        """left (the y title, then the values), top (the legend), right, bottom (the
        values' rows, then the x title)."""
        h, fm = self.line_height(), QFontMetrics(self.font())
        left = 2 + h + 4 + fm.horizontalAdvance("100%") + 6
        return left, self.TOP, self.RIGHT, self.TICK_GAP + (self.BOTTOM_ROWS + 1) * (h + 1) + 4

    def plot_rect(self) -> QRectF:
        l, t, r, b = self.margins()
        return QRectF(l, t, max(10, self.width() - l - r), max(10, self.height() - t - b))

    def area(self) -> QRectF:
        """Where the values are plotted (``plot_rect``, or a part of it)."""
        return self.plot_rect()

    def _text_rect(self, text: str, x: float, y: float, align) -> QRectF:
        """The box of ``text`` at (x, y): its right, centre or left end at x, its top at y."""
        w, h = QFontMetrics(self.font()).horizontalAdvance(text) + 2, self.line_height()
        left = x - w if align & Qt.AlignRight else (x - w / 2 if align & Qt.AlignHCenter else x)
        return QRectF(left, y, w, h)

    def value_labels(self, ticks=(0, 0.25, 0.5, 0.75, 1.0), pct=True) -> list[tuple[QRectF, str]]:
        """The y axis's values, right of its title."""
        area, h = self.area(), self.line_height()
        out = []
        for v in ticks:
            text = f"{int(v * 100)}%" if pct else f"{v:.2g}"
            out.append((self._text_rect(text, area.left() - 6, area.bottom() - v * area.height() - h / 2,
                                        Qt.AlignRight), text))
        return out

    def tick_labels(self) -> list[tuple[QRectF, str]]:
        return []

    def axis_titles(self) -> list[tuple[QRectF, str]]:
        """The x title under the values below the plot; the y title, turned, at the left
        (its box as it stands on screen)."""
        area, h, fm = self.area(), self.line_height(), QFontMetrics(self.font())
        out = []
        if self.X_TITLE:
            y = area.bottom() + self.TICK_GAP + self.BOTTOM_ROWS * (h + 1) + 1
            w = min(fm.horizontalAdvance(self.X_TITLE) + 2, self.width() - 4)
            x = min(max(2.0, area.center().x() - w / 2), self.width() - 2 - w)
            out.append((QRectF(x, y, w, h), self.X_TITLE))
        if self.Y_TITLE:
            length = min(fm.horizontalAdvance(self.Y_TITLE) + 2, area.height())
            out.append((QRectF(2, area.center().y() - length / 2, h, length), self.Y_TITLE))
        return out

    def _write(self, p: QPainter, items, align=Qt.AlignCenter) -> None:
        p.setPen(self.palette().text().color())
        for rect, text in items:
            p.drawText(rect, align, text)

    def _titles(self, p: QPainter) -> None:
        fm = QFontMetrics(self.font())
        p.setPen(self.palette().text().color())
        for rect, text in self.axis_titles():
            if text != self.Y_TITLE or rect.width() > rect.height():
                p.drawText(rect, Qt.AlignCenter, text)
                continue
            p.save()  # the y title, turned a quarter left
            p.translate(rect.center())
            p.rotate(-90)
            shown = fm.elidedText(text, Qt.ElideRight, int(rect.height()))
            p.drawText(QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(), rect.width()),
                       Qt.AlignCenter, shown)
            p.restore()

    def _axes(self, p: QPainter, area: QRectF, ticks=(0, 0.25, 0.5, 0.75, 1.0), pct=False) -> None:
        p.setPen(QPen(self.palette().mid().color(), 1))
        for v in ticks:
            y = area.bottom() - v * area.height()
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        self._write(p, self.value_labels(ticks, pct), Qt.AlignRight | Qt.AlignVCenter)

    def _legend(self, p: QPainter, items) -> None:
        x = min(self.plot_rect().left(), self.margins()[0])
        for name, color in items:
            p.fillRect(QRectF(x, 7, 12, 12), color)
            p.setPen(self.palette().text().color())
            width = min(p.fontMetrics().horizontalAdvance(name) + 4, max(20.0, self.width() - x - 20))
            name = p.fontMetrics().elidedText(name, Qt.ElideRight, int(width))  # (a narrow plot)
            p.drawText(QRectF(x + 16, 3, width, 20), Qt.AlignLeft | Qt.AlignVCenter, name)
            x += 16 + width + 14

    def _empty(self, p: QPainter) -> None:
        p.setPen(QColor(style.note_color(self.palette())))
        p.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap, self.empty_text)


class LabelBars(_Plot):
    """Horizontal precision / recall / F1 bars, one band per label (a missing value draws no
    bar): label names on the left, the 0..1 axis on top. It grows one band per label
    (``minimumHeight``), so in a scroll area any number of labels stays readable; hovering
    a band or its name shows the exact numbers (``tooltip_at``)."""

    BAR_MIN, BAR_MAX, GAP = 5.0, 11.0, 7.0  # bar thickness, and the space between labels
    RIGHT, BOTTOM = 18, 8
    LEGEND_H = 24  # the legend's row; under it the axis's title, then its values, above the bars
    X_TITLE = "precision, recall, F1 (0 to 1)"
    NAMES_TITLE = "label (support)"

    def __init__(self, rows: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.empty_text = "no reviewed image has a label suggestion yet"
        self.setMinimumSize(360, self.needed_height())
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)

    def set_rows(self, rows: list[dict]) -> None:
        """Show ``rows`` (another model's per-label figures): the height follows their number."""
        self.rows = rows
        self.setMinimumSize(360, self.needed_height())
        self.updateGeometry()
        self.update()

    def _band_min(self) -> float:
        return 3 * self.BAR_MIN + self.GAP

    def top_margin(self) -> int:
        return self.LEGEND_H + 2 * (self.line_height() + 2) + 4

    def needed_height(self) -> int:
        if not self.rows:
            return 200
        return int(self.top_margin() + self.BOTTOM + len(self.rows) * self._band_min())

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
        top = self.top_margin()
        return QRectF(left, top, max(10, self.width() - left - self.RIGHT),
                      max(10, self.height() - top - self.BOTTOM))

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
        if pt.y() < self.header_top() + self.top_margin():
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

    def tick_labels(self) -> list[tuple[QRectF, str]]:
        """The axis's values above the bars (at the top of what is visible)."""
        area, h = self.plot_rect(), self.line_height()
        y = self.header_top() + self.LEGEND_H + h + 2
        return [(self._text_rect(f"{v:.2g}", area.left() + v * area.width(), y, Qt.AlignHCenter), f"{v:.2g}")
                for v in (0, 0.25, 0.5, 0.75, 1.0)]

    def axis_titles(self) -> list[tuple[QRectF, str]]:
        """The values' axis (over them), and the names' column (level with the values)."""
        area, h, fm = self.plot_rect(), self.line_height(), QFontMetrics(self.font())
        top = self.header_top() + self.LEGEND_H
        w = min(fm.horizontalAdvance(self.X_TITLE) + 2, area.width())
        names = self.NAMES_TITLE
        if fm.horizontalAdvance(names) + 2 > self.name_width() - 2:
            names = names.split(" (")[0]  # "label": the narrow column's names are cut as well
        names_w = min(fm.horizontalAdvance(names) + 2, self.name_width() - 2)
        return [(QRectF(area.center().x() - w / 2, top, w, h), self.X_TITLE),
                (QRectF(self.name_width() - names_w, top + h + 2, names_w, h), names)]

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
        p.save()
        p.translate(0, top)
        self._legend(p, [(n.upper() if n == "f1" else n, c) for n, c in SERIES])
        p.setPen(QPen(self.palette().mid().color(), 1))
        p.drawLine(QPointF(area.left(), area.top() - 2), QPointF(area.right(), area.top() - 2))
        p.restore()
        self._write(p, self.tick_labels())
        titles = self.axis_titles()
        self._write(p, titles[:1])
        p.setPen(QColor(style.note_color(self.palette())))
        for rect, text in titles[1:]:
            p.drawText(rect, Qt.AlignRight | Qt.AlignVCenter,
                       QFontMetrics(self.font()).elidedText(text, Qt.ElideRight, int(rect.width())))


class Reliability(_Plot):
    """Fraction right (the reviewed image has the label) against mean score per score bin,
    with the diagonal of perfect calibration and the score axis 0-1 below.
    ``set_bins(bins, name)`` shows another model's."""

    X_TICKS = (0, 0.25, 0.5, 0.75, 1.0)
    DOT_MAX = 9  # a dot's largest radius
    TICK_GAP = DOT_MAX + 3  # the score values under the reach of a dot on the axis (one at 0 % hid "0.5")
    X_TITLE = "mean score"
    Y_TITLE = "fraction right"

    def __init__(self, bins: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.empty_text = "no scored label suggestion on a reviewed image yet"
        self.set_bins(bins)

    def set_bins(self, bins: list[dict], name: str = "all models pooled") -> None:
        self.bins, self.name = [b for b in bins if b["count"]], name
        self.update()

    def reference_color(self) -> QColor:
        """The diagonal's (perfect calibration, what the dots are read against): the
        palette's mid tone taken from the ground until it stands 3:1 from it (as a chart's
        lines must). Plain mid, it was 1.2:1 on a dark palette's ground: no line at all.
        Asked 4:1 from the window's colour: the tab page it sits on is painted a little
        lighter than that (67 on a #353535 window), where it stands 3:1."""
        pal = self.palette()
        return QColor(style.legible(pal.mid().color().name(), pal.window().color().name(), 4.0))

    def square(self) -> QRectF:
        area = self.plot_rect()
        side = min(area.width(), area.height())
        return QRectF(area.left(), area.top(), side, side)

    def area(self) -> QRectF:
        return self.square()

    def tick_labels(self) -> list[tuple[QRectF, str]]:
        area = self.square()
        return [(self._text_rect(f"{v:g}", area.left() + v * area.width(), area.bottom() + self.TICK_GAP,
                                 Qt.AlignHCenter), f"{v:g}") for v in self.X_TICKS]

    def dots(self) -> list[tuple[QPointF, float]]:
        """Each bin's dot: its centre and radius (the area grows with the count)."""
        if not self.bins:
            return []
        area, top = self.square(), max(b["count"] for b in self.bins)
        return [(QPointF(area.left() + b["mean_score"] * area.width(),
                         area.bottom() - b["right_fraction"] * area.height()),
                 3 + (self.DOT_MAX - 3) * (b["count"] / top) ** 0.5) for b in self.bins]

    def draw(self, p: QPainter) -> None:
        if not self.bins:
            self._empty(p)
            return
        area = self.square()
        self._axes(p, area, pct=True)
        p.setPen(QPen(self.palette().mid().color(), 1))
        for v in self.X_TICKS:  # the score axis: vertical grid lines and their values
            x = area.left() + v * area.width()
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
        self._write(p, self.tick_labels())
        self._legend(p, [(f"right vs score, {self.name}", QColor("#1e88e5"))])
        p.setPen(QPen(self.reference_color(), 1.5, Qt.DashLine))
        p.drawLine(area.bottomLeft(), area.topRight())
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#1e88e5"))
        for center, r in self.dots():
            p.drawEllipse(center, r, r)
        self._titles(p)


# acceptance over time, in a module of its own (it needs _Plot, defined above)
from .evaluation_timeline import TimeLine, day_positions, day_runs, dot_radius  # noqa: E402,F401
