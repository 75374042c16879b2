"""EvaluationDialog renders a report (and an empty one) with its plots; screenshot in shots/."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

from PySide6.QtCore import QPointF, Qt  # noqa: E402

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _report():
    per = [
        {"label": "crack", "tp": 18, "fp": 2, "fn": 1, "support": 19, "precision": 0.9, "recall": 0.947, "f1": 0.923},
        {"label": "ok", "tp": 15, "fp": 6, "fn": 4, "support": 19, "precision": 0.714, "recall": 0.789, "f1": 0.75},
        {"label": "pitting", "tp": 20, "fp": 0, "fn": 0, "support": 20, "precision": 1.0, "recall": 1.0, "f1": 1.0},
        {"label": "scratch", "tp": 16, "fp": 2, "fn": 3, "support": 19, "precision": 0.889, "recall": 0.842,
         "f1": 0.865},
        {"label": "stain", "tp": 12, "fp": 5, "fn": 7, "support": 19, "precision": 0.706, "recall": 0.632,
         "f1": 0.667},
        {"label": "dent", "tp": 0, "fp": 1, "fn": 0, "support": 0, "precision": 0.0, "recall": None, "f1": None},
    ]
    cal = []
    for i in range(10):
        n = [0, 3, 5, 4, 6, 8, 9, 12, 20, 30][i]
        cal.append({"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "lo": i / 10, "hi": (i + 1) / 10, "count": n,
                    "mean_score": (i + 0.5) / 10 if n else None,
                    "right_fraction": min(1.0, (i + 0.3) / 10) if n else None})
    days = [{"day": f"2026-03-{d:02d}", "decided": 20 + d, "accepted": 10 + d, "rate": (10 + d) / (20 + d)}
            for d in range(1, 9)]
    return {
        "generated_at": "2026-03-09T10:00:00+00:00",
        "images": {"reviewed": 96, "with_label_suggestions": 96},
        "suggestions": 310,
        "labels": {"per_label": per, "micro": {"tp": 81, "fp": 16, "fn": 15, "support": 96, "precision": 0.835,
                                               "recall": 0.844, "f1": 0.839},
                   "macro_f1": 0.84, "rule": "predicted = score >= 0.5 or top-1", "by_model": {}},
        "acceptance": [
            {"model_id": "learned:handcrafted-v3", "suggested": 200, "decided": 150, "pending": 50, "accepted": 120,
             "edited": 0, "rejected": 30, "rate": 0.8},
            {"model_id": "blip-base", "suggested": 110, "decided": 60, "pending": 50, "accepted": 20,
             "edited": 30, "rejected": 10, "rate": 50 / 60},
        ],
        "captions": {"decided": 60, "mean_edit_distance": 0.31,
                     "by_model": {"blip-base": {"decided": 60, "mean_edit_distance": 0.31}}},
        "calibration": cal,
        "over_time": days,
        "over_time_by_model": {},
    }


def test_dialog_renders(qtbot):
    w = EvaluationDialog(_report())
    qtbot.addWidget(w)
    w.resize(820, 640)
    w.show()
    assert w.tabs.count() == 3
    assert "0.84" in w.summary.text() and "learned:handcrafted-v3 80.0%" in w.summary.text()
    assert len(w.label_bars.rows) == 6 and len(w.timeline.series) == 8 and len(w.reliability.bins) == 9
    SHOTS.mkdir(exist_ok=True)
    for i, name in enumerate(("evaluation", "evaluation_acceptance", "evaluation_calibration")):
        w.tabs.setCurrentIndex(i)
        qtbot.wait(10)
        assert w.grab().save(str(SHOTS / f"{name}.png"))


def test_empty_report(qtbot):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest.evaluate import evaluate

    import tempfile

    with tempfile.TemporaryDirectory() as d, Project.open(d) as p:
        report = evaluate(p)
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    w.show()
    text = w.summary.text()
    assert "Acceptance: no suggestion decided yet." in text
    assert "no reviewed image with label suggestions" in text and "0.00" not in text and "–" not in text
    assert w.label_bars.rows == [] and w.grab().width() > 0
    w.set_report(_report())
    assert w.tabs.count() == 3 and len(w.label_bars.rows) == 6


def _many_labels_report(n: int) -> dict:
    rep = _report()
    names = ["corrosion-under-insulation-severe", "hairline crack along the weld seam (left side)"]
    names += [f"label{i:02d}" for i in range(n - len(names))]
    per = []
    for i, name in enumerate(names):
        tp, fp, fn = (i * 7 + 2) % 9, (i * 5 + 1) % 4, (i * 3 + 1) % 5
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else None
        f = 2 * p * r / (p + r) if r and (p + r) else (0.0 if r is not None else None)
        per.append({"label": name, "tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r,
                    "f1": f})
    rep["labels"]["per_label"] = per
    return rep


def _visible_rows(table) -> int:
    vp = table.viewport().height()
    return sum(1 for r in range(table.rowCount())
               if 0 <= table.rowViewportPosition(r) and table.rowViewportPosition(r) + table.rowHeight(r) <= vp)


def _shown(qtbot, report) -> EvaluationDialog:
    """The dashboard on ``report`` at its default size, shown."""
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    w.resize(760, 560)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_many_labels_stay_readable(qtbot):
    """25 labels at the default size: every label gets its own band with bars of a few pixels
    and its name shown in full (short names) or elided in the middle; the chart grows and
    scrolls instead of squeezing; the table shows more than a handful of rows."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QScrollArea

    w = _shown(qtbot, _many_labels_report(25))
    bars = w.label_bars
    assert len(bars.rows) == 25
    scroll = bars.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea) and scroll.widget() is bars
    assert bars.height() >= 25 * 20 and scroll.verticalScrollBar().maximum() > 0  # grows, scrolls
    bands = bars.bands()
    assert len(bands) == 25
    for (_r1, b1), (_r2, b2) in zip(bands, bands[1:]):
        assert b2.top() >= b1.bottom() - 0.01  # no overlap
    for row, band in bands:
        assert all(rect.height() >= 5 for rect in bars.bar_rects(band)), row["label"]
    fm = QFontMetrics(bars._small_font())
    width = bars.name_width()
    assert width >= 90
    for row in bars.rows:
        name = bars._name(row)
        if len(row["label"]) <= 12:  # short names: in full, not "la…"
            assert fm.elidedText(name, Qt.ElideMiddle, width - 4) == name
    assert _visible_rows(w.label_table) >= 7
    SHOTS.mkdir(exist_ok=True)
    assert w.grab().save(str(SHOTS / "evaluation_many_labels.png"))


