"""The mask editor, alone and in the repair dialog: its tools, the brush's overlay, undo
and redo, a mask imported from a file (or one that looks inverted), zoom and pan shared
with the result's view; screenshots."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication

from repair_dialog_helpers import SHOTS, brick_project_fixture  # noqa: F401 - the brick_project fixture


def test_mask_editor_tools(qtbot, tmp_path):
    from llmvis_desktop.qt.widgets.mask_editor import ERASER, MaskEditor

    ed = MaskEditor(np.full((60, 80), 128, np.uint8))
    qtbot.addWidget(ed)
    ed.canvas.fill_rect(10, 10, 30, 20)
    m = ed.mask()
    assert m.shape == (60, 80) and m.sum() == 20 * 10
    ed.canvas.brush = 4
    ed.canvas.paint_stroke([(50, 40), (70, 40)])
    assert ed.mask()[40, 60]
    ed.set_tool(ERASER)
    ed.canvas.paint_stroke([(50, 40), (70, 40)])
    assert not ed.mask()[40, 60]
    ed.canvas.invert()
    assert ed.mask().sum() == 60 * 80 - m.sum()
    ed.canvas.clear()
    assert not ed.mask().any()
    png = tmp_path / "m.png"
    a = np.zeros((60, 80), np.uint8)
    a[5:9, 5:9] = 255
    Image.fromarray(a).save(png)
    ed.import_mask(png)
    assert ed.mask().sum() == 16
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(ValueError, match="size"):
        ed.import_mask(tmp_path / "small.png")


def test_mask_brush_updates_the_overlay_in_place(qtbot, monkeypatch):
    """Every repaint built a new full-resolution overlay image (0.1 s per mouse move at
    4000x4000, 0.5 s at 8000x8000): strokes now update the overlay where they paint, and
    the coverage is counted as they go, yet both always match the mask."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QImage, QMouseEvent

    from llmvis_desktop.qt.widgets import mask_editor
    from llmvis_desktop.qt.widgets.mask_editor import ERASER, MaskEditor

    ed = MaskEditor(np.full((300, 400), 128, np.uint8))
    qtbot.addWidget(ed)
    ed.resize(800, 600)
    ed.show()
    qtbot.waitExposed(ed)
    c = ed.canvas
    made = []

    class CountingImage(QImage):
        def __init__(self, *a):
            super().__init__(*a)
            if self.width() * self.height() >= 300 * 400:
                made.append(self.size())

    monkeypatch.setattr(mask_editor, "QImage", CountingImage)

    def mouse(kind, x, y):
        c.__getattribute__({QEvent.Type.MouseButtonPress: "mousePressEvent", QEvent.Type.MouseMove: "mouseMoveEvent",
                            QEvent.Type.MouseButtonRelease: "mouseReleaseEvent"}[kind])(
            QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier))

    def drag(y, xs):
        mouse(QEvent.Type.MouseButtonPress, xs[0], y)
        for x in xs[1:]:
            mouse(QEvent.Type.MouseMove, x, y)
            c.grab()  # a paint per move, as on screen
        mouse(QEvent.Type.MouseButtonRelease, xs[-1], y)

    drag(300, range(200, 600, 10))
    painted = c.mask().sum()
    ed.set_tool(ERASER)
    drag(300, range(350, 450, 10))
    assert made == []  # no full-size image per move or paint
    assert 0 < c.mask().sum() < painted

    def overlay_matches():
        ov = c._overlay.convertToFormat(QImage.Format.Format_ARGB32)
        alpha = np.frombuffer(ov.constBits(), np.uint8).reshape(ov.height(), ov.bytesPerLine())[:, 3::4]
        return np.array_equal(alpha[:, : ov.width()] > 0, c.mask())

    m = c.mask()
    assert overlay_matches()
    assert ed.coverage.text() == f"mask {100.0 * m.mean():.1f}%"
    c.invert()
    assert overlay_matches() and ed.coverage.text() == f"mask {100.0 * c.mask().mean():.1f}%"
    c.fill_rect(0, 0, 50, 40, value=False)
    assert overlay_matches() and ed.coverage.text() == f"mask {100.0 * c.mask().mean():.1f}%"


