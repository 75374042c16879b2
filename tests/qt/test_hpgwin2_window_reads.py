"""What the window reads around a label key, a caption and Enter on a team's database,
where the window does not wait for the write (the record shown at once, the commit's
record after). Measured on embedded PostgreSQL (/tmp/hunt-hpgwin2/measure.py): a label
key was 17 round trips, a caption 14, Enter 20, of which the window's own reads: the
cards and the history read for the record shown at once, then again, in another two
sessions, for the commit's record (8 round trips); Enter's status counts re-read (2).
Now the record shown at once reads nothing (the commit's comes a moment later), the
commit's record reads its cards and trail in ONE transaction, and Enter's status counts
move with the write's own result. Counted here on SQLite, every thread's statements,
the write held until the key has been handled (as a server's round trips hold it)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtTest import QTest
from sqlalchemy import event

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.qt import review_writes

WRITER = "llmvis-review-writer"


class Seen:
    def __init__(self, engine) -> None:
        self.rows: list = []
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *_):
        tx = conn.get_transaction()
        self.rows.append((threading.current_thread().name, id(tx) if tx is not None else None,
                          " ".join(statement.split())[:90]))

    def window(self) -> list:
        """(transaction, statement) of the statements not made by the review writer."""
        return [(tx, s) for t, tx, s in self.rows if t != WRITER]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _idle(win) -> bool:
    pc, review = win.panel_ctl, win.review
    timers = (pc._history_timer, pc._usage_timer, win._counts_timer, win.project_ctl._requery_timer)
    loaders = (pc._history_reader, pc._usage_loader, pc._cards_reader, win.counts_loader,
               win.suggest_ctl._status_loader, review._position_saver, win.query_loader)
    return not review.writes_in_flight() and not any(t.isActive() for t in timers) \
        and not any(lo._running for lo in loaders) and not win.jobs.active()


def _settle(qtbot, win) -> None:
    """Every read the action started has landed (twice idle across the event loop)."""
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)
    QTest.qWait(0)
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)


@pytest.fixture
def opened(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    project.add_suggestions([x for i in ids for x in (
        NewSuggestion(i, "caption", "a dented can", "m", score=0.9),
        NewSuggestion(i, "label", "dent", "m", score=0.8), NewSuggestion(i, "label", "scratch", "m", score=0.2))])
    win.team_watch.timer.stop()
    win.review.go_to_row(0)
    win.review._save_timer.stop()
    _settle(qtbot, win)
    win.review._refresh(win.review.current.id)
    _settle(qtbot, win)
    win.panel_ctl.flush_history()
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)  # the window goes on, as on a server
    gate = threading.Event()
    win.review._writer.before_write = lambda _w: gate.wait(10)  # the write lands after the key's handling
    seen = Seen(project.store.engine)
    yield win, seen, gate
    gate.set()
    win.review._writer.before_write = None
    seen.close()


def _act(qtbot, win, gate, act) -> None:
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        act()
        QTest.qWait(0)  # the record shown at once is handled (its panels)
        gate.set()
    win.review._save_timer.stop()
    _settle(qtbot, win)


def _one_read_of_cards_and_history(win, reads) -> None:
    cards = [tx for tx, s in reads if s.startswith("SELECT suggestions.id")]
    trail = [tx for tx, s in reads if s.startswith("SELECT events.id")]
    assert len(cards) == 1 and len(trail) == 1, reads  # not also for the record shown at once
    assert cards == trail, reads  # one transaction (a session each was 2 round trips more)


def test_a_label_key_reads_its_cards_and_history_once_together(qtbot, opened):
    win, seen, gate = opened
    _act(qtbot, win, gate, lambda: win.review.toggle_label_key(2))
    assert "dent" in win.review.current.labels
    reads = seen.window()
    _one_read_of_cards_and_history(win, reads)
    assert not [s for _, s in reads if "count(" in s.lower()], reads
    events = [e.action for e in win.panel_ctl._history_shown[1]]
    assert events[-1] == "labels", events  # the trail shown has the key's event


def test_a_caption_reads_its_cards_and_history_once_together(qtbot, opened):
    win, seen, gate = opened
    _act(qtbot, win, gate, lambda: win.review.set_caption("a bent lid"))
    assert win.review.current.caption == "a bent lid"
    assert win.panel_ctl.caption.text() == "a bent lid"
    reads = seen.window()
    _one_read_of_cards_and_history(win, reads)
    events = [e.action for e in win.panel_ctl._history_shown[1]]
    assert events[-1] == "caption", events


def _counts_now(win) -> str:
    from llmvis_desktop.qt.project_texts import counts_text

    return counts_text(win.project.counts_by_status())


def test_enter_moves_the_status_counts_with_its_result(qtbot, opened):
    win, seen, gate = opened
    first, shown = win.review.current.id, win.counts_label.text()
    assert shown == _counts_now(win)
    seen.rows.clear()
    _act(qtbot, win, gate, lambda: (win.setFocus(), win.review.actions()["accept"].trigger()))
    reads = seen.window()
    assert not [s for _, s in reads if "GROUP BY images.status" in s], reads  # not read again
    assert win.review.current.id != first
    assert win.project.image(first).status == "reviewed"
    assert win.counts_label.text() == _counts_now(win) != shown  # moved by the write's result


def test_status_counts_stay_right_with_a_teammate_and_an_overlapping_read(qtbot, opened):
    """A teammate's change (their own connection) is read with the team watch's next look;
    this window's Enter moved the counts meanwhile; a read of them begun before the write
    and answered after its commit is read again once the writes have ended (it could not
    tell whether it saw the write: taken as it was, with the move on top, it counted the
    write twice)."""
    from llmvis_desktop.core.project import Project

    win, seen, gate = opened
    ids = win.project.image_ids()
    with Project.open(win.project.root) as teammate:
        teammate.set_status(ids[-1], "rejected", "teammate")
    committed, real, calls = threading.Event(), win.project.counts_by_status, []

    def held(w):
        gate.wait(10)
        run = w.run
        w.run = lambda: (run(), committed.set())[0]

    def counts_after_the_commit():
        if not calls:
            calls.append(1)
            committed.wait(10)  # the read's query runs once the write has committed
        return real()

    win.review._writer.before_write = held
    win.project.counts_by_status = counts_after_the_commit
    win.update_counts()  # begun before the write
    _act(qtbot, win, gate, lambda: (win.setFocus(), win.review.actions()["accept"].trigger()))
    assert calls and committed.is_set()
    assert win.counts_label.text() == _counts_now(win)  # not the write counted twice
    win.project.counts_by_status = real
    win.team_watch._tick()  # the teammate's change seen: the counts read again
    qtbot.waitUntil(lambda: "rejected 1" in win.counts_label.text(), timeout=10000)
    _settle(qtbot, win)
    assert win.counts_label.text() == _counts_now(win)


def test_undo_of_enter_moves_the_status_counts_back(qtbot, opened):
    win, seen, gate = opened
    shown = win.counts_label.text()
    _act(qtbot, win, gate, lambda: (win.setFocus(), win.review.actions()["accept"].trigger()))
    assert win.counts_label.text() != shown
    seen.rows.clear()
    gate.clear()
    _act(qtbot, win, gate, win.review.undo)
    reads = seen.window()
    assert not [s for _, s in reads if "GROUP BY images.status" in s], reads
    assert win.counts_label.text() == shown == _counts_now(win)



def test_the_saving_line_goes_once_a_caption_is_saved(qtbot, opened):
    """A caption (or a card's edit) saved says no line of its own: "Saving 1 review…" stayed
    on the status bar after it had committed (4 s), as if it had not."""
    win, seen, gate = opened
    win.review.set_caption("a bent lid")  # shown at once, written later
    assert "Saving 1 review" in win.statusBar().currentMessage()
    _act(qtbot, win, gate, lambda: None)
    assert win.project.image(win.review.current.id).caption == "a bent lid"
    assert "Saving" not in win.statusBar().currentMessage()
