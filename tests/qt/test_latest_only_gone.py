"""A LatestOnly's answer in flight when its owner is torn down (the window closed without
its shutdown reaching the worker, or the interpreter exiting): the worker finds its
signal gone and drops the answer, instead of a traceback through sys.excepthook."""
from __future__ import annotations

import sys
import threading

import shiboken6

from llmvis_desktop.qt.workers import LatestOnly


def test_an_answer_whose_signal_source_was_deleted_is_dropped_quietly(qtbot, monkeypatch, capfd):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: seen.append(exc))
    loader = LatestOnly()
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "late"

    loader.submit(slow)
    assert started.wait(10)
    shiboken6.delete(loader._signals)  # what the interpreter's teardown does to it
    release.set()
    assert loader.wait(10000)
    assert seen == []
    assert "Signal source has been deleted" not in capfd.readouterr().err
