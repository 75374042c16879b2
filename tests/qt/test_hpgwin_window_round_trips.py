"""The window's own statements around one review action (a team's PostgreSQL 25 ms away
each way: each is one or more round trips). Measured (/tmp/hunt-hpgwin/stmts.py): a label
key was 11 statements written and 9 more read by the window (its cards, its history, the
status counts, the label list and usage); a caption 9 and 9; an Enter 13 and 20 (the
learned suggester's readiness, the reviewer's place read then written too). The label
chips' counts move from the write's own result, and a caption or a label key changes no
status: their re-reads are cut; the place is saved at most every few seconds, written
without a read first. Counted here on SQLite, every thread's statements, waiting for the
writer's signal and for every read the action started to land (no sleep)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtTest import QTest
from sqlalchemy import event

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


class Seen:
    def __init__(self, engine) -> None:
        self.rows: list = []
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *_):
        self.rows.append((threading.current_thread().name, " ".join(statement.split())[:80]))

    def window(self) -> list:
        """The statements not made by the review writer (the write itself)."""
        return [s for t, s in self.rows if t != "llmvis-review-writer"]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _idle(win) -> bool:
    pc, review = win.panel_ctl, win.review
    timers = (pc._history_timer, pc._usage_timer, win._counts_timer)
    loaders = (pc._history_reader, pc._usage_loader, pc._cards_reader, win.counts_loader,
               win.suggest_ctl._status_loader, review._position_saver)
    return not review.writes_in_flight() and not any(t.isActive() for t in timers) \
        and not any(lo._running for lo in loaders)


def _settle(qtbot, win) -> None:
    """Every read the action started has landed (twice idle across the event loop)."""
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)
    QTest.qWait(0)
    qtbot.waitUntil(lambda: _idle(win), timeout=15000)


@pytest.fixture
def opened(qtbot, window, labelled_folder):
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
    seen = Seen(project.store.engine)
    yield win, seen
    seen.close()


def test_a_label_key_reads_only_its_cards_and_history(qtbot, opened):
    win, seen = opened
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        win.review.toggle_label_key(2)
    _settle(qtbot, win)
    assert "dent" in win.review.current.labels
    reads = seen.window()
    assert not [s for s in reads if "count(" in s.lower()], reads  # no usage, no status counts
    assert len(reads) <= 4, reads  # the cards, the history (each BEGIN + SELECT)


def test_a_caption_reads_only_its_cards_and_history(qtbot, opened):
    win, seen = opened
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        win.review.set_caption("a bent lid")
    _settle(qtbot, win)
    assert win.review.current.caption == "a bent lid"
    reads = seen.window()
    assert not [s for s in reads if "count(" in s.lower()], reads
    assert len(reads) <= 4, reads


def test_enter_does_not_read_the_label_usage_again(qtbot, opened):
    win, seen = opened
    first = win.review.current.id
    chip = win.panel_ctl.labels.chip("dent").text()
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        win.setFocus()
        win.review.actions()["accept"].trigger()
    win.review._save_timer.stop()  # (the place: test_the_place_is_saved_without_a_read_first)
    _settle(qtbot, win)
    assert win.review.current.id != first
    assert win.panel_ctl.labels.chip("dent").text() != chip  # moved by the write's result
    reads = seen.window()
    assert not [s for s in reads if "image_labels.image_id" in s and "count(" in s.lower()], reads
    assert len(reads) <= 12, reads  # cards, history, status counts, the learned readiness


def test_the_place_is_saved_at_most_every_few_seconds(qtbot, opened):
    win, _seen = opened
    assert win.review._save_timer.interval() >= 3000


def test_the_place_is_saved_without_a_read_first(qtbot, opened):
    win, seen = opened
    win.review.next()
    win.review.save_position(wait=True)
    _settle(qtbot, win)
    saves = [s for t, s in seen.rows if "settings" in s]
    assert len(saves) == 2, saves  # the locked read and the update, in the write's transaction
    assert win.project.settings().get(win.review._position_key()) == win.review.current.relpath
    seen.rows.clear()
    win.review.save_position(wait=True)  # the same place again: nothing written
    _settle(qtbot, win)
    assert [s for t, s in seen.rows if "settings" in s] == []
