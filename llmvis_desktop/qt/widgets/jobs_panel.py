"""JobsPanel: background jobs (index, thumbnails, suggest, export...) with progress and Cancel.

Generic over a job handle: the panel only knows a string id; the window's worker
layer feeds it and listens for ``cancelRequested`` to set the job's CancelToken.

Public API
----------
``JobsPanel(parent=None, keep_finished: int = 20)``

Methods
    ``add_job(job_id: str, title: str)``   a running row: title, progress bar, message,
                                           ETA/rate, Cancel. Re-adding an id replaces it.
    ``update_job(job_id, done: int, total: int | None, message: str = "",
                 eta_s: float | None = None, rate: float | None = None,
                 unit: str = "images")``   ``total`` None: a busy (indeterminate) bar;
                                           ``unit``: what ``rate`` counts, plural.
    ``finish_job(job_id, ok: bool, message: str = "")``  the row turns into a compact,
                                           faded done line (green ✓ / red ✗): the message
                                           whole, wrapped, its line breaks kept (up to
                                           ``MAX_DONE_LINES`` in view, then it scrolls); a
                                           failure's has a Copy button; at most
                                           ``keep_finished`` done lines are kept.
    ``clear_finished()``
    ``running_ids() -> list[str]``, ``has_job(job_id) -> bool``
    ``row(job_id) -> QWidget | None``      (tests)

Signals
    ``cancelRequested(str job_id)``  the Cancel button (the button then shows
                                     "Cancelling…" until ``finish_job``).

Module helpers: ``format_eta(seconds) -> str`` ("1 h 02 min", "3 min 05 s", "42 s"),
``format_rate(rate, unit="images") -> str`` ("1,234 files/s", "3.4 images/s", "1 image per 12 s").
"""
from __future__ import annotations

import time
from typing import Optional

from PySide6.QtCore import QPropertyAnimation, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.wording import took
from .. import style
from .elided_label import ElidedLabel

#: a done line's opacity once faded (the running jobs above it stand out)
FADED = 0.65
#: a done line (a failed job's reason) is shown whole up to this many lines; a longer one
#: scrolls in the dock (Copy copies it all)
MAX_DONE_LINES = 8


