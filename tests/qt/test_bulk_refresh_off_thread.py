"""The window catching up at a job's end (model suggestions, an import, a repair, the
learned suggester) reads nothing on the GUI thread.

``refresh_after_bulk`` re-read the label list and its usage, a window of the grid's rows
and the current image on the GUI thread: on a team's PostgreSQL 25 ms away the window
froze ~0.5 s at the end of every job (/tmp/hunt-hbulk/bulk_stmts.py --db pg). Those reads
now run on a worker and are shown when they land; an answer for a project since closed,
or for an image since left, is not shown, and one read before the reviewer changed the
image meanwhile is read again rather than shown over the change."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def _gui_statements(project) -> list:
    """The statements run on the GUI thread from now on (SQLAlchemy's cursor events)."""
    from sqlalchemy import event

    seen: list = []

    def record(conn, _cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            seen.append(" ".join(statement.split()[:4]))

    event.listen(project.store.engine, "before_cursor_execute", record)
    return seen


def _what_a_job_wrote(project, cur: int, other: int) -> int:
    """An import's new label on another image and a model's card on the current one."""
    project.add_label("rust")
    project.set_labels(other, ["rust"], "import:x.csv by tester")
    (sid,) = project.add_suggestions([NewSuggestion(cur, "caption", "a dented plate", "model:test", score=0.7)])
    return sid


def _cached_labels(win, image_id):
    rec = win.model.cached_record(win.model.row_of(image_id))  # (a missing window: read off the GUI thread)
    return list(rec.labels) if rec is not None else None


def test_refresh_after_a_job_reads_nothing_on_the_gui_thread_and_shows_the_results(qtbot, window,
                                                                                   labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    other = next(i for i in win.model.ids if i != cur)
    qtbot.waitUntil(lambda: _cached_labels(win, other) == [], timeout=5000)
    sid = _what_a_job_wrote(project, cur, other)
    statements = _gui_statements(project)
    win.panel_ctl.refresh_after_bulk()
    labels, cards = win.panel_ctl.labels, win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: labels.chip("rust") is not None, timeout=5000)
    qtbot.waitUntil(lambda: cards.card(sid) is not None, timeout=5000)
    qtbot.waitUntil(lambda: _cached_labels(win, other) == ["rust"], timeout=5000)
    assert win.filter_bar.label.findData("rust") >= 0
    assert statements == []


def test_a_model_jobs_end_reads_nothing_on_the_gui_thread(qtbot, window, labelled_folder, monkeypatch):
    """The real "Run models" path: the job stores a card on the image on screen; from the
    moment it has stored it, the GUI thread reads nothing until the card is shown."""
    from llmvis_desktop.core.suggest import batch

    win = window
    open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    stored = []

    def run_suggest(p, captioner, labeler, **kw):
        stored.extend(p.add_suggestions([NewSuggestion(cur, "caption", "a scratched plate", "fake/cap", score=0.9)]))
        win._job_statements = _gui_statements(p)  # from the moment it is stored
        return batch.SuggestReport(images=1, suggestions=1, device="cpu")

    monkeypatch.setattr(batch, "run_suggest", run_suggest)
    monkeypatch.setattr(win.suggest_ctl, "_chosen", lambda: ("fake/cap", None))
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=20000):
        win.suggest_ctl.run_models("all")
    cards = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: bool(stored) and cards.card(stored[0]) is not None, timeout=5000)
    assert win._job_statements == []


@pytest.fixture
def held_read(monkeypatch):
    """The refresh's read, done, waits on ``gate`` before its answer goes to the window
    (a slow link: what it read may be overtaken meanwhile)."""
    from llmvis_desktop.qt import bulk_refresh

    gate = threading.Event()
    real = bulk_refresh.read_bulk

    def held(*a, **k):
        out = real(*a, **k)
        assert gate.wait(20), "the test's gate was never opened"
        return out

    monkeypatch.setattr(bulk_refresh, "read_bulk", held)
    return gate


def test_an_answer_for_an_image_since_left_does_not_show_its_cards(qtbot, window, labelled_folder, held_read):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    other = next(i for i in win.model.ids if i != cur)
    sid = _what_a_job_wrote(project, cur, other)
    bulk = win.panel_ctl.bulk
    win.panel_ctl.refresh_after_bulk()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)  # the reviewer moves on while it is read
    qtbot.waitUntil(lambda: win.review.current.id != cur, timeout=5000)
    with qtbot.waitSignal(bulk.applied, timeout=10000):
        held_read.set()
    cards = win.panel_ctl.suggestions
    assert cards.card(sid) is None and win.panel_ctl.record.id == win.review.current.id
    assert win.panel_ctl.labels.chip("rust") is not None  # the labels are the project's: shown


def test_an_answer_for_a_project_since_closed_is_dropped(qtbot, window, labelled_folder, held_read, tmp_path):
    from qthelpers import make_images

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    _what_a_job_wrote(project, cur, next(i for i in win.model.ids if i != cur))
    bulk = win.panel_ctl.bulk
    dropped = []
    bulk.loader.done.connect(lambda result, error: dropped.append(result))
    win.panel_ctl.refresh_after_bulk()
    open_and_index(qtbot, win, make_images(tmp_path / "second", 3)[0].parent.parent)
    held_read.set()
    qtbot.waitUntil(lambda: bool(dropped), timeout=10000)
    assert dropped[0].project is not win.project
    assert win.panel_ctl.labels.chip("rust") is None  # the first project's labels not shown over the second's


def test_an_answer_read_before_the_reviewer_changed_the_image_is_read_again(qtbot, window, labelled_folder,
                                                                            held_read):
    """The image on screen labelled while the read was on its way: the record read before
    is not shown over the change (the label stays ticked); the image is read again."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    sid = _what_a_job_wrote(project, cur, next(i for i in win.model.ids if i != cur))
    bulk = win.panel_ctl.bulk
    win.panel_ctl.refresh_after_bulk()
    win.grid.setFocus()
    name = win.panel_ctl.labels.name_for_key("1")
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: name in win.review.current.labels, timeout=5000)
    with qtbot.waitSignal(bulk.applied, timeout=10000):
        held_read.set()
    assert name in win.review.current.labels and name in win.panel_ctl.record.labels
    assert name in win.model.record(cur).labels
    qtbot.waitUntil(lambda: win.panel_ctl.suggestions.card(sid) is not None, timeout=5000)


def test_the_live_refresh_during_a_job_reads_nothing_on_the_gui_thread(qtbot, window, labelled_folder):
    """Every 2 s of a job storing suggestions, the image on screen without cards was read
    again on the GUI thread (with a window of the grid's rows): now off it."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    cards = win.panel_ctl.suggestions
    qtbot.waitUntil(cards.is_empty, timeout=5000)
    (sid,) = project.add_suggestions([NewSuggestion(cur, "caption", "a plate", "model:test", score=0.5)])
    statements = _gui_statements(project)
    win.panel_ctl._live_at = 0.0  # (the last live refresh long ago)
    win.panel_ctl.refresh_during_job()
    qtbot.waitUntil(lambda: cards.card(sid) is not None, timeout=5000)
    assert statements == []
