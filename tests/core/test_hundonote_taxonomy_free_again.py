"""A rename refused with "A teammate is changing the label list", naming nobody (bob's log,
/tmp/hunt-hteam3/run3): the teammate's change ended between the last try for the taxonomy
lock and the query asking who holds it, so nobody was found holding it. The lock being free
by then, the rename now tries it once more and goes through. The hand-over is made
deterministic by a hook on the who-holds-it query: carol's transaction ends there."""
from __future__ import annotations

import threading

import pytest

from llmvis_desktop.core.store import taxonomy_lock as tl
from llmvis_desktop.core.store.engine import short_waits


class Held:
    """carol's transaction holding the taxonomy lock exclusively until ``end()``."""

    def __init__(self, project, what: str = "change") -> None:
        self.project, self.what = project, what
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(30)

    def _hold(self) -> None:
        with self.project.store.write() as s:
            tl.lock_taxonomy(s, self.what)
            self.held.set()
            self.release.wait(60)

    def end(self) -> None:
        self.release.set()
        self.thread.join(60)
        assert not self.thread.is_alive()


@pytest.fixture
def freed_when_asked(pg_team, monkeypatch):
    """(alice, carol): carol holds the lock until alice's change asks who holds it."""
    alice, carol = pg_team
    held = Held(carol)
    asked = []
    real = tl.holder_text

    def ends_first(*args, **kwargs):
        if not asked:
            held.end()  # carol's change commits just before the question
        asked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tl, "holder_text", ends_first)
    yield alice, carol, asked
    held.end()


def test_a_rename_whose_lock_is_freed_before_the_question_goes_through(freed_when_asked):
    alice, carol, asked = freed_when_asked
    with short_waits(300):
        alice.update_label("dent", new_name="dent mark", actor="alice")
    assert asked, "the lock was never found taken: the hook did not run"
    assert [lab.name for lab in carol.labels()] == ["scratch", "dent mark"]


def test_a_removal_whose_lock_is_freed_before_the_question_goes_through(freed_when_asked):
    alice, carol, asked = freed_when_asked
    with short_waits(300):
        alice.remove_label("dent", "alice")
    assert asked and [lab.name for lab in carol.labels()] == ["scratch"]
