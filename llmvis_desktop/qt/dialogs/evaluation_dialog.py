"""EvaluationDialog: the suggestion-quality report (``core.suggest.evaluate``) as tables and plots.

Public API
----------
``EvaluationDialog(report: dict, parent: QWidget | None = None, project: str = "")``  a QDialog
    titled with the project's folder name (``project``: the numbers are that project's), with tabs:
    *Labels* (horizontal P/R/F1 bars, one band per label, scrolling when there are many,
    with the exact numbers as tooltips; over a table; all models pooled or one picked),
    *Acceptance* (a table per model with
    its acceptance rates and its own label precision / recall / F1, and an
    acceptance-over-time plot of all models or one picked), *Captions & calibration* (edit
    distance, and the calibration table with a reliability plot of all models pooled or
    one picked). ``set_report(report)`` refreshes.
    Self-contained: plots are drawn with QPainter, no plotting library.
"""
from __future__ import annotations

import html
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.suggest.evaluate_repairs import repair_outputs_line
from ...core.suggest.evaluate_report import (ACCEPTANCE_COLUMNS, ACCEPTANCE_WORDS, acceptance_cells, answers_line,
                                             left_out_lines, next_step, outside_taxonomy_words, revision_rows,
                                             scored_images)
from ...core.wording import model_short_name
from .. import style
from ..screen import fit_to_screen
from .evaluation_plots import LabelBars, Reliability, TimeLine, _fmt, day_positions  # noqa: F401


def _count(n: int, word: str) -> str:
    """"<b>1</b> reviewed image", "<b>2</b> reviewed images"."""
    return f"<b>{n:,}</b> {word}{'' if n == 1 else 's'}"


def _labels_sentence(lab: dict, images: dict | None = None) -> str:
    """The label figures with the counts they come from, or that there are none: the
    summary said "precision 0.00, recall 0.00 ... No suggestion decided yet." over a
    table with FP 5, as if nothing had been evaluated (the label figures compare the
    suggestions with the reviews and need no decision)."""
    mi = lab["micro"]
    if not (mi.get("tp") or mi.get("fp") or mi.get("fn")):
        if lab.get("left_out"):  # there are some, left out: the sentences after this one say why
            return "Labels: no label suggestion on a reviewed image can be scored."
        return "Labels: no reviewed image with label suggestions to score yet."
    n = lab.get("images")
    # "17 reviewed images" were 14 reviewed and 3 rejected: both counts when both kinds, and
    # of how many ("21 of the 23 reviewed": the summary's first count is every reviewed image)
    images = images or {}
    totals = ({"reviewed_all": images["reviewed"], "rejected_all": images.get("rejected") or 0}
              if isinstance(images.get("reviewed"), int) else {})
    over = (f" over {scored_images(n, lab.get('images_rejected', 0), lambda k: f'<b>{k:,}</b>', **totals)}"
            f"{', those' if totals else ''} with label suggestions" if isinstance(n, int) else "")
    return (f"Labels{over}: precision <b>{_fmt(mi['precision'])}</b>, recall <b>{_fmt(mi['recall'])}</b>, "
            f"F1 <b>{_fmt(mi['f1'])}</b> (micro; TP {mi['tp']}, FP {mi['fp']}, FN {mi['fn']}), "
            f"macro F1 <b>{_fmt(lab['macro_f1'])}</b>.")


def model_names(report: dict) -> dict[str, str]:
    """Each model of ``report`` as the dialog names it: a local folder by its name
    (:func:`~llmvis_desktop.core.wording.model_short_name`; whole, the path made the models'
    table scroll sideways in a 784 px dialog), its whole path the cell's tooltip; two
    models whose short names are the same keep their whole ones."""
    ids = [a["model_id"] for a in report.get("acceptance") or []]
    ids += list((report.get("labels") or {}).get("by_model") or {})
    for key in ("over_time_by_model", "calibration_by_model"):
        ids += list(report.get(key) or {})
    ids += list((report.get("captions") or {}).get("by_model") or {})
    short = {m: model_short_name(m) for m in dict.fromkeys(ids)}
    taken = list(short.values())
    return {m: (m if taken.count(s) > 1 else s) for m, s in short.items()}


