"""Enter in the repair dialog: after painting a mask it runs Repair (it did nothing:
Accept, greyed out until a repair is shown, was the default button), and once a repair
is shown it accepts it; a new stroke makes it Repair again."""
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

import cv2  # noqa: F401 - a runtime dependency

from qthelpers import make_images, open_and_index, settle


def _stroke(canvas):
    w, h = canvas.width(), canvas.height()  # across the middle (the image is fitted, centred)
    a, b = QPoint(w // 4, h // 2), QPoint(3 * w // 4, h // 2 + 10)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=a)
    QTest.mouseMove(canvas, b)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=b)


def test_enter_repairs_then_accepts(qtbot, window, tmp_path):
    folder = tmp_path / "imgs"
    make_images(folder, n=2)
    project = open_and_index(qtbot, window, folder)
    window.show()
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    src = window.panel_ctl.record.id
    window.act_repair.trigger()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    settle(qtbot)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))  # quick: the keys are what is tested
    canvas = dlg.editor.canvas
    _stroke(canvas)
    assert canvas.masked_pixels
    QTest.keyClick(canvas, Qt.Key.Key_Return)  # the painter's hand is on the mouse, the other on Enter
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=20000)
    assert dlg.accept_btn.isEnabled()
    _stroke(canvas)  # the preview is stale: Enter repairs again rather than saving the old one
    assert not dlg.results
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=20000)
    QTest.keyClick(canvas, Qt.Key.Key_Return)  # now: Accept and save
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg) or not dlg.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: len(project.repairs(src)) == 1, timeout=10000)
