"""Enter in a filtered review queue ("Suggested", the usual way to work through the
model's cards) read the status counts again after every key: the counts of every status
and how many images still match the filter, two queries (two round trips on a team's
PostgreSQL) a keypress, where the unfiltered window moves its counts with the write's own
result. A filter on statuses alone (and a folder) can be moved the same way: the image
left the filter's statuses or entered them, as the write's old and new status say. A
filter on labels or text is still read again (an accepted card may change whether the
image matches). Counted on SQLite, every statement not made by the review writer."""
from __future__ import annotations

import threading

from PySide6.QtTest import QTest
from sqlalchemy import event

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion
from llmvis_desktop.qt.project_texts import counts_text

WRITER = "llmvis-review-writer"


def _idle(win) -> bool:
    pc, review = win.panel_ctl, win.review
    timers = (pc._history_timer, pc._usage_timer, win._counts_timer, win.project_ctl._requery_timer)
    loaders = (pc._history_reader, pc._usage_loader, pc._cards_reader, win.counts_loader,
               win.suggest_ctl._status_loader, review._position_saver, win.query_loader)
    return not review.writes_in_flight() and not any(t.isActive() for t in timers) \
        and not any(lo._running for lo in loaders) and not win.jobs.active()


def _settle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)
    QTest.qWait(0)
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)


def _queue(qtbot, win, folder, status_text: str, label=None):
    project = open_and_index(qtbot, win, folder)
    ids = project.image_ids()
    project.add_suggestions([NewSuggestion(i, "label", "dent", "m", score=0.5) for i in ids[:5]])
    win.team_watch.timer.stop()
    fb = win.filter_bar
    if label is not None:
        fb.label.setCurrentIndex(fb.label.findText(label))
    fb.status.setCurrentIndex(fb.status.findText(status_text))
    qtbot.waitUntil(lambda: win.model.rowCount() == 5, timeout=5000)
    win.grid.select_row(0)
    win.review._save_timer.stop()
    _settle(qtbot, win)
    win.panel_ctl.flush_history()
    _settle(qtbot, win)
    seen = []

    def look(conn, cursor, statement, *_):
        if threading.current_thread().name != WRITER:
            seen.append(" ".join(statement.split())[:120])

    event.listen(project.store.engine, "before_cursor_execute", look)
    return project, seen, lambda: event.remove(project.store.engine, "before_cursor_execute", look)


def _enter(qtbot, win) -> None:
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        win.setFocus()
        win.review.actions()["accept"].trigger()
    win.review._save_timer.stop()
    _settle(qtbot, win)


def _counts_reads(seen) -> list:
    return [s for s in seen if "GROUP BY images.status" in s or s.startswith("SELECT count(")]


def test_enter_in_a_status_filter_moves_the_counts_with_no_read(qtbot, window, labelled_folder):
    win = window
    project, seen, done = _queue(qtbot, win, labelled_folder, "Suggested")
    try:
        total = len(project.image_ids())
        for n in (4, 3):
            seen.clear()
            _enter(qtbot, win)
            assert _counts_reads(seen) == [], seen  # neither the counts nor the matching read again
            assert win.counts_label.text() == counts_text(project.counts_by_status())
            assert project.count(ImageFilter(statuses=("suggested",))) == n
            assert win.filter_bar.count_label.text() == f"5 listed · {n} still match · {total} images"
        # an undo moves them back, no read either
        seen.clear()
        with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
            win.review.undo()
        _settle(qtbot, win)
        assert _counts_reads(seen) == [], seen
        assert win.filter_bar.count_label.text() == f"5 listed · 4 still match · {total} images"
        assert win.counts_label.text() == counts_text(project.counts_by_status())
    finally:
        done()


def test_enter_in_a_label_filter_still_reads_what_matches(qtbot, window, labelled_folder):
    win = window
    project, seen, done = _queue(qtbot, win, labelled_folder, "Suggested", label="dent")
    try:
        total = len(project.image_ids())
        seen.clear()
        _enter(qtbot, win)
        assert _counts_reads(seen), seen  # what matches may change with the card: read
        left = project.count(win.model.filter)
        assert win.filter_bar.count_label.text() == f"5 listed · {left} still match · {total} images"
        assert win.counts_label.text() == counts_text(project.counts_by_status())
    finally:
        done()
