"""Image ▸ Repair defect… has a shortcut of its own, Ctrl+R (it had only Alt+I, R), bound
to no other action of the window, and Help ▸ Keyboard shortcuts lists it."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from llmvis_desktop.qt.dialogs.shortcuts_dialog import DEFAULT_ACTION_ROWS, shortcut_rows
from qthelpers import make_images, open_and_index  # noqa: E402


def _all_actions(win):
    acts = set(win.actions())
    stack = [a.menu() for a in win.menuBar().actions() if a.menu() is not None]
    while stack:
        for a in stack.pop().actions():
            if a.menu() is not None:
                stack.append(a.menu())
            else:
                acts.add(a)
    return acts


def test_ctrl_r_opens_the_repair_dialog_and_is_listed(qtbot, window, tmp_path):
    seq = QKeySequence("Ctrl+R")
    assert seq in window.act_repair.shortcuts()
    others = [a.text() for a in _all_actions(window) if a is not window.act_repair and seq in a.shortcuts()]
    assert not others, others
    assert ("Image", "Ctrl+R") in {(s, k) for s, k, _a in shortcut_rows(window)}
    assert ("Image", "Ctrl+R") in {(s, k) for s, k, _a in DEFAULT_ACTION_ROWS}

    folder = tmp_path / "imgs"
    make_images(folder, n=2)
    project = open_and_index(qtbot, window, folder)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.activateWindow()
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.panel_ctl.repair_dialog is not None, timeout=5000)
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    dlg.reject()
    rec = window.panel_ctl.record
    assert project.image(rec.id).status == "new"  # R alone marks reviewed; Ctrl+R does not