def test_label_bars_tooltips_give_exact_numbers(qtbot):
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    rep = _many_labels_report(25)
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.resize(760, 560)
    w.show()
    qtbot.waitExposed(w)
    bars = w.label_bars
    rows = {r["label"]: r for r in rep["labels"]["per_label"]}
    for row, band in bars.bands()[:6]:
        rects = bars.bar_rects(band)
        for (name, _c), rect in zip((("precision", 0), ("recall", 0), ("f1", 0)), rects):
            tip = bars.tooltip_at(QPoint(int(rect.left() + 3), int(rect.center().y())))
            assert tip is not None and row["label"] in tip
            r = rows[row["label"]]
            for key in ("precision", "recall", "f1"):
                assert ("–" if r[key] is None else f"{r[key]:.3f}") in tip
            assert f"TP {r['tp']}" in tip and f"FP {r['fp']}" in tip and f"FN {r['fn']}" in tip
            shown = "F1" if name == "f1" else name
            assert f"<b>{shown} " in tip  # the hovered bar is the bold one
        # over the name, too
        assert row["label"] in bars.tooltip_at(QPoint(5, int(band.center().y())))
    assert bars.tooltip_at(QPoint(5, 5)) is None  # the legend
    # a real tooltip event shows it
    row, band = bars.bands()[1]
    pos = QPoint(10, int(band.center().y()))
    QApplication.sendEvent(bars, QHelpEvent(QEvent.Type.ToolTip, pos, bars.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=10000)
    assert row["label"] in QToolTip.text()
    # the table says the full label name too
    assert w.label_table.item(1, 0).toolTip() == "hairline crack along the weld seam (left side)"


def test_few_labels_and_scrolled_header(qtbot):
    w = _shown(qtbot, _many_labels_report(3))
    bars = w.label_bars
    assert len(bars.rows) == 3
    assert w.label_scroll.verticalScrollBar().maximum() == 0  # three labels: nothing to scroll
    assert all(bars.tooltip_at(QPointF(5, b.center().y()).toPoint()) for _r, b in bars.bands())
    assert w.grab().save(str(SHOTS / "evaluation_3_labels.png"))
    # many labels, scrolled: the legend and axis stay at the top of the view
    w.set_report(_many_labels_report(25))
    sb = w.label_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: sb.maximum() > 0, timeout=10000)
    sb.setValue(sb.maximum())
    qtbot.waitUntil(lambda: w.label_bars.header_top() > 0, timeout=10000)
    assert w.label_bars.header_top() == -w.label_bars.y()


def test_days_are_placed_by_date_and_show_the_year_across_years(qtbot):
    """A year without decisions took one step's room, and 2025-01-01 and 2026-01-01 were
    both labelled "01-01"."""
    from datetime import date

    from llmvis_desktop.qt.dialogs.evaluation_dialog import day_positions

    days = [date(2025, 1, 1), date(2025, 1, 2), date(2026, 1, 1)]
    assert day_positions(days, 10.0, 365.0) == [10.0, 11.0, 375.0]
    assert day_positions(days[:1], 10.0, 100.0) == [60.0]
    report = _report()
    report["over_time"] = [{"day": d.isoformat(), "decided": 4, "accepted": 2 + i, "rate": (2 + i) / 4}
                           for i, d in enumerate(days)]
    report["images"]["rejected"] = 5
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    w.resize(820, 640)
    w.show()
    assert "<b>5</b> rejected" in w.summary.text()
    w.tabs.setCurrentIndex(1)
    qtbot.wait(10)
    SHOTS.mkdir(exist_ok=True)
    assert w.grab().save(str(SHOTS / "evaluation_acceptance_years.png"))


