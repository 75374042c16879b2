"""Closing the window ran its shutdown steps one after another and the first one that
raised stopped the rest: the later workers, the reader processes and the database were
then left open (a window that hangs on exit, processes left behind). Every step runs; each
failure is logged with its step's name; the first error is raised after all have run."""
from __future__ import annotations

import logging

import pytest

from qthelpers import open_and_index


def test_a_failing_step_leaves_the_later_steps_run(qtbot, window, image_folder, monkeypatch, caplog):
    from llmvis_desktop.core.suggest import reading

    project = open_and_index(qtbot, window, image_folder)
    ran = []

    def failing(real, name):
        def step(*a, **kw):
            real(*a, **kw)  # its work done (the fixture checks the pools are empty)...
            ran.append(name)
            raise RuntimeError(f"{name} broke")  # ...then it raises
        return step

    def spy(real, name):
        def step(*a, **kw):
            ran.append(name)
            return real(*a, **kw)
        return step

    monkeypatch.setattr(window.jobs, "shutdown", failing(window.jobs.shutdown, "jobs"))
    monkeypatch.setattr(window.suggest_ctl.asker, "shutdown",
                        failing(window.suggest_ctl.asker.shutdown, "asker"))
    monkeypatch.setattr(reading, "shutdown_shared", spy(reading.shutdown_shared, "readers"))
    monkeypatch.setattr(window.team_watch, "shutdown", spy(window.team_watch.shutdown, "team watch"))
    monkeypatch.setattr(window.thumbs, "shutdown", spy(window.thumbs.shutdown, "thumbs"))
    monkeypatch.setattr(project, "close", spy(project.close, "database"))
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError, match="jobs broke"):
        window.shutdown()
    assert ran == ["jobs", "asker", "readers", "team watch", "thumbs", "database"]
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("jobs" in m and "jobs broke" in m for m in failed), failed
    assert any("asker" in m and "asker broke" in m for m in failed), failed
    window.shutdown()  # a second call does nothing (the window's closeEvent after a shutdown)


def test_closing_the_window_when_a_step_fails_still_closes_it(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    closed = []
    real_close = project.close
    monkeypatch.setattr(project, "close", lambda: (closed.append(True), real_close()))

    def broken():
        raise RuntimeError("query loader broke")

    monkeypatch.setattr(window.query_loader, "shutdown", broken)
    window.close()
    assert closed == [True] and not window.isVisible()
