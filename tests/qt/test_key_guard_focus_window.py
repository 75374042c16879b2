"""The key guard (single-key review shortcuts left to a focused control) runs only on the
widget with the focus: painting the window runs no Python filter on its buttons, chips
and lists, whose every event used to go through it (the GIL taken per paint while the
workers ran), and a control still keeps its keys once it has the focus."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index



def test_painting_runs_the_key_guard_on_no_unfocused_widget(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    win.activateWindow()
    win.grid.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(win.grid.hasFocus, timeout=10000)
    filtered = []
    real = win._guard.eventFilter

    def counting(obj, event):
        filtered.append(type(obj).__name__)
        return real(obj, event)

    monkeypatch.setattr(win._guard, "eventFilter", counting)
    win.grab()  # paints every visible widget of the window
    win.repaint()
    assert filtered == []

    # a control given the focus still keeps its keys (Return on a chip: the chip, not Accept)
    fired = []
    for k, a in win.review.actions().items():
        a.triggered.connect(lambda *_, k=k: fired.append(k))
    chip = win.panel_ctl.labels.chip("scratch")
    chip.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(chip.hasFocus, timeout=10000)
    QTest.keyClick(chip, Qt.Key.Key_Return)
    assert fired == []
    assert "scratch" in win.review.current.labels
