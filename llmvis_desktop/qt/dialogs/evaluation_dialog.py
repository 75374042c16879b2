"""EvaluationDialog: the suggestion-quality report (``core.suggest.evaluate``) as tables and plots.

Public API
----------
``EvaluationDialog(report: dict, parent: QWidget | None = None)``  a QDialog with tabs:
    *Labels* (grouped P/R/F1 bars per label over a table), *Acceptance* (a table per
    model and an acceptance-over-time line), *Captions & calibration* (edit distance
    and the calibration table with a reliability plot). ``set_report(report)`` refreshes.
    Self-contained: plots are drawn with QPainter, no plotting library.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

SERIES = (("precision", QColor("#1e88e5")), ("recall", QColor("#fb8c00")), ("f1", QColor("#43a047")))


def _fmt(x, pct: bool = False) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if pct else f"{x:.2f}"


class _Plot(QWidget):
    """Axes 0..1 on the left, category labels at the bottom, a legend on top."""

    MARGIN = (44, 26, 34, 40)  # left, top, right, bottom

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 200)
        self.empty_text = "nothing to show yet"

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
        p.drawText(self.rect(), Qt.AlignCenter, self.empty_text)


class LabelBars(_Plot):
    """Grouped precision / recall / F1 bars per label (a missing value draws no bar)."""

    def __init__(self, rows: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.empty_text = "no reviewed image has a label suggestion yet"

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        if not self.rows:
            self._empty(p)
            return
        area = self.plot_rect()
        self._axes(p, area)
        self._legend(p, [(n.upper() if n == "f1" else n, c) for n, c in SERIES])
        group = area.width() / len(self.rows)
        bar = min(22.0, group * 0.8 / 3)
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        for i, row in enumerate(self.rows):
            x0 = area.left() + i * group + (group - 3 * bar) / 2
            for k, (name, color) in enumerate(SERIES):
                v = row.get(name)
                if v is None:
                    continue
                h = max(1.0, v * area.height())
                p.fillRect(QRectF(x0 + k * bar, area.bottom() - h, bar - 1, h), color)
            p.setFont(font)
            p.setPen(self.palette().text().color())
            label = p.fontMetrics().elidedText(f"{row['label']} ({row['support']})", Qt.ElideRight, int(group) - 2)
            p.drawText(QRectF(area.left() + i * group, area.bottom() + 4, group, 18), Qt.AlignHCenter, label)


class TimeLine(_Plot):
    """Acceptance rate per day as a line with dots; the decided count under each day."""

    def __init__(self, series: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.series = series
        self.empty_text = "no suggestion has been decided yet"

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        if not self.series:
            self._empty(p)
            return
        area = self.plot_rect()
        self._axes(p, area, pct=True)
        self._legend(p, [("accepted or edited / decided, per day", QColor("#43a047"))])
        n = len(self.series)
        step = area.width() / max(1, n - 1) if n > 1 else 0
        pts = []
        for i, d in enumerate(self.series):
            x = area.left() + (i * step if n > 1 else area.width() / 2)
            pts.append(QPointF(x, area.bottom() - d["rate"] * area.height()))
        path = QPainterPath(pts[0])
        for pt in pts[1:]:
            path.lineTo(pt)
        p.setPen(QPen(QColor("#43a047"), 2))
        p.drawPath(path)
        p.setBrush(QColor("#43a047"))
        for pt in pts:
            p.drawEllipse(pt, 3.5, 3.5)
        p.setPen(self.palette().text().color())
        every = max(1, n // 6)
        for i, (pt, d) in enumerate(zip(pts, self.series)):
            if i % every == 0 or i == n - 1:
                p.drawText(QRectF(pt.x() - 45, area.bottom() + 4, 90, 16), Qt.AlignHCenter, d["day"][5:])
                p.drawText(QRectF(pt.x() - 45, area.bottom() + 19, 90, 16), Qt.AlignHCenter, f"n={d['decided']}")


class Reliability(_Plot):
    """Fraction accepted against mean score per score bin, with the diagonal of perfect calibration."""

    def __init__(self, bins: list[dict], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.bins = [b for b in bins if b["count"]]
        self.empty_text = "no decided label suggestion with a score yet"

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        if not self.bins:
            self._empty(p)
            return
        area = self.plot_rect()
        side = min(area.width(), area.height())
        area = QRectF(area.left(), area.top(), side, side)
        self._axes(p, area, pct=True)
        self._legend(p, [("accepted vs score", QColor("#1e88e5"))])
        p.setPen(QPen(self.palette().mid().color(), 1, Qt.DashLine))
        p.drawLine(area.bottomLeft(), area.topRight())
        top = max(b["count"] for b in self.bins)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#1e88e5"))
        for b in self.bins:
            x = area.left() + b["mean_score"] * area.width()
            y = area.bottom() - b["accepted_fraction"] * area.height()
            r = 3 + 6 * (b["count"] / top) ** 0.5
            p.drawEllipse(QPointF(x, y), r, r)
        p.setPen(self.palette().text().color())
        p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), 16), Qt.AlignHCenter, "mean score")


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.NoSelection)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            t.setItem(r, c, item)
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
    for c in range(1, len(headers)):
        t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeToContents)
    return t


class EvaluationDialog(QDialog):
    def __init__(self, report: dict, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("How good are the suggestions")
        self.resize(760, 560)
        self.tabs = QTabWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.set_report(report)

    def set_report(self, report: dict) -> None:
        self.report = report
        while self.tabs.count():
            w = self.tabs.widget(0)
            self.tabs.removeTab(0)
            w.deleteLater()
        lab, caps = report["labels"], report["captions"]
        mi = lab["micro"]
        rates = [a for a in report["acceptance"] if a["rate"] is not None]
        self.summary.setText(
            f"<b>{report['images']['reviewed']}</b> reviewed images, <b>{report['suggestions']}</b> suggestions. "
            f"Labels: precision <b>{_fmt(mi['precision'])}</b>, recall <b>{_fmt(mi['recall'])}</b>, "
            f"F1 <b>{_fmt(mi['f1'])}</b> (micro). "
            f"Caption edit distance <b>{_fmt(caps['mean_edit_distance'])}</b>. "
            + ("Acceptance " + ", ".join(a["model_id"] + " " + _fmt(a["rate"], True) for a in rates[:3]) + "."
               if rates else "No suggestion decided yet.")
        )
        rows = [r for r in lab["per_label"] if r["support"] or r["tp"] or r["fp"]]

        page = QWidget()
        v = QVBoxLayout(page)
        self.label_bars = LabelBars(rows)
        v.addWidget(self.label_bars, 3)
        v.addWidget(_table(["label", "precision", "recall", "F1", "support", "TP", "FP", "FN"], [
            [r["label"], _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"]), str(r["support"]),
             str(r["tp"]), str(r["fp"]), str(r["fn"])] for r in rows]), 2)
        note = QLabel(lab.get("rule", ""))
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text)")
        v.addWidget(note)
        self.tabs.addTab(page, "Labels")

        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(_table(["model", "suggested", "decided", "accepted", "edited", "rejected", "rate"], [
            [a["model_id"], str(a["suggested"]), str(a["decided"]), str(a["accepted"]), str(a["edited"]),
             str(a["rejected"]), _fmt(a["rate"], True)] for a in report["acceptance"]]), 2)
        self.timeline = TimeLine(report["over_time"])
        v.addWidget(self.timeline, 3)
        self.tabs.addTab(page, "Acceptance")

        page = QWidget()
        v = QVBoxLayout(page)
        cap_rows = [[k, str(c["decided"]), _fmt(c["mean_edit_distance"])] for k, c in caps["by_model"].items()]
        v.addWidget(QLabel("Captions: normalised edit distance between suggested and final caption "
                           "(0 = kept as suggested, 1 = rewritten)"))
        v.addWidget(_table(["model", "decided", "mean edit distance"], cap_rows), 1)
        cal = [b for b in report["calibration"] if b["count"]]
        row = QHBoxLayout()
        row.addWidget(_table(["score bin", "count", "mean score", "accepted"], [
            [b["bin"], str(b["count"]), _fmt(b["mean_score"]), _fmt(b["accepted_fraction"], True)] for b in cal]), 1)
        self.reliability = Reliability(report["calibration"])
        row.addWidget(self.reliability, 1)
        v.addLayout(row, 3)
        self.tabs.addTab(page, "Captions && calibration")
