"""A long status-bar message cut off beside the counts: its whole text is the status
bar's tooltip (the property was empty), and a timed message (the review lines: 4 s) stays
while the mouse rests on it: it went while being read."""
from __future__ import annotations

from qthelpers import open_and_index

LONG = "Caption saved over bob's (19:41 CET): " + " ".join(f"word{i:02d}" for i in range(90))


def test_a_cut_message_is_the_tooltip_and_stays_while_hovered(qtbot, window, image_folder, monkeypatch):
    open_and_index(qtbot, window, image_folder)
    sb = window.statusBar()
    sb.showMessage(LONG)
    assert sb.is_message_elided() and sb.toolTip() == LONG
    assert sb.shown_message() != LONG and window.counts_label.isVisible()
    sb.showMessage("Skipped.")
    assert sb.toolTip() == ""  # whole on screen: no tooltip
    hovered = [True]
    monkeypatch.setattr(type(sb), "message_hovered", lambda self: hovered[0])
    sb.showMessage(LONG, 50)
    qtbot.wait(300)
    assert sb.currentMessage() == LONG  # the mouse on it: it stays
    hovered[0] = False
    qtbot.waitUntil(lambda: sb.currentMessage() == "", timeout=10000)
    assert sb.toolTip() == ""
    sb.showMessage("Marked reviewed.", 50)  # not hovered: gone at its time
    qtbot.waitUntil(lambda: sb.currentMessage() == "", timeout=10000)
