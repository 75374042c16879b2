"""The History panel follows each committed review action at once. It was re-read 120 ms
after the latest action (a timer each action restarted), so a grab right after a key
missed the key's "+dent" (/tmp/hunt-hpgopen/run-{base,new}/end.png), and with actions
100 ms apart it showed none of them until the burst ended
(/tmp/hunt-hstatus/history_lag.py: GAP 100 -> 'never' x8). A commit on the image shown
now asks for its trail at once, read off the GUI thread as before; a move still waits
for the pause."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import answers_delivered, open_and_index


@pytest.fixture
def history_reads_here(monkeypatch):
    """History reads made on the GUI thread (none should be)."""
    from llmvis_desktop.core.project import Project

    here, real = [], Project.history

    def history(self, image_id, *a, **k):
        if threading.current_thread() is threading.main_thread():
            here.append(image_id)
        return real(self, image_id, *a, **k)

    monkeypatch.setattr(Project, "history", history)
    return here


def _labels_events(win) -> list[str]:
    return [e["what"] for e in win.panel_ctl.history.entries() if e["what"].startswith("labels:")]


def _opened(qtbot, win, folder):
    open_and_index(qtbot, win, folder)
    ctl = win.panel_ctl
    qtbot.waitUntil(lambda: not ctl._history_timer.isActive(), timeout=10000)  # the first image's trail asked
    answers_delivered(ctl._history_reader)
    return ctl


def test_history_follows_label_keys_written_inline(qtbot, window, labelled_folder, history_reads_here):
    win = window
    ctl = _opened(qtbot, win, labelled_folder)
    win.grid.setFocus()
    for n, key in enumerate((Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_2), start=1):
        QTest.keyClick(win.grid, key)  # committed when the key returns (the write awaited)
        answers_delivered(ctl._history_reader)  # the trail's read, if one was asked for
        assert len(_labels_events(win)) == n, (n, _labels_events(win))
    assert _labels_events(win)[0] == "labels: \u2212dent"
    assert history_reads_here == []


def test_history_follows_writes_that_commit_later(qtbot, window, labelled_folder, monkeypatch, history_reads_here):
    """The write not awaited (a team's server): the trail is asked for when the review
    writer says the write committed."""
    from llmvis_desktop.qt import review_writes

    win = window
    ctl = _opened(qtbot, win, labelled_folder)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)
    writer = win.review._writer
    win.grid.setFocus()
    for n, key in enumerate((Qt.Key.Key_2, Qt.Key.Key_1), start=1):
        with qtbot.waitSignal(writer.finished, timeout=10000):
            QTest.keyClick(win.grid, key)
        answers_delivered(ctl._history_reader)
        assert len(_labels_events(win)) == n, (n, _labels_events(win))
    assert _labels_events(win)[0] == "labels: +scratch"
    assert history_reads_here == []


def test_a_slow_trail_read_still_shows_when_another_was_asked_since(qtbot, window, labelled_folder, monkeypatch):
    """A trail read slower than the keys (a team's server 50 ms away: ~210 ms): each commit
    asked for a newer read and the answer of the one running was dropped, so with keys
    coming faster than the read the History showed nothing until they stopped
    (/tmp/hunt-hstatus/history_lag.py GAP=100 SLOW=150: 'never' x8). An answer for the
    image shown is newer than the trail on screen (the reads run one after another):
    it is shown."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt import suggestion_actions

    win = window
    ctl = _opened(qtbot, win, labelled_folder)
    gates, started, real = [threading.Event(), threading.Event()], [], Project.history

    def gated(self, image_id, *a, **k):
        out = real(self, image_id, *a, **k)  # read, then held: the answer is the trail as it was
        started.append(image_id)
        gates[len(started) - 1].wait(10)
        return out

    monkeypatch.setattr(Project, "history", gated)
    real_both = Project.cards_and_history  # (the trail read with the cards after an action)

    def gated_both(self, image_id, *a, **k):
        out = real_both(self, image_id, *a, **k)
        started.append(image_id)
        gates[len(started) - 1].wait(10)
        return out

    monkeypatch.setattr(Project, "cards_and_history", gated_both)
    for name, real_wait in (("CARDS_WAIT_S", 0.03), ("CARDS_GLANCE_S", 0.005)):  # (the window's: not held)
        monkeypatch.setattr(suggestion_actions, name, real_wait)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_2)  # committed; its trail's read starts and is held
    qtbot.waitUntil(lambda: len(started) == 1, timeout=10000)
    QTest.keyClick(win.grid, Qt.Key.Key_3)  # committed; a newer read asked for, waiting
    gates[0].set()  # the first answer (its trail: +dent)
    qtbot.waitUntil(lambda: len(started) == 2, timeout=10000)  # the newer read runs, held
    qtbot.waitUntil(lambda: len(_labels_events(win)) == 1, timeout=10000)
    assert _labels_events(win) == ["labels: +dent"]
    gates[1].set()
    answers_delivered(ctl._history_reader)
    answers_delivered(ctl._cards_reader)  # (the trail read with the cards after an action)
    assert _labels_events(win) == ["labels: +crack", "labels: +dent"]
