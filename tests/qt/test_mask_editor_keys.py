"""The mask editor's keys, in the repair dialog's window: B / E / R pick the brush, the
eraser, the rectangle at once (they went through a 100 ms animated button click), X swaps
the brush and the eraser, [ and ] make the brush smaller and larger, Delete clears the
mask and Ctrl+I inverts it (both undoable); each key is in its control's tooltip. Only
undo / redo and zoom had keys."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


@pytest.fixture
def dialog(qtbot, tmp_path):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    path = tmp_path / "flat.png"
    Image.fromarray(np.full((300, 400, 3), 128, np.uint8)).save(path)
    dlg = RepairDialog(path, None)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    dlg.editor.canvas.setFocus()
    qtbot.waitUntil(lambda: dlg.editor.canvas.hasFocus(), timeout=5000)
    yield dlg
    dlg.reject()


def _key(widget, key, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(widget, key, mods)


def test_tool_keys_act_at_once(dialog):
    from llmvis_desktop.qt.widgets.mask_editor import BRUSH, ERASER, RECT

    ed, c = dialog.editor, dialog.editor.canvas
    for key, tool in ((Qt.Key.Key_E, ERASER), (Qt.Key.Key_R, RECT), (Qt.Key.Key_B, BRUSH)):
        _key(c, key)  # no event loop pass in between: the tool is set by the key itself
        assert c.tool == tool and ed.tool_buttons[tool].isChecked()
    _key(c, Qt.Key.Key_X)
    assert c.tool == ERASER and ed.tool_buttons[ERASER].isChecked()
    _key(c, Qt.Key.Key_X)
    assert c.tool == BRUSH
    ed.set_tool(RECT)
    _key(c, Qt.Key.Key_X)  # from the rectangle: the brush
    assert c.tool == BRUSH


def test_bracket_keys_change_the_brush_size(dialog):
    ed, c = dialog.editor, dialog.editor.canvas
    ed.size_spin.setValue(10)
    _key(c, Qt.Key.Key_BracketRight)
    assert c.brush > 10 and ed.size_spin.value() == c.brush
    big = c.brush
    _key(c, Qt.Key.Key_BracketLeft)
    _key(c, Qt.Key.Key_BracketLeft)
    assert c.brush < big and c.brush < 10
    ed.size_spin.setValue(1)
    _key(c, Qt.Key.Key_BracketLeft)
    assert c.brush == 1  # not below the smallest
    _key(c, Qt.Key.Key_BracketRight)
    assert c.brush == 2  # at least one pixel a step
    ed.size_spin.setValue(ed.size_spin.maximum())
    _key(c, Qt.Key.Key_BracketRight)
    assert c.brush == ed.size_spin.maximum()


def test_delete_clears_and_ctrl_i_inverts_undoably(dialog):
    c = dialog.editor.canvas
    c.fill_rect(10, 10, 30, 20)
    _key(c, Qt.Key.Key_Delete)
    assert not c.mask().any()
    _key(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.mask().sum() == 200
    _key(c, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert c.mask().sum() == 300 * 400 - 200


def test_a_focused_number_box_keeps_its_keys(dialog):
    """Typing in the size or seed box is typing, not a tool key."""
    c = dialog.editor.canvas
    c.fill_rect(10, 10, 30, 20)
    dialog.seed.setFocus()
    dialog.seed.selectAll()
    _key(dialog.seed, Qt.Key.Key_Delete)
    assert c.mask().sum() == 200


def test_the_keys_are_in_the_tooltips(dialog):
    ed = dialog.editor
    tips = {b.text(): b.toolTip() for b in ed.findChildren(type(ed.tool_buttons["brush"]))}
    assert "(B)" in tips["Brush"] and "X" in tips["Brush"]
    assert "(E)" in tips["Eraser"] and "(R)" in tips["Rectangle"]
    assert "Delete" in tips["Clear"] and "Ctrl+I" in tips["Invert"]
    assert "[" in ed.size_spin.toolTip() and "]" in ed.size_spin.toolTip()
