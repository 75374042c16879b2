"""A core test's ``monkeypatch.undo()`` undid the isolated dirs too (see the Qt test of the
same name): what it wrote after went to the real user's folders."""
from __future__ import annotations

import os


def test_monkeypatch_undo_keeps_the_isolated_dirs(monkeypatch):
    before = {k: os.environ.get(f"LLMVIS_{k}_DIR") for k in ("CONFIG", "DATA", "CACHE", "LOG")}
    monkeypatch.setenv("LLMVIS_HHUNT7", "1")
    monkeypatch.undo()
    assert all(before.values())
    assert {k: os.environ.get(f"LLMVIS_{k}_DIR") for k in before} == before
