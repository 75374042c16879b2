"""Review ▸ Go to “+ Add label” (Ctrl+Shift+L) puts the keys in the Labels panel's add box
from anywhere in the window: getting back there took one more Tab per label added (2 for
the first, 6 for the fifth), with no shortcut. The line said once a label is added names
the shortcut (it said "Tab to “+ Add label”"), and Help lists the key."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from qthelpers import make_images, open_and_index, settle

from llmvis_desktop.qt.dialogs.shortcuts_dialog import shortcut_rows

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_ctrl_shift_l_goes_to_the_add_box_from_the_grid(qtbot, window, tmp_path):
    make_images(tmp_path / "imgs", 3, size=(32, 24))
    win = window
    project = open_and_index(qtbot, win, tmp_path / "imgs")
    box = win.panel_ctl.labels.add_edit
    win.activateWindow()
    for name in ("ok", "scratch", "crack"):
        win.grid.setFocus()
        qtbot.waitUntil(win.grid.hasFocus, timeout=10000)
        QTest.keyClick(win.grid, Qt.Key.Key_L, CTRL_SHIFT)
        settle(qtbot)
        assert QApplication.focusWidget() is box, name
        QTest.keyClicks(box, name)
        QTest.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=10000)
        settle(qtbot)
        said = win.statusBar().currentMessage()
        assert "Ctrl+Shift+L goes back to \u201c+ Add label\u201d" in said, said
        assert "Tab to" not in said
        assert win.grid.hasFocus()
    assert [d.name for d in project.labels()] == ["ok", "scratch", "crack"]
    # from the search box too (a text box keeps the plain keys, not this one)
    win.filter_bar.text.setFocus()
    qtbot.waitUntil(win.filter_bar.text.hasFocus, timeout=10000)
    QTest.keyClick(win.filter_bar.text, Qt.Key.Key_L, CTRL_SHIFT)
    settle(qtbot)
    assert QApplication.focusWidget() is box
    QTest.keyClick(box, Qt.Key.Key_Escape)  # Esc: the keys back to the review
    settle(qtbot)
    assert win.grid.hasFocus()


def test_help_lists_the_add_label_key(qtbot, window):
    rows = shortcut_rows(window)
    assert ("Review", "Ctrl+Shift+L") in {(s, k) for s, k, _a in rows}
    assert shortcut_rows(None) == rows
