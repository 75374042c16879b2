"""Help ▸ Keyboard shortcuts says what Enter does once the reviewer set the image's
labels by hand (it keeps theirs: README "Keyboard"); the list said only "Accept the
suggestions shown", which after 3 (crack) read as if Enter would add the labeler's
cards too (/tmp/hunt-hchip/shots-new-1280/06_shortcuts.png)."""
from __future__ import annotations

from llmvis_desktop.qt.dialogs.shortcuts_dialog import shortcut_rows


def test_enter_says_it_keeps_labels_set_by_hand(qtbot, window):
    enter = next(a for _s, k, a in shortcut_rows(window) if k == "Enter")
    assert "by hand" in enter and "keeps yours" in enter, enter
