"""Right (next image) read a window of 256 grid rows on the GUI thread when the grid's
rows had been marked for a new read (``GridModel.refresh_all``: an index's end, a job's,
a teammate's change) and that read, off the GUI thread, had not landed yet: the window
waited for the database at a key press (test_settings_kept failed about 1 run in 4). The
row as drawn is shown now, and the image's record as read once the read lands."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qthelpers import open_and_index
from sqlalchemy import event

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from test_review_writes import gate  # noqa: F401 - the held review writes fixture


def _gui_statements(project) -> list:
    seen: list = []

    @event.listens_for(project.store.engine, "before_cursor_execute")
    def _on(_conn, _cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            seen.append(" ".join(statement.split())[:60])

    return seen


def _ready(qtbot, win, folder):
    open_and_index(qtbot, win, folder)
    qtbot.waitUntil(lambda: win.review.current is not None and 0 in win.model._windows
                    and not win.model._stale, timeout=10000)
    win.grid.setFocus()


def test_right_and_a_label_key_after_a_refresh_make_no_statement_on_the_gui_thread(qtbot, window,
                                                                                    labelled_folder):
    win = window
    _ready(qtbot, win, labelled_folder)
    seen = _gui_statements(win.project)
    for _ in range(3):
        win.model.refresh_all()  # the rows held are to be read again (off the GUI thread)
        was = win.review.current.id
        QTest.keyClick(win.grid, Qt.Key.Key_Right)  # before that read lands
        assert win.review.current is not None and win.review.current.id != was
        assert win.review.current.id == win.model.id_at(win.grid.currentIndex().row())
        assert seen == [], seen
    win.model.refresh_all()
    with qtbot.waitSignal(win.review.record_changed, timeout=10000):  # written off the GUI thread
        QTest.keyClick(win.grid, Qt.Key.Key_1)
    assert seen == [], seen


def test_an_image_changed_elsewhere_is_shown_as_read_once_the_read_lands(qtbot, window, labelled_folder):
    win = window
    _ready(qtbot, win, labelled_folder)
    nxt = win.model.id_at(win.grid.currentIndex().row() + 1)
    with Project.open(labelled_folder) as bob:
        ra.set_caption(bob, nxt, "a dent, seen by bob", "bob")
    shown = []
    win.review.current_changed.connect(lambda rec: shown.append(rec))
    win.model.refresh_all()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    assert win.review.current.id == nxt
    qtbot.waitUntil(lambda: win.review.current.caption == "a dent, seen by bob", timeout=10000)
    assert shown[-1].caption == "a dent, seen by bob"  # the panels were told
    assert win.panel_ctl.caption.text() == "a dent, seen by bob"


def test_a_caption_refused_on_moving_on_while_rows_are_read_again_is_tried_once(qtbot, window, labelled_folder,
                                                                                monkeypatch):
    """The refused write read its image back (a local refusal: on the GUI thread), which read
    the window again and brought the image moved to afresh while the panels were still
    refusing the move: they tried the save a second time (two errors)."""
    from test_review_team import _collect, _unreachable

    win = window
    _ready(qtbot, win, labelled_folder)
    first = win.review.current
    editor = win.panel_ctl.caption
    errors, _ = _collect(win)
    nxt = win.model.id_at(win.grid.currentIndex().row() + 1)
    with Project.open(labelled_folder) as bob:  # the image moved to changed elsewhere
        ra.set_caption(bob, nxt, "a dent, seen by bob", "bob")
    monkeypatch.setattr(ra, "set_caption", _unreachable)
    editor.edit.setPlainText("typed during the outage")
    win.model.refresh_all()
    win.review.next()
    qtbot.waitUntil(lambda: win.review.current.id == first.id, timeout=10000)  # back on it
    qtbot.wait(200)
    assert len(errors) == 1, errors
    assert editor.text() == "typed during the outage" and editor.is_dirty()


def test_a_label_shown_while_its_write_is_held_survives_a_read_of_its_window(qtbot, window, labelled_folder,
                                                                              gate):  # noqa: F811
    """The label key read the image's window here (for its name), which read a window being
    read again before the label was shown; it no longer does, and a read of that window on
    the GUI thread later (an undo, a refusal of another image) took the label shown off
    while its write was held."""
    win = window
    _ready(qtbot, win, labelled_folder)
    first = win.review.current.id
    win.model.refresh_all()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # returns while the write is held
    assert gate.entered.wait(20)
    assert win.model.record(first).labels == ("scratch",)  # read here: the row shown kept
    gate.open()
    assert win.review.wait_writes(20)
    assert win.model.record(first).labels == ("scratch",)
