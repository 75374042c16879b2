"""An untouched image's History panel said "No history for this image yet." centred half
way down the panel, while the Suggestions panel puts "No suggestions for this image yet."
at its top: the empty messages of the side panels now sit alike, at the top of the panel,
with the same inset and the same box, in a light and a dark palette."""
from __future__ import annotations

from contrast import theme  # noqa: F401 - a fixture
from PySide6.QtCore import QPoint, Qt
from qthelpers import open_and_index, settle


def _text_top(label) -> int:
    """Where the label's first line of text starts, in the label (its alignment and inset)."""
    r = label.contentsRect()
    fm = label.fontMetrics()
    return label.style().itemTextRect(fm, r, int(label.alignment()), True, label.text()).top()


def test_the_side_panels_empty_messages_sit_alike(qtbot, window, labelled_folder, theme, tmp_path):  # noqa: F811
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.panel_ctl.flush_history()
    settle(qtbot)
    history, suggestions = win.panel_ctl.history, win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: history.placeholder.isVisible()
                    and history.placeholder.text() == "No history for this image yet.", timeout=5000)
    assert suggestions.placeholder.isVisible()
    win.grab().save(str(tmp_path / f"empty_notes_{theme}.png"))
    notes = (history.placeholder, suggestions.placeholder)
    for note in notes:
        assert note.alignment() & Qt.AlignmentFlag.AlignTop, note.text()
        # the first line near the top of its panel, not half way down
        panel = history if note is history.placeholder else suggestions
        top = note.mapTo(panel, QPoint(0, _text_top(note))).y()
        assert top <= 24, (note.text(), top, panel.height())
    h, s = notes
    assert h.contentsMargins() == s.contentsMargins()
    assert h.styleSheet() == s.styleSheet()
    # their text starts at the same inset from the panel's left side
    assert h.mapTo(history, QPoint(0, 0)).x() == s.mapTo(suggestions, QPoint(0, 0)).x()
