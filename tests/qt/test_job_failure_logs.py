"""Every failed job logged a full traceback (ERROR), the expected ones too: a full disk,
a model refused, a read-only database, a project error, all of which the tool says in
words. Those are now one WARNING line without a traceback; an unexpected exception (a
bug) keeps its traceback."""
from __future__ import annotations

import errno
import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from llmvis_desktop.qt.workers import JobManager


def _raises(exc):
    def work(token, progress):
        raise exc
    return work


def _failed_job_records(qtbot, caplog, exc):
    mgr = JobManager()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="llmvis_desktop.qt.workers"):
        job = mgr.start("the job", _raises(exc))
        qtbot.waitUntil(lambda: job.state == "failed", timeout=5000)
    assert mgr.shutdown()
    return [r for r in caplog.records if r.name == "llmvis_desktop.qt.workers"]


def _expected():
    from llmvis_desktop.core.project import ProjectError
    from llmvis_desktop.core.store.writable import DatabaseReadOnly
    from llmvis_desktop.core.suggest.discovery import ModelRefused

    full = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))
    readonly = OperationalError("UPDATE ...", {}, sqlite3.OperationalError("attempt to write a readonly database"))
    return [full, readonly, OSError(errno.ENOSPC, "No space left on device"), ModelRefused("not a model folder"),
            ProjectError("no project here"), DatabaseReadOnly("the database is read-only")]


@pytest.mark.parametrize("index", range(6))
def test_an_expected_failure_is_one_warning_line_without_traceback(qtbot, caplog, index):
    exc = _expected()[index]
    records = _failed_job_records(qtbot, caplog, exc)
    assert len(records) == 1, records
    rec = records[0]
    assert rec.levelno == logging.WARNING and rec.exc_info is None, (rec.levelname, rec.exc_info)
    assert "the job" in rec.getMessage() and "\n" not in rec.getMessage()


def test_an_unexpected_failure_keeps_its_traceback(qtbot, caplog):
    records = _failed_job_records(qtbot, caplog, ZeroDivisionError("division by zero"))
    assert len(records) == 1
    rec = records[0]
    assert rec.levelno == logging.ERROR and rec.exc_info is not None
    assert rec.exc_info[0] is ZeroDivisionError
