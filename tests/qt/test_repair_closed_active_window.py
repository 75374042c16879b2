"""After the repair dialog closes (Cancel, or a repair accepted and saved), the main window
is the active window again: N and Ctrl+Z work without a click. Offscreen, closing the
active dialog left no active window at all, and the keys went nowhere."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from qthelpers import make_images, open_and_index  # noqa: E402


def _open(qtbot, win):
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=10000)
    win.grid.select_row(0)
    qtbot.waitUntil(lambda: win.panel_ctl.record is not None, timeout=5000)
    win.grid.setFocus()
    win.panel_ctl.open_repair()
    dlg = win.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=10000)
    return dlg


@pytest.mark.parametrize("how", ["cancel", "close", "accept"])
def test_main_window_active_after_the_repair_dialog_closes(qtbot, window, tmp_path, how):
    folder = tmp_path / "imgs"
    make_images(folder, n=3)
    project = open_and_index(qtbot, window, folder)
    dlg = _open(qtbot, window)
    first = window.panel_ctl.record.id
    if how == "cancel":
        dlg.reject()
    elif how == "close":
        dlg.close()
    else:
        dlg.editor.canvas.fill_rect(10, 10, 30, 30)
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        dlg.save_repair()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    assert QApplication.focusWidget() is not None and QApplication.focusWidget().window() is window
    # N (next unreviewed) goes to the key's target without a click
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None and window.panel_ctl.record.id != first,
                    timeout=5000)
    if how == "accept":
        assert window.review.undo_stack.canUndo()
        assert project.repairs(first)
