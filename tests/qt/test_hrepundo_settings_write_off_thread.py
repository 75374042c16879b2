"""Suggestions ▸ Retrain the learned suggester every 10 reviews is saved in the project's
settings off the GUI thread: on a team's PostgreSQL 25 ms away its 2 statements held the
window ~205-210 ms a click (/tmp/hunt-hrepundo/tour.py), and a teammate's SQLite write
lock 15 s. Refused, the menu's tick goes back to what is stored and the status bar says
so (it stayed ticked, unsaved, with a line in the log only)."""
from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import event

from qthelpers import make_images, open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as store_engine
from llmvis_desktop.qt.suggest_controller import AUTO_SETTING


def _stored(root):
    with Project.open(root) as mate:  # the test's own connection, not the window's
        return mate.settings().get(AUTO_SETTING)


def _gui_statements(project, seen):
    def record(conn, cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            seen.append(" ".join(statement.split()[:4]))
    event.listen(project.store.engine, "before_cursor_execute", record)
    return lambda: event.remove(project.store.engine, "before_cursor_execute", record)


def _writer(window):
    """The settings' writer (None before it existed: the write ran on the GUI thread)."""
    return getattr(window.project_ctl.settings_reads, "writer", None)


def _written(qtbot, window, fn):
    """``fn()``, then wait for the settings' writer to hand the write back (its signal)."""
    writer = _writer(window)
    if writer is None:
        fn()
        return
    with qtbot.waitSignal(writer.finished, timeout=20000):
        fn()


def test_auto_retrain_is_saved_off_the_gui_thread(qtbot, window, tmp_path):
    make_images(tmp_path / "imgs", n=2)
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    act, writer = window.act_auto_retrain, _writer(window)
    seen: list = []
    stop = _gui_statements(project, seen)
    gate = threading.Event()
    if writer is not None:
        writer.before_write = lambda w: gate.wait(20)
    try:
        act.trigger()  # returns while the write is held
        assert act.isChecked() and window.suggest_ctl.auto_retrain
        assert not _stored(project.root)  # not written yet: the window went on
        _written(qtbot, window, gate.set)
    finally:
        gate.set()
        stop()
    assert _stored(project.root) is True
    assert seen == [], seen
    _written(qtbot, window, act.trigger)
    assert _stored(project.root) is False and not act.isChecked()


def test_refused_auto_retrain_puts_the_tick_back_and_says_so(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 200)
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 1000)  # (the old GUI-thread write waited it)
    make_images(tmp_path / "imgs", n=2)
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    act = window.act_auto_retrain
    lock = sqlite3.connect(project.root / ".llmvis" / "project.sqlite", isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        _written(qtbot, window, act.trigger)
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    assert not act.isChecked() and not window.suggest_ctl.auto_retrain  # as stored
    assert not _stored(project.root)
    said = window.statusBar().currentMessage()
    assert "not saved" in said and "locked" in said, said
    assert window.project_ctl.settings_reads.cached(project).get(AUTO_SETTING) in (None, False)


def test_reads_and_looks_under_way_do_not_undo_a_setting_being_saved(qtbot, window, tmp_path):
    """With the setting's write still held, a teammate look (answered with what the
    database held then) must not put the old value back in the window's copy, and a
    dialog's read asked after the change must show it (it waits for the write)."""
    make_images(tmp_path / "imgs", n=2)
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    reads, act, writer = window.project_ctl.settings_reads, window.act_auto_retrain, _writer(window)
    gate = threading.Event()
    writer.before_write = lambda w: gate.wait(20)
    got: list = []
    try:
        act.trigger()  # on; held
        stale, seq = project.settings(), reads.seq  # a look begun now reads the old value
        reads.looked(project, stale, seq)
        assert reads.cached(project).get(AUTO_SETTING) is True
        reads.read("test", got.append)  # a dialog opened right after the change
        _written(qtbot, window, gate.set)
        reads.looked(project, stale, seq)  # that look's answer, arriving after the save
        assert reads.cached(project).get(AUTO_SETTING) is True
        qtbot.waitUntil(lambda: bool(got), timeout=10000)
    finally:
        gate.set()
        writer.before_write = None
    assert got[0].get(AUTO_SETTING) is True, got