def test_mask_edits_undo_and_redo_in_the_repair_dialog(qtbot, brick_project):
    """Ctrl+Z in the repair dialog did nothing: a Clear, an Invert or an eraser slip lost
    the mask painted so far."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.widgets.mask_editor import ERASER

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        with qtbot.waitActive(dlg):
            dlg.show()
            dlg.activateWindow()
        canvas = dlg.editor.canvas
        canvas.fill_rect(18, 57, 182, 69)
        painted = dlg.editor.mask().copy()
        canvas.brush = 6
        canvas.paint_stroke([(30, 20), (90, 20)])
        stroked = dlg.editor.mask().copy()
        dlg.editor.set_tool(ERASER)
        canvas.paint_stroke([(20, 60), (150, 60)])  # a slip
        canvas.invert()
        canvas.clear()
        assert not dlg.editor.mask().any()
        dlg.run_btn.setFocus()  # anywhere in the dialog
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        for _ in range(3):  # clear, invert, the eraser slip
            QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl)
        assert np.array_equal(dlg.editor.mask(), stroked)
        assert dlg.editor.coverage.text() == f"mask {100.0 * stroked.mean():.1f}%"
        QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl)
        assert np.array_equal(dlg.editor.mask(), painted)
        QTest.keyClick(dlg, Qt.Key.Key_Z, ctrl | shift)
        assert np.array_equal(dlg.editor.mask(), stroked)
        canvas.paint_stroke([(20, 100), (150, 100)])  # a new edit drops what could be redone
        assert not canvas.can_redo() and canvas.can_undo()


def test_import_mask_dialog_lists_jpeg_masks_and_starts_near_the_image(qtbot, brick_project, tmp_path,
                                                                        monkeypatch):
    """Import… listed only PNG/TIFF/BMP (a JPEG mask from another tool, which the CLI takes,
    was hidden) and opened in the process's working folder. It lists JPEG/WebP and all
    files, starts in the image's repaired/.masks (an earlier repair's masks) when there is
    one, else the image's folder, and then in the folder a mask was last imported from."""
    from PySide6.QtWidgets import QFileDialog

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    monkeypatch.setattr(MaskEditor, "last_import_dir", None, raising=False)  # nothing imported yet
    other = tmp_path / "exported"
    other.mkdir()
    a = np.zeros((160, 200), np.uint8)
    a[60:66, 20:180] = 255
    Image.fromarray(a).save(other / "brick_mask.jpg", quality=95)
    asked, answer = [], []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, caption, start, filt, *x, **k: asked.append((start, filt)) or (answer[0], ""))

    def import_via(dlg, path):
        answer[:] = [str(path)]
        dlg.editor.import_dialog()
        return asked[-1]

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    start, filt = import_via(dlg, "")  # cancelled
    assert Path(start) == brick_project
    for ext in ("*.png", "*.tif", "*.jpg", "*.jpeg", "*.webp", "All files (*)"):
        assert ext in filt
    masks = brick_project / "repaired" / ".masks"
    masks.mkdir(parents=True)
    start, _ = import_via(dlg, "")
    assert Path(start) == masks  # an earlier repair's masks are there
    import_via(dlg, other / "brick_mask.jpg")
    assert dlg.editor.mask().sum() >= 6 * 160 * 0.9  # the JPEG mask is loaded
    dlg2 = RepairDialog(brick_project / "brick.png")  # another dialog, later
    qtbot.addWidget(dlg2)
    start, _ = import_via(dlg2, "")
    assert Path(start) == other  # where the last mask came from


