"""Enter or Esc on a filter bar choice (sort, status, label, folder, caption) hands the keys
back to the grid, as the search box does: an inspector who chose the sort "Uncertainty
(review queue)" with the keys (Shift+Tab to it, U) pressed Enter and then N, and N went to
the sort box (nothing happened); they had to Tab through the rest of the bar to the grid."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Escape])
def test_enter_or_esc_on_the_sort_choice_gives_the_keys_back(qtbot, window, labelled_folder, key):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.grid.setFocus()
    qtbot.waitUntil(lambda: win.grid.hasFocus(), timeout=5000)
    QTest.keyClick(win.grid, Qt.Key.Key_Backtab)
    QTest.keyClick(win.focusWidget(), Qt.Key.Key_Backtab)
    sort = win.filter_bar.sort
    assert sort.hasFocus()
    QTest.keyClick(sort, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: win.model.sort == "uncertainty", timeout=10000)
    QTest.keyClick(sort, key)
    assert win.grid.hasFocus()
    assert sort.currentData() == "uncertainty"  # the choice stays


def test_esc_on_the_label_choice_keeps_the_filter(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    box = win.filter_bar.label
    box.setFocus()
    qtbot.waitUntil(lambda: box.hasFocus(), timeout=5000)
    QTest.keyClick(box, Qt.Key.Key_Down)
    chosen = box.currentText()
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert win.grid.hasFocus() and box.currentText() == chosen != "Any label"