def _acceptance_sentence(rates: list[dict], shown: int = 3, names: Optional[dict] = None) -> str:
    """The acceptance of the models with the most decisions, and how many more there are
    (the summary named the first three by name and said nothing of a fourth)."""
    names = names or {}
    top = sorted(rates, key=lambda a: (-a["decided"], a["model_id"]))
    text = "Acceptance: " + ", ".join(html.escape(names.get(a["model_id"], a["model_id"])) + " "
                                      + _fmt(a["rate"], True) for a in top[:shown])
    more = len(top) - shown
    return text + (f" and {more} more model{'s' if more != 1 else ''} (Acceptance tab)." if more > 0 else ".")


class _Table(QTableWidget):
    """A table that, with no rows, says why (``empty_text``) where its rows would be: the
    plots beside the tables did, the tables were blank boxes."""

    empty_text = ""

    def shows_empty_text(self) -> bool:
        return self.rowCount() == 0 and bool(self.empty_text)

    def paintEvent(self, e) -> None:
        super().paintEvent(e)
        if self.shows_empty_text():
            with QPainter(self.viewport()) as p:
                p.setPen(QColor(style.note_color(self.palette())))  # (placeholder-text: 3.9:1)
                p.drawText(self.viewport().rect().adjusted(12, 8, -12, -8),
                           Qt.AlignCenter | Qt.TextWordWrap, self.empty_text)