def format_eta(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    return took(seconds)


def format_rate(rate: Optional[float], unit: str = "images") -> str:
    """What ``rate`` counts said with it, as the CLI says it ("7.5 /s" said nothing)."""
    if rate is None or rate != rate or rate <= 0:
        return ""
    if rate >= 100:
        return f"{rate:,.0f} {unit}/s"
    if rate >= 1:
        return f"{rate:.1f} {unit}/s"
    one = unit[:-1] if unit.endswith("s") else unit
    return f"1 {one} per {1.0 / rate:.0f} s"


class _JobRow(QFrame):
    def __init__(self, panel: "JobsPanel", job_id: str, title: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.title = title
        self.started = time.monotonic()
        self.finished = False
        self.setObjectName("jobRow")
        self.setStyleSheet(
            # the palette's colours, text and ground together: a white row under the
            # palette's text (light grey in a dark theme) hid the job's title (1.25:1)
            "#jobRow { background: palette(base); border: 1px solid palette(mid); border-radius: 4px; }"
            " QLabel { background: transparent; border: none; color: palette(text); }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(3)
        head = QHBoxLayout()
        # elided with "…" (its whole text the tooltip): a long file name in a title was cut
        # mid-letter at the dock's edge, the Cancel button kept
        self.title_label = ElidedLabel(title, min_width=60)
        bold = self.title_label.font()
        bold.setBold(True)
        self.title_label.setFont(bold)
        head.addWidget(self.title_label, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this job (work done so far is kept)")
        self.cancel_button.clicked.connect(lambda: panel._on_cancel(job_id))
        head.addWidget(self.cancel_button)
        lay.addLayout(head)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.bar.setFixedHeight(16)
        lay.addWidget(self.bar)
        info = QHBoxLayout()
        # a path in it ("captioning a/b/long_name.png") loses its middle, not its file name:
        # cut off at the row's edge with no "…", it read as a whole (and wrong) name
        self.message_label = ElidedLabel("starting\u2026", min_width=0, elide=Qt.TextElideMode.ElideMiddle,
                                          path_first=True)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        info.addWidget(self.message_label, 1)
        self.eta_label = QLabel("")
        self.follow_palette()
        info.addWidget(self.eta_label)
        lay.addLayout(info)

    _outcome: Optional[tuple] = None  # (ok, message, how long it took) once finished

    def _done_text(self) -> str:
        ok, message, took_text = self._outcome
        # the palette's row ground (alternate-base) may be dark: colours that read on it
        ground = QPalette.ColorRole.AlternateBase
        color = (style.ok_color if ok else style.error_color)(self.palette(), ground)
        # and still seen once the line has faded (the green ✓ was 2.05:1 on a light row)
        color = style.legible(color, self.palette().color(ground).name(), 3.3, FADED)
        mark = "\u2713" if ok else "\u2717"
        text = f"<span style='color:{color}; font-weight:bold;'>{mark}</span> {_esc(self.title)}"
        if message:  # whole, its own line breaks kept (rich text ran them into one line)
            text += " \u2014 " + "<br>".join(_esc(line) for line in message.splitlines())
        muted = style.muted_color(self.palette())
        return text + f"<span style='color:{muted};'>{took_text}</span>"

    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark)."""
        if self._outcome is not None:
            self.done_label.setText(self._done_text())
        else:
            self.eta_label.setStyleSheet(f"color: {style.muted_color(self.palette())};")

    def update(self, done: int, total: Optional[int], message: str, eta_s, rate,  # noqa: A003
               unit: str = "images") -> None:
        if total is None or total <= 0:
            self.bar.setRange(0, 0)
            self.bar.setFormat(f"{done:,}")
        else:
            self.bar.setRange(0, int(total))
            self.bar.setValue(max(0, min(int(done), int(total))))
            self.bar.setFormat(f"{done:,} / {total:,}  (%p%)")
        if message:
            self.message_label.setText(message)
            self.message_label.setToolTip(message)
        bits = [b for b in (format_rate(rate, unit), f"ETA {format_eta(eta_s)}" if format_eta(eta_s) else "") if b]
        self.eta_label.setText("  \u00b7  ".join(bits))

    def finish(self, ok: bool, message: str) -> None:
        self.finished = True
        layout = self.layout()
        while layout.count():
            item = layout.takeAt(0)
            _dispose(item)
        self.setStyleSheet(
            "#jobRow { background: palette(alternate-base); border: none; border-bottom: 1px solid palette(mid); }"
            " QLabel { background: transparent; border: none; color: palette(text); }"
        )
        layout.setContentsMargins(8, 3, 8, 3)
        took = time.monotonic() - self.started
        self._outcome = (ok, message, f" ({format_eta(took)})" if took >= 1 else "")
        self.done_label = QLabel(self._done_text())
        self.done_label.setWordWrap(True)
        self.done_label.setToolTip(message)
        self.done_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        line = QHBoxLayout()
        line.setSpacing(6)
        line.addWidget(self.done_label, 1)
        self.copy_button = None
        if not ok and message and not message.startswith("cancelled"):  # a failure's reason, to paste in a report
            self.copy_button = QToolButton()
            self.copy_button.setText("Copy")
            self.copy_button.setAutoRaise(True)
            self.copy_button.setToolTip("Copy the whole reason")
            self.copy_button.clicked.connect(lambda: QApplication.clipboard().setText(f"{self.title} {message}"))
            line.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(line)
        # shown now, not on the next pass of the event loop: the panel measures this line
        # for the dock's height at once (hidden, it measured none of it: one wrapped line)
        self.done_label.show()
        if self.copy_button is not None:
            self.copy_button.show()
        effect = QGraphicsOpacityEffect(self)
        effect.setOpacity(1.0)
        self.setGraphicsEffect(effect)
        self._fade = QPropertyAnimation(effect, b"opacity", self)
        self._fade.setDuration(1200)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(FADED)
        self._fade.start()


def _dispose(item) -> None:
    """A layout item's widgets hidden now and deleted later: only deleted later, the
    running row's title and Cancel button stayed shown at their place, painted over the
    done line, until the event loop next ran its deferred deletes."""
    if item.widget() is not None:
        item.widget().hide()
        item.widget().deleteLater()
    elif item.layout() is not None:
        sub = item.layout()
        while sub.count():
            _dispose(sub.takeAt(0))
        sub.deleteLater()


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


class JobsPanel(QWidget):
    cancelRequested = Signal(str)
    #: the height the panel needs (:meth:`wanted_height`), after a job started or ended,
    #: and after a change of width changed it (wrapped lines)
    wantsHeight = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None, keep_finished: int = 20) -> None:
        super().__init__(parent)
        self._rows: dict[str, _JobRow] = {}
        self._done: list[_JobRow] = []
        self._keep = keep_finished
        self._asked = 0  # the height last asked for (wantsHeight)
        self.placeholder = QLabel("No background jobs.")
        self.follow_palette()
        body = QWidget()
        self._lay = QVBoxLayout(body)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(4)
        self._lay.addWidget(self.placeholder)
        self._lay.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # one line at the least (a scroll area's own minimum, ~70 px, held the dock at
        # 92 px for a single "done" line)
        scroll.setMinimumHeight(self.placeholder.sizeHint().height())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(scroll)


    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark)."""
        self.placeholder.setStyleSheet(f"color: {style.muted_color(self.palette())}; padding: 6px;")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(super().sizeHint().width(), self.wanted_height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        # a dock one line tall (the newest done line; the older ones scroll) showed a
        # scroll bar of two arrows and no handle: none while there is no room for one
        # (the wheel still scrolls); taller, the bar is back when the lines overflow
        short = self._scroll.height() < self._scroll.verticalScrollBar().sizeHint().height()
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if short
                                                else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # narrower, a wrapped line takes more lines (wider, fewer): the dock kept the
        # height of the old width, the done line's last line cut off at 960x540. Asked
        # once the layout has the new width (not from inside the window's layout pass)
        if event.size().width() != event.oldSize().width() and (self._rows or self._done):
            QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self.wanted_height() != self._asked:
            self._ask_height()

    def _ask_height(self) -> None:
        self._asked = self.wanted_height()
        self.wantsHeight.emit(self._asked)

    def wanted_height(self) -> int:
        """As tall as the running jobs' rows and the newest done line under them (a job
        that just failed while another ran had its line below the scroll: the dock fitted
        the running rows alone), or that one line ("No background jobs." before any) when
        none runs; the older done lines scroll."""
        rows = list(self._rows.values()) + self._done[:1] or [self.placeholder]
        m = self.layout().contentsMargins()
        width = self._scroll.viewport().width()

        def height(row) -> int:  # a wrapped done line: its lines at the panel's width
            if width > 0 and row.hasHeightForWidth():  # (its size hint wraps it to 3 lines)
                h = row.heightForWidth(width)
            else:
                h = row.sizeHint().height()
            if getattr(row, "finished", False):  # a long reason whole, up to a few lines; past them it scrolls
                h = min(h, MAX_DONE_LINES * row.fontMetrics().lineSpacing() + 8)
            return h

        lines = sum(height(r) for r in rows) + self._lay.spacing() * (len(rows) - 1)
        return lines + m.top() + m.bottom()

    # --- public API -----------------------------------------------------------------
    def add_job(self, job_id: str, title: str) -> None:
        old = self._rows.pop(job_id, None)
        if old is not None:
            self._remove(old)
        row = _JobRow(self, job_id, title)
        self._rows[job_id] = row
        # running jobs first, above the done lines
        self._lay.insertWidget(1 + self._running_count(), row)  # index 0: placeholder
        self._refresh_placeholder()
        self._ask_height()

    def update_job(self, job_id: str, done: int, total: Optional[int], message: str = "",
                   eta_s: Optional[float] = None, rate: Optional[float] = None, unit: str = "images") -> None:
        row = self._rows.get(job_id)
        if row is None or row.finished:
            return
        row.update(done, total, message, eta_s, rate, unit)

    def finish_job(self, job_id: str, ok: bool, message: str = "") -> None:
        row = self._rows.pop(job_id, None)
        if row is None or row.finished:
            return
        row.finish(ok, message)
        # move it below the running rows, newest done line first
        self._lay.removeWidget(row)
        self._lay.insertWidget(1 + self._running_count(), row)
        self._done.insert(0, row)
        while len(self._done) > self._keep:
            self._remove(self._done.pop())
        self._refresh_placeholder()
        self._ask_height()

    def clear_finished(self) -> None:
        while self._done:
            self._remove(self._done.pop())
        self._refresh_placeholder()

    def running_ids(self) -> list[str]:
        return list(self._rows)

    def has_job(self, job_id: str) -> bool:
        return job_id in self._rows

    def row(self, job_id: str) -> Optional[QWidget]:
        if job_id in self._rows:
            return self._rows[job_id]
        return next((r for r in self._done if r.job_id == job_id), None)

    # --- internals --------------------------------------------------------------------
    def _running_count(self) -> int:
        return sum(1 for r in self._rows.values() if self._lay.indexOf(r) >= 0)

    def _remove(self, row: _JobRow) -> None:
        self._lay.removeWidget(row)
        row.deleteLater()

    def _refresh_placeholder(self) -> None:
        self.placeholder.setVisible(not self._rows and not self._done)

    def _on_cancel(self, job_id: str) -> None:
        row = self._rows.get(job_id)
        if row is None or row.finished:
            return
        row.cancel_button.setEnabled(False)
        row.cancel_button.setText("Cancelling\u2026")
        self.cancelRequested.emit(job_id)
