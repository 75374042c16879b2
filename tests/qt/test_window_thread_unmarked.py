"""A closed window left its thread marked as the window's (answer_deadline): reads made
there afterwards on PostgreSQL still got the 5 s deadline and the 15 s "do not try"
after one passed (a test module run after a Qt one in the same session: a read after
the server came back was refused as "did not answer within 1 s")."""
from __future__ import annotations

from llmvis_desktop.core.store import answer_deadline


def test_a_closed_window_unmarks_its_thread(qtbot, config):
    from llmvis_desktop.qt.app import build_window

    win = build_window(config=config)
    qtbot.addWidget(win)
    assert answer_deadline._here()
    win.shutdown()
    assert not answer_deadline._here()