def test_the_summary_names_macro_f1_and_every_model_count(qtbot):
    """The summary gave no macro F1, and named the first three models alphabetically,
    saying nothing of a fourth."""
    rep = _report()
    rep["labels"]["macro_f1"] = 0.508
    rep["acceptance"] = [{"model_id": f"m{i}<x>", "suggested": 10, "decided": d, "pending": 0, "accepted": d,
                          "edited": 0, "rejected": 0, "rate": 1.0} for i, d in ((1, 2), (2, 9), (3, 5), (4, 7))]
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert "macro F1 <b>0.51</b>" in text
    assert text.index("m2&lt;x&gt;") < text.index("m4&lt;x&gt;") < text.index("m3&lt;x&gt;")  # most decided first
    assert "m1&lt;x&gt;" not in text and "and 1 more model (Acceptance tab)" in text


def test_the_summary_says_where_label_figures_come_from_and_that_acceptance_is_apart(qtbot):
    """With suggestions all wrong and none decided the headline read "precision 0.00,
    recall 0.00 ... No suggestion decided yet." while the table showed FP 5: as if
    nothing had been evaluated. The figures name their counts now, and the last sentence
    is about acceptance."""
    rep = _report()
    rep["labels"]["images"] = 5
    rep["labels"]["per_label"] = [{"label": "ok", "tp": 0, "fp": 5, "fn": 5, "support": 5, "precision": 0.0,
                                   "recall": 0.0, "f1": 0.0}]
    rep["labels"]["micro"] = {"tp": 0, "fp": 5, "fn": 5, "support": 5, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    rep["labels"]["macro_f1"] = 0.0
    rep["acceptance"] = [dict(a, decided=0, accepted=0, edited=0, rejected=0, rate=None) for a in rep["acceptance"]]
    rep["captions"] = {"decided": 0, "mean_edit_distance": None, "by_model": {}}
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert "over <b>5</b> of the 96 reviewed images, those with label suggestions" in text and "TP 0, FP 5, FN 5" in text
    assert "No suggestion decided yet" not in text
    assert text.endswith("Acceptance: no suggestion decided yet.")
    assert "Captions: no suggested caption decided yet." in text


def test_tab_leaves_the_tables_and_close_comes_last(qtbot):
    from PySide6.QtWidgets import QTableWidget

    w = EvaluationDialog(_report())
    qtbot.addWidget(w)
    w.show()
    tables = w.findChildren(QTableWidget)
    assert tables and not any(t.tabKeyNavigation() for t in tables)
    # the focus chain: the tabs and their content, then Close (Close came before the tables)
    chain, x = [], w.tabs
    for _ in range(200):
        x = x.nextInFocusChain()
        if x is w.tabs:
            break
        chain.append(x)
    assert chain.index(w.label_table) < chain.index(w.close_button)


def test_the_summary_gives_the_counts_left_out_like_the_cli(qtbot):
    rep = _report()
    rep["labels"]["outside_taxonomy"] = 3
    rep["calibration_excluded"] = 2
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert "<b>3</b> suggestions of labels no longer in the taxonomy left out" in text
    assert "<b>2</b> scores outside 0-1 left out of the calibration" in text


def test_reviewed_images_left_out_are_said_in_the_summary_and_the_labels_tab(qtbot):
    """Files touched and re-indexed: the Labels tab said "no reviewed image has a label
    suggestion yet" and the summary "no reviewed image with label suggestions to score
    yet" beside 15 decided cards in the Acceptance tab, with no word of where they went."""
    rep = _report()
    rep["images"]["with_label_suggestions"] = 0
    rep["labels"].update(per_label=[], macro_f1=None, left_out={"file_changed": 15},
                         micro={"tp": 0, "fp": 0, "fn": 0, "support": 0, "precision": None, "recall": None,
                                "f1": None})
    w = _shown(qtbot, rep)
    why = "15 reviewed images left out: their files changed since their label suggestions were made"
    assert why in w.summary.text()
    assert why in w.label_bars.empty_text
    assert why in w.label_note.text()
    w.tabs.setCurrentIndex(0)
    w.grab().save(str(SHOTS / "evaluation_left_out.png")) if SHOTS.is_dir() else None


def test_the_labels_sentence_counts_rejected_images_apart(qtbot):
    """"Labels over 17 reviewed images with label suggestions" were 14 reviewed and 3 rejected."""
    rep = _report()
    rep["images"].update(reviewed=14, rejected=3, with_label_suggestions=17)
    rep["labels"].update(images=17, images_rejected=3)
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert "Labels over all <b>17</b> decided images (14 reviewed, 3 rejected), those with label suggestions:" in text, text
    rep["labels"].update(images=1, images_rejected=0)
    w2 = EvaluationDialog(rep)
    qtbot.addWidget(w2)
    assert "Labels over <b>1</b> of the 17 decided images (1 of the 14 reviewed, 0 of the 3 rejected), those with label suggestions:" in w2.summary.text()
