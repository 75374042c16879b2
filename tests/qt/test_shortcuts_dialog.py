"""Help > Keyboard shortcuts lists the window's real key bindings, all of them, in a table
the keyboard can scroll, and fits the screen."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmvis_desktop.qt.dialogs.shortcuts_dialog import DEFAULT_ACTION_ROWS, ShortcutsDialog, shortcut_rows


def _bound_keys(win) -> set[str]:
    """Every key sequence an action of the window (its menus, its own actions) answers."""
    acts = set(win.actions())
    stack = [a.menu() for a in win.menuBar().actions() if a.menu() is not None]
    while stack:
        menu = stack.pop()
        for a in menu.actions():
            if a.menu() is not None:
                stack.append(a.menu())
            else:
                acts.add(a)
    names = {"Del": "Delete", "Return": "Enter"}
    out = set()
    for a in acts:
        for seq in a.shortcuts():
            text = seq.toString(QKeySequence.SequenceFormat.NativeText)
            out.add(names.get(text, text))
    return out


def _listed_keys(rows) -> set[str]:
    out = set()
    for _s, key, _a in rows:
        if key == "1-9":
            out |= set("123456789")
        else:
            out |= {k.strip() for k in key.split(" / ")}
    return out


def test_every_bound_key_is_listed(qtbot, window):
    rows = shortcut_rows(window)
    missing = _bound_keys(window) - _listed_keys(rows)
    assert not missing, missing
    for key in ("Ctrl+L", "Ctrl+Shift+E", "Ctrl+Shift+I", "F5", "Ctrl+Y", "Ctrl+=", "Ctrl+-", "F1", "Ctrl+,"):
        assert key in _listed_keys(rows), key
    assert any(s == "Grid and filter" and k == "Esc" for s, k, _a in rows)
    delete = next(a for _s, k, a in rows if k == "Delete")
    assert "rejected" in delete and "next image" in delete
    # the list written out for the dialog without a window is the same
    real = {(s, k) for s, k, _a in rows}
    assert {(s, k) for s, k, _a in DEFAULT_ACTION_ROWS} <= real


def test_the_table_scrolls_from_the_keyboard_and_fits_the_screen(qtbot, window):
    dlg = ShortcutsDialog(window)
    qtbot.addWidget(dlg)
    dlg.show()
    avail = dlg.screen().availableGeometry()
    assert dlg.height() <= avail.height() and dlg.width() <= avail.width()
    table = dlg.table
    assert table.focusPolicy() != Qt.FocusPolicy.NoFocus and not table.tabKeyNavigation()
    dlg.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=10000)
    bar = table.verticalScrollBar()
    assert bar.maximum() > 0  # more rows than room: the keys must reach them
    for _ in range(4):
        QTest.keyClick(table, Qt.Key.Key_PageDown)
    assert bar.value() > 0
    QTest.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table
    # the action column is not cut: the longest action wraps within its column
    longest = max(range(table.rowCount()), key=lambda r: len(table.item(r, 1).text()) if table.item(r, 1) else 0)
    assert table.rowHeight(longest) > table.rowHeight(1)


def test_the_mask_editors_keys_are_listed(qtbot):
    """F1 names every key of the repair dialog's mask editor (B, E, R, X, [ ], Delete,
    Ctrl+I were only in its buttons' tooltips) and Enter's two meanings there."""
    import numpy as np

    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    ed = MaskEditor(np.zeros((8, 8), np.uint8))
    qtbot.addWidget(ed)
    names = {"Del": "Delete", "Return": "Enter"}
    bound = {names.get(t, t) for t in (sc.key().toString(QKeySequence.SequenceFormat.NativeText)
                                      for sc in ed.shortcuts)}
    listed = _listed_keys([r for r in shortcut_rows() if r[0] == "Repair dialog"])
    listed |= {"Ctrl++"}  # (Ctrl+= unshifted)
    # the platform's own undo / redo keys besides Ctrl+Z / Ctrl+Shift+Z (Alt+Backspace...)
    std = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)
    bound -= {k.toString(QKeySequence.SequenceFormat.NativeText) for s in std for k in QKeySequence.keyBindings(s)}
    bound -= {"Undo", "Redo"}
    assert not bound - listed, bound - listed
    assert "Enter" in listed