class _Note(QLabel):
    """A note under a table (what a column means), wrapped, in the panel's secondary text
    colour (``style.note_color``: the palette's placeholder-text was 3.8:1 to 4.0:1 on the
    tab page), worked out again when the OS switches light/dark."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.follow_palette()

    def follow_palette(self) -> None:
        # from the application's palette: its own has the colour of the last sheet as text
        from PySide6.QtWidgets import QApplication

        self.setStyleSheet(f"color: {style.note_color(QApplication.palette())}")


def _table(headers: list[str], rows: list[list[str]], empty: str = "", tips: Optional[dict] = None) -> QTableWidget:
    t = _Table(len(rows), len(headers))
    t.empty_text = empty
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.NoSelection)
    t.setTabKeyNavigation(False)  # Tab leaves the table (it went from cell to cell, trapped)
    _fill(t, headers, rows, tips)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 8)  # compact rows: more of them show
    # every column as wide as its contents, the first too: stretched to what was left of
    # the dialog, it read "learned:handcr…" (the model's name cut) at every size; the
    # dialog opens as wide as the table asks (:func:`_table_width`), within the screen
    for c in range(len(headers)):
        t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeToContents)
    return t


def _table_width(t: QTableWidget) -> int:
    """The width that shows every column of ``t`` whole."""
    header = t.horizontalHeader()
    columns = sum(max(header.sectionSizeHint(c), t.sizeHintForColumn(c)) for c in range(t.columnCount()))
    return columns + 2 * t.frameWidth() + t.verticalScrollBar().sizeHint().width()


def _fill(t: QTableWidget, headers: list[str], rows: list[list[str]], tips: Optional[dict] = None) -> None:
    """``tips``: the first column's tooltip for a text shown there (a model's whole path)."""
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip((tips or {}).get(text, text) if c == 0 else f"{headers[0]} {row[0]}: {headers[c]} {text}")
            if c > 0:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            t.setItem(r, c, item)


def _picker(choices: list[tuple[str, str]], on_pick) -> QComboBox:
    """A combo of (shown text, key) calling ``on_pick(key, text)`` on a choice."""
    combo = QComboBox()
    for text, key in choices:
        combo.addItem(text, key)
    combo.currentIndexChanged.connect(lambda i: on_pick(combo.itemData(i), combo.itemText(i)))
    return combo


#: the columns of ``llmvis evaluate``'s "Acceptance per model" (evaluate_report.ACCEPTANCE_COLUMNS),
#: in its order, then the model's label scores: the same words for the same figures
ACCEPTANCE_HEADERS = ["model", *ACCEPTANCE_COLUMNS, "label P", "label R", "label F1"]
CALIBRATION_HEADERS = ["score bin", "count", "mean score", "right"]
POOLED = "all models (pooled)"


def _no_cards(model_id: str) -> dict:
    """The acceptance figures of a model with label figures and no card: it only ever
    judged images free of every label (the learned suggester's "no")."""
    return {"model_id": model_id, "suggested": 0, "decided": 0, "accepted": 0, "edited": 0, "edited_kept": 0,
            "rejected": 0, "pending": 0, "rate": None, "rate_as_is": None}


def _acceptance_rows(report: dict, names: Optional[dict] = None) -> list[list[str]]:
    """A row per model: its decisions, and its own label precision / recall / F1 (micro;
    "–" for a model that suggested no label on a reviewed image). A model that scored
    images and left no card on any (``labels.by_model`` only) has a row too: it was
    missing here while the text report's "Labels per model" listed it."""
    by_model = report["labels"].get("by_model") or {}
    listed = {a["model_id"] for a in report["acceptance"]}
    out = []
    for model in list(report["acceptance"]) + [_no_cards(k) for k in by_model if k not in listed]:
        labels = by_model.get(model["model_id"]) or {}
        # a model retrained under one id: its newest revisions' rows under its pooled one
        revs, older = revision_rows(model)
        n = len(model.get("by_revision") or [])
        label_revs = {x["revision"]: x for x in labels.get("by_revision") or []}
        rows = [((names or {}).get(model["model_id"], model["model_id"]), model, labels)] + [
            (f"    {'-' if a['revision'] is None else a['revision']} ({older + k + 1} of {n} revisions)", a,
             label_revs.get(a["revision"]) or {}) for k, a in enumerate(revs)]
        for name, a, lab in rows:
            mi = lab.get("micro") or {}
            out.append([name, *acceptance_cells(a, lambda x: _fmt(x, True)),
                        _fmt(mi.get("precision")), _fmt(mi.get("recall")), _fmt(mi.get("f1"))])
    return out


LABEL_HEADERS = ["label", "precision", "recall", "F1", "support", "TP", "FP", "FN"]


def _label_rows(per_label: list[dict]) -> list[dict]:
    """The labels with something to show: reviewed, or predicted."""
    return [r for r in per_label if r["support"] or r["tp"] or r["fp"]]


def _label_cells(rows: list[dict]) -> list[list[str]]:
    return [[r["label"], _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"]), str(r["support"]),
             str(r["tp"]), str(r["fp"]), str(r["fn"])] for r in rows]


def _calibration_rows(bins: list[dict]) -> list[list[str]]:
    return [[b["bin"], str(b["count"]), _fmt(b["mean_score"]), _fmt(b["right_fraction"], True)]
            for b in bins if b["count"]]


def _row(*widgets) -> QHBoxLayout:
    lay = QHBoxLayout()
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return lay


#: the window's title (and the menu item's name, less its "…")
TITLE = "Evaluation dashboard"


class EvaluationDialog(QDialog):
    def __init__(self, report: dict, parent: Optional[QWidget] = None, project: str = "") -> None:
        super().__init__(parent)
        # which project's numbers: the window can open another folder meanwhile
        # named as Suggestions ▸ Evaluation dashboard… names it (it said "How good are the
        # suggestions": a reviewer looking for the dashboard's window found no such name)
        self.setWindowTitle(TITLE + (f" \u2014 {project}" if project else ""))
        fit_to_screen(self, 760, 560)
        self.tabs = QTabWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.Close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.set_report(report)
        # as wide as the models' table asks (it was 760 px whatever the names), within the screen
        need = _table_width(self.acceptance_table)
        for layout in (lay, self.acceptance_table.parentWidget().layout()):
            m = layout.contentsMargins()
            need += m.left() + m.right()
        frame = self.tabs.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
        fit_to_screen(self, max(760, need + 2 * frame + 4), 560)

    def set_report(self, report: dict) -> None:
        """Show ``report``, on the tab and with the models picked before (a refresh went
        back to the Labels tab and "all models"; a model no longer in it: all models)."""
        self.report = report
        tab = self.tabs.currentIndex()
        picked = [(name, getattr(self, name).currentData())
                  for name in ("label_picker", "timeline_picker", "calibration_picker")
                  if getattr(self, name, None) is not None]
        while self.tabs.count():
            w = self.tabs.widget(0)
            self.tabs.removeTab(0)
            w.deleteLater()
        lab, caps = report["labels"], report["captions"]
        # reviewed images whose label suggestions are all left out, and why (files changed
        # since: the Labels tab said only "no reviewed image has a label suggestion yet")
        left_out = left_out_lines(report)
        rates = [a for a in report["acceptance"] if a["rate"] is not None]
        names = model_names(report)
        tips = {shown: m for m, shown in names.items()}
        self.summary.setText(
            _count(report["images"]["reviewed"], "reviewed image")
            + (f" and <b>{report['images']['rejected']}</b> rejected" if report["images"].get("rejected") else "")
            + ", " + _count(report["suggestions"], "suggestion") + ". "
            + _labels_sentence(lab, report["images"]) + " "
            + "".join(html.escape(line) + ". " for line in left_out)
            + "".join(html.escape(line) + ". " for line in [repair_outputs_line(report)] if line)
            + (f"Caption edit distance <b>{_fmt(caps['mean_edit_distance'])}</b>. "
               if caps.get("mean_edit_distance") is not None
               else f"Captions: <b>{caps['rejected_unwritten']}</b> rejected with no caption written after, "
                    "nothing to compare. " if caps.get("rejected_unwritten")
               else "Captions: no suggested caption decided yet. ")
            + (_acceptance_sentence(rates, names=names) if rates else "Acceptance: no suggestion decided yet.")
            + (" " + outside_taxonomy_words(lab["outside_taxonomy"]).replace(
                f"{lab['outside_taxonomy']:,}", f"<b>{lab['outside_taxonomy']:,}</b>", 1) + " left out."
               if lab.get("outside_taxonomy") else "")
            + (f" <b>{report['calibration_excluded']}</b> score{'s' if report['calibration_excluded'] != 1 else ''}"
               " outside 0-1 left out of the calibration."
               if report.get("calibration_excluded") else "")
            + (f" {html.escape(next_step(report, window=True))}." if next_step(report, window=True) else "")
        )
        rows = _label_rows(lab["per_label"])

        page = QWidget()
        v = QVBoxLayout(page)
        self.label_bars = LabelBars(rows)
        if left_out:
            self.label_bars.empty_text = ("no reviewed image has a label suggestion to score:\n"
                                          + "\n".join(left_out))
        table_empty = self.label_bars.empty_text
        if not left_out and next_step(report, window=True):  # nothing yet: what to do (the summary says it too)
            self.label_bars.empty_text += "\n\n" + next_step(report, window=True)
        # one band per label: with many labels the chart grows and scrolls; the splitter
        # between chart and table can be dragged
        self.label_scroll = QScrollArea()
        self.label_scroll.setWidgetResizable(True)
        self.label_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.label_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.label_scroll.setWidget(self.label_bars)
        self.label_table = _table(LABEL_HEADERS, _label_cells(rows), table_empty)
        # the figures above pool every model's predictions; each model's own, picked here
        # (the tab never said whose they were, and only --json had them per model)
        label_models = lab.get("by_model") or {}

        def pick_labels(key, _text) -> None:
            picked = _label_rows((lab if key is None else label_models[key])["per_label"])
            self.label_bars.set_rows(picked)
            _fill(self.label_table, LABEL_HEADERS, _label_cells(picked))

        self.label_picker = _picker([(POOLED, None)] + [(names.get(k, k), k) for k in label_models], pick_labels)
        v.addLayout(_row(QLabel("Per-label figures of"), self.label_picker))
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.label_scroll)
        split.addWidget(self.label_table)
        # few labels: the chart takes what it needs and the table the rest; many: about half each
        table_h = self.label_table.horizontalHeader().height() + 4 + sum(
            self.label_table.rowHeight(i) for i in range(self.label_table.rowCount()))
        split.setSizes([min(self.label_bars.needed_height(), 600), min(max(table_h, 120), 600)])
        self.label_split = split
        v.addWidget(split, 1)
        note = self.label_note = _Note("\n".join([lab.get("rule", "")] + left_out))
        v.addWidget(note)
        self.tabs.addTab(page, "Labels")

        page = QWidget()
        v = QVBoxLayout(page)
        self.acceptance_table = _table(ACCEPTANCE_HEADERS, _acceptance_rows(report, names), "no suggestion yet", tips)
        v.addWidget(self.acceptance_table, 2)
        note = self.acceptance_note = _Note(
            ACCEPTANCE_WORDS + "; label P / R / F1: the model's own label predictions (micro); a model "
            "retrained under one id: its row pools its revisions, the rows under it are each revision's"
            + (f"\n{answers_line(report)}" if answers_line(report) else ""))
        v.addWidget(note)
        self.timeline = TimeLine(report["over_time"])
        over = report.get("over_time_by_model") or {}
        self.timeline_picker = _picker(
            [("all models", None)] + [(names.get(k, k), k) for k in over],
            lambda key, text: self.timeline.set_series(report["over_time"] if key is None else over[key], text))
        v.addLayout(_row(QLabel("Acceptance over time of"), self.timeline_picker))
        v.addWidget(self.timeline, 3)
        self.tabs.addTab(page, "Acceptance")

        page = QWidget()
        v = QVBoxLayout(page)
        cap_rows = [[names.get(k, k), str(c["decided"]), _fmt(c["mean_edit_distance"]),
                     str(c.get("rejected_unwritten") or 0)] for k, c in caps["by_model"].items()]
        unwritten = caps.get("rejected_unwritten") or 0
        # wrapped: with the count of captions rejected unwritten it was one line 972 px wide, and
        # the dialog opened that wide on an 800 px screen (Close and the tables' right off it)
        self.caption_heading = QLabel("Captions: normalised edit distance between suggested and final caption "
                                      "(0 = kept as suggested, 1 = rewritten)"
                                      + (f"; {unwritten} rejected with no caption written after, left out"
                                         if unwritten else ""))
        self.caption_heading.setWordWrap(True)
        v.addWidget(self.caption_heading)
        self.caption_table = _table(["model", "decided", "mean edit distance", "rejected, none written"], cap_rows,
                                    "no suggested caption decided yet (accepted, edited or rejected)", tips)
        v.addWidget(self.caption_table, 1)
        by_model = report.get("calibration_by_model") or {}
        self.reliability = Reliability(report["calibration"])
        self.calibration_table = _table(CALIBRATION_HEADERS, _calibration_rows(report["calibration"]),
                                        self.reliability.empty_text)

        def pick(key, text) -> None:
            bins = report["calibration"] if key is None else by_model[key]
            _fill(self.calibration_table, CALIBRATION_HEADERS, _calibration_rows(bins))
            self.reliability.set_bins(bins, "all models pooled" if key is None else text)

        self.calibration_picker = _picker([(POOLED, None)] + [(names.get(k, k), k) for k in by_model], pick)
        v.addLayout(_row(QLabel("Calibration of"), self.calibration_picker))
        row = QHBoxLayout()
        row.addWidget(self.calibration_table, 1)
        row.addWidget(self.reliability, 1)
        v.addLayout(row, 3)
        self.tabs.addTab(page, "Captions && calibration")
        # the content before Close (the tables, made after the buttons, came after them)
        content = [w for i in range(self.tabs.count()) for w in self.tabs.widget(i).findChildren(QWidget)
                   if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is self]  # not a combo's popup
        chain = [self.tabs] + content + [self.close_button]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)
        for name, key in picked:
            found = getattr(self, name).findData(key) if key is not None else -1
            if found > 0:
                getattr(self, name).setCurrentIndex(found)
        self.tabs.setCurrentIndex(max(tab, 0))
