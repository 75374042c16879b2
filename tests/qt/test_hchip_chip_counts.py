"""The label chips' usage counts follow each committed review action at once (3 then
Enter read "crack (0)" until a re-read 400 ms after the burst of actions came back:
/tmp/hunt-henter/g1_kept.png). They are moved by the write's own result (the image's
labels before and after, taken in its transaction): nothing is read on the GUI thread."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store import repo_labels
from llmvis_desktop.core.store.records import NewSuggestion


def _count(win, name: str) -> str:
    return win.panel_ctl.labels.chip(name).text()


@pytest.fixture
def usage_reads_here(monkeypatch):
    """The usage reads made on the GUI thread (none should be)."""
    here, real = [], repo_labels.usage

    def usage(session):
        if threading.current_thread() is threading.main_thread():
            here.append(1)
        return real(session)

    monkeypatch.setattr(repo_labels, "usage", usage)
    return here


def test_counts_follow_a_key_and_enter_when_written_inline(qtbot, window, labelled_folder, usage_reads_here):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    project.add_suggestions([NewSuggestion(cur, "label", "ok", "zero-shot-clip", score=0.54)])
    win.review._refresh(cur)
    win.panel_ctl.labels  # (chips made by the opening)
    assert _count(win, "crack").endswith("crack (0)")
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_3)  # crack, by hand
    assert _count(win, "crack").endswith("crack (1)"), _count(win, "crack")
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # keeps crack, rejects ok
    assert _count(win, "crack").endswith("crack (1)"), _count(win, "crack")
    assert _count(win, "ok").endswith("ok (0)"), _count(win, "ok")
    win.review.undo()  # the Enter
    win.review.undo()  # the key: crack off again
    assert _count(win, "crack").endswith("crack (0)"), _count(win, "crack")
    win.review.redo()
    assert _count(win, "crack").endswith("crack (1)"), _count(win, "crack")
    assert usage_reads_here == []


def test_counts_follow_writes_that_commit_later(qtbot, window, labelled_folder, monkeypatch, usage_reads_here):
    """The write not awaited (a team's server: the window goes on at once): the count
    moves when the review writer says it committed, not before and not 400 ms later."""
    from llmvis_desktop.qt import review_writes

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    project.add_suggestions([NewSuggestion(cur, "label", "ok", "zero-shot-clip", score=0.81)])
    win.review._refresh(cur)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)
    writer = win.review._writer
    win.grid.setFocus()
    with qtbot.waitSignal(writer.finished, timeout=10000):
        QTest.keyClick(win.grid, Qt.Key.Key_3)
    assert _count(win, "crack").endswith("crack (1)"), _count(win, "crack")
    with qtbot.waitSignal(writer.finished, timeout=10000):
        QTest.keyClick(win.grid, Qt.Key.Key_Return)  # kept: crack; the ok card rejected
    assert _count(win, "crack").endswith("crack (1)"), _count(win, "crack")
    assert _count(win, "ok").endswith("ok (0)"), _count(win, "ok")
    # the next image, Enter as documented: the ok card at 0.81 is accepted
    nxt = win.review.current.id
    assert nxt != cur
    project.add_suggestions([NewSuggestion(nxt, "label", "ok", "zero-shot-clip", score=0.81)])
    win.review._refresh(nxt)
    with qtbot.waitSignal(writer.finished, timeout=10000):
        QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert _count(win, "ok").endswith("ok (1)"), _count(win, "ok")
    with qtbot.waitSignal(writer.finished, timeout=10000):
        win.review.undo()
    assert _count(win, "ok").endswith("ok (0)"), _count(win, "ok")
    assert usage_reads_here == []
