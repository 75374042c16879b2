"""With writes in flight on a team's database the status bar says "Saving 2 reviews…";
the first (a caption: its write says no line of its own) committed, the line still said
2 until the last one ended. The count follows the writes as each commits (a caption's commit
now says so, "Caption saved (...)", with the count of those still in flight after it)."""
from __future__ import annotations

import threading

from test_hpgwin2_window_reads import opened  # noqa: F401 - the fixture


def test_the_saving_count_follows_each_write(qtbot, opened):  # noqa: F811
    win, seen, gate = opened
    turns = threading.Semaphore(0)  # each release lets one write through
    win.review._writer.before_write = lambda _w: turns.acquire(timeout=10)
    try:
        first = win.review.current.id
        win.review.set_caption("a bent lid")  # shown at once, written later
        assert win.statusBar().currentMessage() == "Saving 1 review\u2026"
        win.review.go_to_row(1)
        win.review.set_caption("a dented can")
        assert win.statusBar().currentMessage() == "Saving 2 reviews\u2026"
        with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
            turns.release()  # the first caption commits
        assert win.review.writes_in_flight() == 1
        said = win.statusBar().currentMessage()
        assert said.startswith("Caption saved (") and said.endswith("Saving 1 more\u2026"), said
        with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
            turns.release()
        assert win.review.writes_in_flight() == 0
        assert "Saving" not in win.statusBar().currentMessage()
        assert win.project.image(first).caption == "a bent lid"
    finally:
        for _ in range(4):
            turns.release()
