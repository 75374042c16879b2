"""Reviewed and rejected tiles both carried the badge letter "R" (and a repair's badge is
"R" too): only green against red told them apart, which a colour-blind reviewer cannot
see (/tmp/hunt-hmed2/shots). Each status now has a glyph of its own: with one colour for
every status (as a reviewer who cannot tell green from red sees them), the tiles still
differ."""
from __future__ import annotations

from llmvis_desktop.qt.widgets import grid_delegate
from llmvis_desktop.qt.widgets.grid_delegate import GridDelegate

STATUSES = ("new", "suggested", "reviewed", "rejected", "missing", "error")


def test_each_status_badge_differs_without_colour(qtbot, monkeypatch):
    monkeypatch.setattr(grid_delegate, "status_color", lambda status: "#777777")  # no colour to tell them
    d = GridDelegate(thumb_size=96)
    shots = {s: d._draw_overlay(96, 1.0, s, False, False, ()).toImage() for s in STATUSES}
    for i, a in enumerate(STATUSES):
        for b in STATUSES[i + 1:]:
            assert shots[a] != shots[b], (a, b)
