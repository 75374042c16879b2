"""The Suggestions panel reads an image's cards off the GUI thread.

Each move read the image's suggestion cards and the models that judged it clean on the
GUI thread: on a team's PostgreSQL 50 ms away (round trip) that froze the window ~430 ms
per arrow key (/tmp/hunt-hstall/pos_stall.py --db pg --delay-ms 25). The read now runs
on the panel controller's own thread: the panel says "Loading suggestions…" meanwhile,
cards read for an image the reviewer has since left are never shown, and Enter (Delete)
pressed while they load waits for that image's cards and decides those."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import repo_suggest
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.qt import suggestion_actions

_REAL_WAITS = {name: getattr(suggestion_actions, name) for name in ("CARDS_WAIT_S", "CARDS_GLANCE_S")}


@pytest.fixture(autouse=True)
def real_card_waits(cards_awaited, monkeypatch):
    """The loading path itself: a move waits for its cards only as the window does
    (conftest's ``cards_awaited`` makes every other test wait for them)."""
    for name, value in _REAL_WAITS.items():
        monkeypatch.setattr(suggestion_actions, name, value)


def _all_reads_handled(win) -> None:
    """Every card read started has ended and its answer was handled on the GUI thread
    (shown, or dropped as stale): the reader's one thread is idle and the answers it
    posted are delivered. (Was a 300 ms wait: under load a late stale answer could come
    after it, and the test passed without having checked that it was dropped.)"""
    assert win.panel_ctl._cards_reader.wait(20000), "a card read never ended"
    QCoreApplication.sendPostedEvents()


def _placeholder(win) -> str:
    panel = win.panel_ctl.suggestions
    return panel.placeholder.text() if panel.placeholder.isVisible() else ""


def _held_reads(monkeypatch, hold: set):
    """Reads of the cards of the images in ``hold`` wait at the gate (a slow database):
    (gate, reads: [(image id, on the GUI thread)])."""
    real = repo_suggest.suggestions_for
    gate, reads = threading.Event(), []

    def slow(session, image_id, *a, **k):
        main = threading.current_thread() is threading.main_thread()
        reads.append((image_id, main))
        if image_id in hold:  # (the GUI thread is not held long: the old code read there)
            assert gate.wait(2 if main else 20), "the test's gate was never opened"
        return real(session, image_id, *a, **k)

    monkeypatch.setattr(repo_suggest, "suggestions_for", slow)
    return gate, reads


def test_cards_are_read_off_the_gui_thread_and_a_stale_answer_is_dropped(qtbot, window, labelled_folder,
                                                                         monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    start = win.review.current.id
    first, second = ids[ids.index(start) + 1], ids[ids.index(start) + 2]
    project.add_suggestions([NewSuggestion(first, "label", "scratch", "zero-shot-a", score=0.9),
                             NewSuggestion(second, "label", "dent", "zero-shot-a", score=0.8)])
    panel = win.panel_ctl.suggestions
    shown = []
    real_set = panel.set_suggestions
    monkeypatch.setattr(panel, "set_suggestions",
                        lambda items: (shown.append(sorted(s.value for s in items)), real_set(items)))
    _all_reads_handled(win)  # (the first image's own read, slow on a loaded machine, is not counted)
    gate, reads = _held_reads(monkeypatch, {first})
    win.grid.setFocus()
    try:
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        assert win.review.current.id == first
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)  # held at the gate: the window goes on
        assert reads[0] == (first, False)  # not on the GUI thread
        assert "Loading suggestions" in _placeholder(win)
        assert panel.is_empty()  # never the previous image's cards meanwhile
        QTest.keyClick(win.grid, Qt.Key.Key_Right)  # the reviewer moves on meanwhile
        assert win.review.current.id == second
    finally:
        gate.set()
    qtbot.waitUntil(lambda: panel.card_ids() != set(), timeout=5000)
    _all_reads_handled(win)  # (a stale answer, had it been shown, would be by now)
    assert ["scratch"] not in shown  # the first image's cards, read late, were never shown
    assert shown[-1] == ["dent"]
    assert reads[-1] == (second, False)


def test_enter_while_the_cards_load_decides_that_images_cards(qtbot, window, labelled_folder, monkeypatch):
    """Enter pressed before the new image's cards arrived: it waits for them and accepts
    those (never the previous image's cards, nor marks the image reviewed with its cards
    left undecided, unseen)."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    start = win.review.current.id
    nxt = ids[ids.index(start) + 1]
    after = ids[ids.index(start) + 2]
    project.add_suggestions([NewSuggestion(start, "label", "crack", "zero-shot-a", score=0.9),
                             NewSuggestion(nxt, "label", "dent", "zero-shot-a", score=0.8),
                             NewSuggestion(nxt, "caption", "a dented tile", "cap-a", score=0.6)])
    win.review._refresh(start)
    qtbot.waitUntil(lambda: len(win.panel_ctl.suggestions.card_ids()) == 1, timeout=5000)
    _all_reads_handled(win)
    gate, reads = _held_reads(monkeypatch, {nxt})
    win.grid.setFocus()
    try:
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)
        assert reads[0] == (nxt, False)  # still loading: off the GUI thread
        assert win.panel_ctl.suggestions.is_empty()
        real_ready, asked = win.review.cards_ready, []

        def ready(image_id):  # the database answers once Enter waits for it (not after 0.3 s)
            asked.append(image_id)
            gate.set()
            return real_ready(image_id)

        monkeypatch.setattr(win.review, "cards_ready", ready)
        QTest.keyClick(win.grid, Qt.Key.Key_Return)
    finally:
        gate.set()
    assert asked == [nxt]  # Enter waited for that image's cards
    with Project.open(labelled_folder) as p:
        assert p.image(nxt).status == "reviewed"
        assert p.image(nxt).labels == ("dent",)
        assert p.image(nxt).caption == "a dented tile"
        assert {s.outcome for s in p.suggestions(nxt)} == {"accepted"}
        assert p.image(start).labels == ()  # the image left is untouched
        assert {s.outcome for s in p.suggestions(start)} == {"pending"}
    assert win.review.current.id == after
    assert "Accepted" in win.statusBar().currentMessage()


def test_a_trail_shown_before_the_cards_came_names_them_once_they_do(qtbot, window, labelled_folder,
                                                                    monkeypatch):
    """The history names a card in an undone decision from the cards read with the image;
    a trail read before them is laid out again when they come (not left "suggestion: ?")."""
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    start = win.review.current.id
    nxt = ids[ids.index(start) + 1]
    [sid] = project.add_suggestions([NewSuggestion(nxt, "label", "dent", "zero-shot-a", score=0.8)])
    assert win.review.decide_suggestion(sid, "accepted", image_id=nxt)
    win.review.undo()
    win.grid.select_row(win.model.row_of(start))  # (the undo showed the image it undid)
    assert win.review.current.id == start
    hist, lines = win.panel_ctl.history, []
    real_set = hist.set_events
    monkeypatch.setattr(hist, "set_events", lambda events, by_id=None: (
        lines.append([describe_event(e, (by_id or {}).get(e.suggestion_id)) for e in events]),
        real_set(events, by_id)))
    _all_reads_handled(win)
    gate, reads = _held_reads(monkeypatch, {nxt})
    win.grid.setFocus()
    try:
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        assert win.review.current.id == nxt
        qtbot.waitUntil(lambda: bool(reads), timeout=5000)
        win.panel_ctl.flush_history()  # the trail before the cards
        assert any("undo" in line for line in lines[-1]) and not any("label suggestion" in line for line in lines[-1])
    finally:
        gate.set()
    qtbot.waitUntil(lambda: any("label suggestion 'dent'" in line for line in lines[-1]), timeout=5000)