def _wheel(widget, pos, notches, ctrl=True):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    mods = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    ev = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_repair_dialog_zooms_and_pans_the_editor_and_the_view_together(qtbot, brick_project):
    """The mask editor and the before/after view always fit the whole image: a thin defect
    on a large image could not be painted precisely nor the repair inspected. The wheel
    (or Ctrl+wheel) zooms about the cursor, Ctrl+= / Ctrl+- / Ctrl+0 (fit) zoom from the keys, the middle
    button or Space + drag pans; the before/after view follows the editor."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    cv, view = dlg.editor.canvas, dlg.view
    fit_cv = cv._target()
    h, w = dlg.data.display.shape[:2]
    fit_view = min(view.width() / w, view.height() / h) * w  # the width the image is drawn at, fit
    at = QPoint(int(fit_cv.x() + fit_cv.width() * 0.3), int(fit_cv.y() + fit_cv.height() * 0.6))
    under = cv.to_image(QPointF(at))

    # 4 notches (2.4x): the editor draws at the view's fit scale (one scale for both, so one
    # zoom shows one region), a little under its own; at 3 the image overflowed the editor's
    # height by 15 px only, and the clamp that keeps it covering the editor moved the point
    _wheel(cv, at, 4)
    t = cv._target()
    assert t.width() > fit_cv.width() * 1.8
    moved = cv.to_image(QPointF(at))
    assert abs(moved.x() - under.x()) < 0.5 and abs(moved.y() - under.y()) < 0.5  # about the cursor
    assert view._target().width() > fit_view * 1.8  # the view follows
    _wheel(cv, at, -4, ctrl=False)  # the plain wheel zooms too (as in the main window's viewer)
    assert cv._target() == fit_cv
    _wheel(cv, at, 4, ctrl=False)
    assert cv._target() == t

    # painting lands on the image pixel under the cursor, zoomed
    cv.brush = 1
    QTest.mouseClick(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    m = dlg.editor.mask()
    assert m.sum() >= 1 and m[int(under.y()), int(under.x())]

    # the middle button drags the image: the point grabbed stays under the cursor
    grab, to = QPoint(at), QPoint(at.x() + 40, at.y() + 25)
    before = cv.to_image(QPointF(grab))
    QTest.mousePress(cv, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, grab)
    QTest.mouseMove(cv, to)
    QTest.mouseRelease(cv, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, to)
    after = cv.to_image(QPointF(to))
    assert abs(after.x() - before.x()) < 0.5 and abs(after.y() - before.y()) < 0.5
    assert dlg.editor.mask().sum() == m.sum()  # panning paints nothing

    # Space held + the left button drags too (and paints nothing)
    cv.setFocus()
    QTest.keyPress(cv, Qt.Key.Key_Space)
    before = cv.to_image(QPointF(to))
    QTest.mousePress(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to)
    QTest.mouseMove(cv, grab)
    QTest.mouseRelease(cv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
    QTest.keyRelease(cv, Qt.Key.Key_Space)
    after = cv.to_image(QPointF(grab))
    assert abs(after.x() - before.x()) < 0.5 and abs(after.y() - before.y()) < 0.5
    assert dlg.editor.mask().sum() == m.sum()

    # the keys, in the dialog's window
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.isActiveWindow(), timeout=5000)
    QTest.keyClick(dlg, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert cv._target() == fit_cv and abs(view._target().width() - fit_view) < 1e-6
    QTest.keyClick(dlg, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert cv._target().width() > fit_cv.width() * 1.2
    QTest.keyClick(dlg, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert abs(cv._target().width() - fit_cv.width()) < 1e-6
    dlg.grab().save(str(SHOTS / "repair_dialog_zoomed.png"))


def test_repair_dialog_says_when_the_mask_looks_inverted(qtbot, brick_project, tmp_path):
    """An inverted mask imported in the dialog (defect black on white) was taken silently:
    Repair rewrote nearly all of the image."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        h, w = dlg.editor.mask().shape
        inverted = np.full((h, w), 255, np.uint8)
        inverted[10:20, 10:30] = 0
        Image.fromarray(inverted).save(tmp_path / "inv.png")
        dlg.editor.import_mask(tmp_path / "inv.png")
        assert "inverted?" in dlg.status.text() and "% of the image" in dlg.status.text()
        dlg.editor.canvas.clear()
        dlg.editor.canvas.fill_rect(10, 10, 30, 20)
        assert "inverted?" not in dlg.status.text()
        dlg.close()
