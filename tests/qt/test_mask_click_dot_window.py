"""A single click of the brush (or the eraser) in the mask editor marks (or clears) a
dot of the brush's size under the cursor: a pit or a speck is marked with one click. A
click drew a line of no length, which painted nothing for any brush over 1 px."""
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def _editor(qtbot):
    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    ed = MaskEditor(np.full((120, 160), 90, np.uint8))
    qtbot.addWidget(ed)
    ed.resize(500, 420)
    ed.show()
    qtbot.waitExposed(ed)
    return ed


def test_click_marks_a_dot_under_the_cursor(qtbot):
    ed = _editor(qtbot)
    canvas = ed.canvas
    canvas.brush = 6
    at = QPoint(canvas.width() // 2 + 17, canvas.height() // 2 - 11)
    x, y = (int(v) for v in (canvas.to_image(QPointF(at)).x(), canvas.to_image(QPointF(at)).y()))
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
    m = ed.mask()
    ys, xs = np.nonzero(m)
    assert m[y, x] and 20 <= len(xs) <= 40, len(xs)  # about a 6 px disc, where the click was
    assert abs(xs.mean() - x) <= 1.5 and abs(ys.mean() - y) <= 1.5
    assert canvas.masked_pixels == len(xs)  # the coverage shown counts it
    assert canvas.can_undo()

    ed.set_tool("eraser")
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
    assert not ed.mask().any() and canvas.masked_pixels == 0
