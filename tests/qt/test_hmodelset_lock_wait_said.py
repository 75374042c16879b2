"""A refused write said "waited 15 s" (describe_db_error) though the window's writes give
up after INTERACTIVE_WAIT_MS (1.5 s; store.engine.short_waits): a repair's undo refused
by a held SQLite lock said 15 s after 1.5 s (/tmp/hunt-hmodelset/refused.py). The
message now says the wait actually made; a batch job's long wait still says 15 s."""
from __future__ import annotations

import sqlite3

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as store_engine
from llmvis_desktop.qt.suggest_controller import AUTO_SETTING


def _stored(root) -> dict:
    with Project.open(root) as mate:
        return mate.settings()


def _lock(project):
    lock = sqlite3.connect(project.root / ".llmvis" / "project.sqlite", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    return lock


def _writer(window):
    return window.project_ctl.settings_reads.writer


def test_a_refused_setting_says_the_wait_it_made(qtbot, window, image_folder, monkeypatch):
    """Suggestions ▸ Retrain every 10 reviews, refused by a held SQLite lock, said
    "waited 15 s" after a 1.5 s wait (here 0.2 s)."""
    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 200)
    project = open_and_index(qtbot, window, image_folder)
    lock = _lock(project)
    try:
        with qtbot.waitSignal(_writer(window).finished, timeout=20000):
            window.act_auto_retrain.trigger()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    said = window.statusBar().currentMessage()
    assert "locked" in said and "waited 0.2 s" in said and "15 s" not in said, said
    assert not _stored(project.root).get(AUTO_SETTING)


def test_a_refused_repair_undo_says_the_wait_it_made(qtbot, window, tmp_path, monkeypatch):
    """Ctrl+Z of a repair, refused on the review writer by a held SQLite lock (as
    /tmp/hunt-hmodelset/refused.py "undo-while-locked": "waited 15 s" after 1.5 s)."""
    from test_hrepundo_repair_undo_off_thread import _open, _repaired

    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 300)
    project = _open(qtbot, window, tmp_path, monkeypatch)
    _repaired(qtbot, window)
    lock = _lock(project)
    try:
        window.review.undo()  # (tests/qt wait for the write's end: it is handled here)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    said = window.statusBar().currentMessage()
    assert "not undone" in said and "locked" in said and "waited 0.3 s" in said and "15 s" not in said, said


def test_a_lock_error_from_a_long_wait_still_says_15_s():
    from sqlalchemy.exc import OperationalError

    from llmvis_desktop.qt.review_controller import describe_db_error

    exc = OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
    assert "waited 15 s" in describe_db_error(exc)


def test_a_postgresql_lock_timeout_in_a_short_wait_says_that_wait():
    """(PostgreSQL's lock timeout, under the window's short wait: "for 15 s" after 1.5 s.)"""
    import pytest
    from sqlalchemy.exc import OperationalError

    from llmvis_desktop.core.store.waited import noted_waits
    from llmvis_desktop.qt.review_controller import describe_db_error

    with pytest.raises(OperationalError) as got:
        with noted_waits(1500):
            raise OperationalError("UPDATE images", {}, RuntimeError("canceling statement due to lock timeout"))
    said = describe_db_error(got.value)
    assert "for 1.5 s" in said and "15 s" not in said, said
