"""The Caption dock's editor lay flush against the dock's edges, while Labels and
Suggestions are inset 6 px; at HiDPI its "972 chars" counter touched the right edge.
The History dock's text box was flush as well."""
from __future__ import annotations

from PySide6.QtCore import QPoint

INSET = 6  # as the Labels and Suggestions docks


def _inside(child, owner):
    top_left = child.mapTo(owner, QPoint(0, 0))
    return (top_left.x(), top_left.y(), owner.width() - (top_left.x() + child.width()),
            owner.height() - (top_left.y() + child.height()))


def test_the_caption_editor_and_its_counter_are_inset_like_the_other_docks(qtbot):
    from llmvis_desktop.qt.widgets.caption_editor import CaptionEditor

    ce = CaptionEditor()
    qtbot.addWidget(ce)
    ce.resize(320, 160)
    ce.show()
    qtbot.waitExposed(ce)
    ce.set_caption("x" * 972)
    qtbot.wait(10)
    assert ce.count.text() == "972 chars"
    left, top, right, bottom = _inside(ce.edit, ce)
    assert min(left, top, right) >= INSET, (left, top, right)
    # the counter's text ends inside the inset (it is right-aligned in its label)
    c_left, _t, c_right, c_bottom = _inside(ce.count, ce)
    assert c_right >= INSET and c_bottom >= INSET, (c_right, c_bottom)


def test_the_history_box_is_inset_like_the_other_docks(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    h = HistoryPanel()
    qtbot.addWidget(h)
    h.resize(320, 200)
    h.show()
    h.clear()
    qtbot.waitExposed(h)
    left, top, right, bottom = _inside(h.placeholder, h)
    assert min(left, top, right, bottom) >= INSET, (left, top, right, bottom)
