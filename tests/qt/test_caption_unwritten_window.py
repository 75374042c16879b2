"""The dashboard's Captions tab with a model whose only decided captions were rejected
with no caption written after them: no mean to show ("–"), its count shown, and the
summary does not say no caption was decided."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402
from test_evaluation_dialog import _report  # noqa: E402


def test_a_model_with_only_unwritten_rejections_shows_its_count(qtbot):
    rep = _report()
    rep["captions"] = {"decided": 0, "mean_edit_distance": None, "rejected_unwritten": 2,
                       "by_model": {"cap:x": {"decided": 0, "mean_edit_distance": None, "rejected_unwritten": 2}}}
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.resize(1000, 600)
    w.show()
    w.tabs.setCurrentIndex(2)
    qtbot.wait(10)
    t = w.caption_table
    headers = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    row = [t.item(0, c).text() for c in range(t.columnCount())]
    assert row[:3] == ["cap:x", "0", "–"]
    assert row[headers.index("rejected, none written")] == "2"
    assert "no suggested caption decided yet" not in w.summary.text()
    assert "2</b> rejected with no caption written after" in w.summary.text()
