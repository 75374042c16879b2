"""Help > Keyboard shortcuts without a window lists the rows written out in
``DEFAULT_ACTION_ROWS``; they lacked keys the window's real table has (Ctrl+Shift+A, the
answer box; W / Shift+W, the window/level presets). The written-out list is the window's,
row for row: the same sections, keys, words and order."""
from __future__ import annotations

from llmvis_desktop.qt.dialogs.shortcuts_dialog import ShortcutsDialog, shortcut_rows


def test_the_fallback_list_is_the_windows_list(qtbot, window):
    assert shortcut_rows(None) == shortcut_rows(window)


def test_the_dialog_without_a_window_lists_the_answer_box_key(qtbot):
    dlg = ShortcutsDialog(None)
    qtbot.addWidget(dlg)
    keys = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())]
    assert "Ctrl+Shift+A" in keys and "W" in keys and "Shift+W" in keys
