"""The History panel reads an image's trail off the GUI thread.

Each move read the image's history on the GUI thread (120 ms after it): on a team's
PostgreSQL 50 ms away (round trip) that froze the window ~210 ms per move
(/tmp/hunt-hstall/pos_stall.py --db pg). The read now runs on the panel controller's
own thread; the panel says "Loading history…" meanwhile, and a trail read for an image
the reviewer has since left is not shown."""
from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index


def _history_text(win) -> str:
    return win.panel_ctl.history.placeholder.text() if win.panel_ctl.history.placeholder.isVisible() else ""


def test_history_is_read_off_the_gui_thread_and_a_stale_trail_is_dropped(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    window.panel_ctl.flush_history()  # the first image's own trail, read now: not counted below
    assert window.panel_ctl._history_reader.wait(20000)  # (nor one of its reads still running)
    real = project.history
    gate, reads, shown = threading.Event(), [], []

    def slow(image_id, *a, **k):
        reads.append((image_id, threading.current_thread() is threading.main_thread()))
        if len(reads) == 1:
            assert gate.wait(20), "the test's gate was never opened"
        events = real(image_id, *a, **k)
        return [*events, ("read for", image_id)]  # tagged: which image's trail this is

    project.history = slow
    hist = window.panel_ctl.history
    real_set = hist.set_events
    hist.set_events = lambda events, *a: (shown.append([e[1] for e in events if isinstance(e, tuple)]),
                                          real_set([e for e in events if not isinstance(e, tuple)], *a))
    QTest.keyClick(window.grid, Qt.Key.Key_Right)
    first = window.review.current.id
    try:
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)  # held at the gate: the window goes on
        assert reads[0] == (first, False)  # not on the GUI thread
        assert "Loading history" in _history_text(window)
        QTest.keyClick(window.grid, Qt.Key.Key_Right)  # the reviewer moves on meanwhile
        second = window.review.current.id
    finally:
        gate.set()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    # every trail read has ended and its answer was handled (shown, or dropped as stale):
    # the reader's one thread is idle and what it posted is delivered (was a 300 ms wait,
    # after which a late stale trail would have gone unchecked on a loaded machine)
    assert window.panel_ctl._history_reader.wait(20000), "a history read never ended"
    QCoreApplication.sendPostedEvents()
    assert shown == [[second]]  # the first image's trail, read late, was never shown
    assert reads[-1] == (second, False)
