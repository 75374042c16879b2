"""An empty table of the dashboard says why it is empty (the plots beside them did; the
tables were blank white boxes: a project with no captioner showed an empty captions
table, one with nothing reviewed four of them)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QColor  # noqa: E402

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402
from test_evaluation_dialog import _report  # noqa: E402


def _ink(table) -> int:
    """How many pixels of the table's (row-less) viewport differ from its background."""
    img = table.viewport().grab().toImage()
    back = QColor(table.viewport().palette().base().color()).rgb()
    return sum(img.pixel(x, y) != back for y in range(0, img.height(), 2) for x in range(0, img.width(), 2))


def _empty_report():
    rep = _report()
    rep["images"] = {"reviewed": 0, "with_label_suggestions": 0}
    rep["suggestions"] = 0
    rep["labels"].update(per_label=[], micro={"tp": 0, "fp": 0, "fn": 0, "support": 0, "precision": None,
                                              "recall": None, "f1": None}, macro_f1=None)
    rep["acceptance"] = []
    rep["captions"] = {"decided": 0, "mean_edit_distance": None, "by_model": {}}
    rep["calibration"] = [dict(b, count=0, mean_score=None, right_fraction=None) for b in rep["calibration"]]
    rep["over_time"] = []
    return rep


def test_each_empty_table_says_why(qtbot):
    w = EvaluationDialog(_empty_report())
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    tables = {"labels": (0, w.label_table), "acceptance": (1, w.acceptance_table),
              "captions": (2, w.caption_table), "calibration": (2, w.calibration_table)}
    for name, (tab, table) in tables.items():
        w.tabs.setCurrentIndex(tab)
        qtbot.wait(10)
        assert table.rowCount() == 0
        assert table.empty_text, name
        assert _ink(table) > 20, f"the {name} table shows nothing"
    assert "caption" in w.caption_table.empty_text and "decided" in w.caption_table.empty_text
    assert w.calibration_table.empty_text == w.reliability.empty_text
    # (the chart above it goes on with what to do: nothing is reviewed yet)
    assert w.label_bars.empty_text.startswith(w.label_table.empty_text)


def test_a_table_with_rows_writes_no_empty_text(qtbot):
    w = EvaluationDialog(_report())
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    w.tabs.setCurrentIndex(2)
    qtbot.wait(10)
    assert w.caption_table.rowCount() == 1
    assert not w.caption_table.shows_empty_text()
