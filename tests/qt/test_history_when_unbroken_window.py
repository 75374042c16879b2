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


def test_in_a_panel_narrower_than_the_time_it_breaks_between_date_and_time(qtbot):
    """A panel narrower than the whole time (the History dock of an 800x600 window, about
    150 px) broke it inside the clock, "13:52:0" then "3 UTC" (/tmp/h1/png/140_800_moon.png):
    the time kept whole was wider than the line, and Qt cut it anywhere. There it now goes
    onto two lines at its space, the date on one and the clock with its zone on the next,
    and a wider panel again keeps it whole."""
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel, format_when

    at = datetime(2024, 5, 1, 13, 52, 3, tzinfo=timezone.utc)
    when = format_when(at)
    p = HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([EventRecord(1, 1, "tour", at, "status", "suggested", "reviewed", None)])
    p.resize(170, 300)
    p.show()
    qtbot.waitExposed(p)
    doc = p.browser.document()
    text = doc.toPlainText()
    start = text.index(when[:10])
    clock = start + 11  # "13:52:03 UTC"
    end = start + len(when) - 1
    assert _line_of(doc, clock) == _line_of(doc, end), "the clock was cut"
    assert _line_of(doc, start) == _line_of(doc, start + 9), "the date was cut"
    p.resize(420, 300)
    qtbot.waitUntil(lambda: _line_of(p.browser.document(), start) == _line_of(p.browser.document(), end),
                    timeout=5000)
