"""A review action while another writer holds the project (a teammate's import on the
shared SQLite file, another program): the window waits briefly, not the batch jobs' 15 s,
then says nothing was changed; what was typed stays."""
from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import text

from qthelpers import open_and_index, write_waits

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng

CTRL = Qt.KeyboardModifier.ControlModifier


def test_enter_while_another_writer_holds_the_database_waits_briefly_and_keeps_the_typing(
        qtbot, window, labelled_folder, monkeypatch):
    monkeypatch.setattr(eng, "INTERACTIVE_WAIT_MS", 200)
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    waits = write_waits(project)  # the busy timeout each write of the window began with

    errors = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "crack along the weld")
    other = sqlite3.connect(project.db_url[len("sqlite:///"):], timeout=0.1)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        win.review.actions()["accept"].trigger()  # Enter: saves the typing first, then accepts
        assert waits and set(waits) == {200}  # the short wait, not 15 s
        assert errors and "Nothing was changed" in errors[-1] and "locked" in errors[-1]
        assert edit.toPlainText() == "crack along the weld"  # kept on screen, unsaved
        assert win.review.current.id == cur and win.review.undo_stack.count() == 0
    finally:
        other.rollback()
        other.close()
    with Project.open(labelled_folder) as p:
        assert p.image(cur).caption is None and p.history(cur) == []
    # the writer done: the same Enter saves it
    win.review.actions()["accept"].trigger()
    with Project.open(labelled_folder) as p:
        assert p.image(cur).caption == "crack along the weld" and p.image(cur).status == "reviewed"
    # the batch jobs' own writes still wait the long busy timeout
    waits.clear()
    with project.store.write() as s:
        s.execute(text("SELECT 1"))  # (a session connects at its first statement)
    assert waits == [eng.SQLITE_BUSY_TIMEOUT_MS]
