"""A long keyboard session keeps a bounded undo list: every review key pushed one more
command (its before/after snapshots) on an undo stack with no limit, so memory grew with
every action of an hours-long session (837 steps held after 2000 keys of the driver
/tmp/hunt-hlong/drive.py, and counting). The stack keeps the latest ``UNDO_LIMIT`` steps;
the older ones are freed, and the latest still undo."""
from __future__ import annotations

import gc

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, settle


def _commands() -> int:
    from llmvis_desktop.qt.review_undo import StateCommand

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, StateCommand))


def test_undo_list_keeps_the_latest_steps_only(qtbot, labelled_folder, config, monkeypatch):
    from llmvis_desktop.qt import review_controller
    from llmvis_desktop.qt.app import build_window

    # (raising=False: the limit's name is what this test asks for; without it the stack grew)
    monkeypatch.setattr(review_controller, "UNDO_LIMIT", 12, raising=False)
    win = build_window(config=config)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    try:
        open_and_index(qtbot, win, labelled_folder)
        qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
        settle(qtbot)
        image = win.review.current.id
        win.grid.setFocus()
        stack = win.review.undo_stack
        for _ in range(40):  # label 1 on, off, on...: one step each
            QTest.keyClick(win.grid, Qt.Key.Key_1)
            assert win.review.wait_writes(30)
        qtbot.waitUntil(lambda: stack.index() == stack.count() and stack.count() >= 12, timeout=20000)
        assert stack.count() == 12, stack.count()
        assert _commands() <= 12 + 2  # the dropped steps' snapshots are freed too
        assert win.review.current.id == image
        had = "scratch" in win.review.current.labels
        QTest.keyClick(win.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the latest still undoes
        qtbot.waitUntil(lambda: stack.index() == 11, timeout=20000)
        qtbot.waitUntil(lambda: ("scratch" in win.review.current.labels) != had, timeout=20000)
    finally:
        win.shutdown()
