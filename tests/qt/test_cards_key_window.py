"""Suggestions ▸ Go to the first suggestion card (Ctrl+Shift+S): from the grid a card's
Accept was 10 Tabs away. The shortcut puts the keys on the first pending card's Accept
(Space accepts it), Tab / Shift+Tab go from button to button across the cards, Esc gives
the keys back to the grid; with no pending card the status line says so."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from qthelpers import open_and_index, settle

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.qt.dialogs.shortcuts_dialog import shortcut_rows

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _key(qtbot, key, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, mods)
    settle(qtbot)
    return QApplication.focusWidget()


def test_the_first_pending_card_is_one_key_away(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    cap, dent, scratch = project.add_suggestions([
        NewSuggestion(first, "caption", "a scratch", "cap-a", score=0.9),
        NewSuggestion(first, "label", "dent", "lab-a", score=0.8),
        NewSuggestion(first, "label", "scratch", "lab-a", score=0.7)])
    win.review._refresh(first)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(scratch) is not None, timeout=5000)
    win.activateWindow()
    win.grid.setFocus()
    qtbot.waitUntil(win.grid.hasFocus, timeout=10000)
    assert _key(qtbot, Qt.Key.Key_S, CTRL_SHIFT) is panel.card(cap).accept_button
    # Tab: the caption card's Edit and Reject, then the next card's Accept
    seen = [_key(qtbot, Qt.Key.Key_Tab) for _ in range(3)]
    assert seen[-1] is panel.card(dent).accept_button, [w.text() for w in seen]
    assert _key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier) is panel.card(cap).reject_button
    assert _key(qtbot, Qt.Key.Key_Escape) is win.grid  # Esc: the keys back to the review
    assert {s.outcome for s in project.suggestions(first)} == {"pending"}  # nothing decided on the way
    # Space on the focused Accept accepts that card, and the keys go back to the grid
    for sid in (cap, dent, scratch):
        assert _key(qtbot, Qt.Key.Key_S, CTRL_SHIFT) is panel.card(sid).accept_button
        assert _key(qtbot, Qt.Key.Key_Space) is win.grid
        assert win.review.wait_writes(20)
        settle(qtbot)
    assert {s.outcome for s in project.suggestions(first)} == {"accepted"}
    qtbot.waitUntil(lambda: not panel.pending_card_ids(), timeout=5000)
    _key(qtbot, Qt.Key.Key_S, CTRL_SHIFT)
    assert QApplication.focusWidget() is win.grid
    assert win.statusBar().currentMessage() == ("Every suggestion card of this image is decided: "
                                                "nothing to accept or reject.")
    _key(qtbot, Qt.Key.Key_Right)  # an image with no card at all
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id != first, timeout=5000)
    settle(qtbot)
    _key(qtbot, Qt.Key.Key_S, CTRL_SHIFT)
    assert QApplication.focusWidget() is win.grid
    assert win.statusBar().currentMessage() == "No suggestion card for this image: nothing to accept or reject."


def test_help_lists_the_cards_key(qtbot, window):
    rows = shortcut_rows(window)
    assert ("Suggestions", "Ctrl+Shift+S") in {(s, k) for s, k, _a in rows}
    assert shortcut_rows(None) == rows
