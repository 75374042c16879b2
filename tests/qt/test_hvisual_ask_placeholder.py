"""The "Ask the image" box with no chat model chosen takes no typing: its placeholder says
what it needs (it read "Ask the image…", inviting a question nothing would answer, the
reason only in a tooltip), whole in the box at 1280x800, and readable in a dark palette."""
from __future__ import annotations

import pytest
from qthelpers import open_and_index, settle

from contrast import dark  # noqa: F401  (fixture)


def _check(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    settle(qtbot)
    edit = window.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(lambda: "Models" in edit.toolTip(), timeout=5000)
    assert not edit.isEnabled()
    text = edit.placeholderText()
    assert "chat model" in text and "Models" in text, text
    # whole in the box as the window opens at 1280x800 (not elided)
    room = edit.contentsRect().width() - 8  # the line edit's own text margins
    assert edit.fontMetrics().horizontalAdvance(text) <= room, (edit.fontMetrics().horizontalAdvance(text), room)
    return edit


def test_disabled_ask_box_says_what_it_needs(qtbot, window, image_folder):
    _check(qtbot, window, image_folder)


@pytest.mark.usefixtures("dark")
def test_disabled_ask_box_placeholder_readable_dark(qtbot, window, image_folder):
    from PySide6.QtGui import QPalette

    from llmvis_desktop.qt.style import contrast_ratio

    edit = _check(qtbot, window, image_folder)
    pal = edit.palette()
    G = QPalette.ColorGroup.Disabled
    fg = pal.color(G, QPalette.ColorRole.PlaceholderText).getRgb()[:3]
    bg = pal.color(G, QPalette.ColorRole.Base).getRgb()[:3]
    assert contrast_ratio(fg, bg) >= 3.0, (fg, bg)
