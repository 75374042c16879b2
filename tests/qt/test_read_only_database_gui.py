"""A project whose database file is read-only opens with one notice naming the file and
the fix (it opened silently; every Enter then said "The database refused the change ...
(attempt to write a readonly database)"), a refused Enter names them too, and stepping
through images logs no "cannot save the review position" traceback at each selection.

Permission bits do not stop root (the suite's usual user here): the file is made
read-only to the tool through ``os.access``, and SQLite refuses writes with
``PRAGMA query_only``, which fails them with the same "attempt to write a readonly
database" a read-only file does."""
from __future__ import annotations

import logging
import os

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import event

from qthelpers import open_and_index

from llmvis_desktop.core.store import writable


def test_a_read_only_database_is_said_once_at_open_and_named_when_a_change_is_refused(
        qtbot, window, labelled_folder, monkeypatch, caplog):
    win = window
    db = labelled_folder / ".llmvis" / "project.sqlite"
    real_access = os.access

    def access(path, mode, *a, **k):
        if os.fspath(path) == str(db) and mode & os.W_OK:
            return False
        return real_access(path, mode, *a, **k)

    monkeypatch.setattr(writable.os, "access", access)
    project = open_and_index(qtbot, win, labelled_folder)
    box = getattr(win, "notice_box", None)
    assert box is not None and box.isVisible()
    assert str(db) in box.text() and "chmod u+w" in box.text() and "browsed and exported" in box.text()
    assert "read-only" in win.db_label.text()

    engine = project.store.engine  # from now on SQLite refuses every write, as on a read-only file
    event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA query_only=1"))
    engine.dispose()
    caplog.set_level(logging.INFO)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    said = win.statusBar().currentMessage()
    assert str(db) in said and "chmod u+w" in said and "nothing was saved" in said, said
    for row in (1, 2, 3, 1):  # each selection saves the review position after a pause
        win.grid.select_row(row)
        win.review.save_position(wait=True)  # (the write is on a thread: waited for, so counted)
    traced = [r for r in caplog.records if "review position" in r.getMessage() and r.exc_info]
    assert traced == []
    assert sum("review position" in r.getMessage() for r in caplog.records) == 1
