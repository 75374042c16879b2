"""An event's time in the History panel was broken across lines when its first line was
long (a model's name): "· 2026-12-01" at the end of one line, "01:47:18 UTC" on the
next (seen at the window's 1280x800). It now moves to the next line whole, its "·" with it."""
from __future__ import annotations

from datetime import datetime, timezone

from llmvis_desktop.core.store.records import EventRecord


def _line_of(doc, pos: int) -> tuple:
    block = doc.findBlock(pos)
    line = block.layout().lineForTextPosition(pos - block.position())
    return block.blockNumber(), line.lineNumber()


def test_an_events_time_is_on_one_line(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel, format_when

    at = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    when = format_when(at)
    p = HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([EventRecord(1, 1, "model:openai/clip-vit-base-patch32", at, "labels", None, "dent", None)])
    p.show()
    qtbot.waitExposed(p)
    doc = p.browser.document()
    text = doc.toPlainText()
    start = text.index(when[:10])
    end = start + len(when) - 1
    dot = text.rindex("\u00b7", 0, start)
    wrapped = False
    # narrower and narrower: the head line wraps somewhere; the time never inside
    for width in range(420, 230, -10):  # (the time itself fits: ~180 px)
        doc.setTextWidth(width)
        assert _line_of(doc, start) == _line_of(doc, end), (width, when)
        assert _line_of(doc, dot) == _line_of(doc, start), width  # no "·" left at a line's end
        wrapped = wrapped or _line_of(doc, start)[1] > 0
    assert wrapped, "the head line never wrapped: the test shows nothing"
