"""A review action (a label key, Enter on label cards, a label card accepted) blocked on the
taxonomy lock by a teammate's rename that committed just before the window asked who holds
it was refused with "A teammate is changing the label list right now…", naming nobody: the
reviewer's key press refused for nothing (/tmp/hunt-hbusyretry/test_repro_core.py). Nobody
holding it by then, the action (one transaction) now runs once more and goes through; still
held, the refusal names the holder and what they do, as before. The hand-over is made
deterministic by a hook on the who-holds-it query (``review_busy.taxonomy_holder``): carol's
rename commits there."""
from __future__ import annotations

import threading

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core import review_busy as rb
from llmvis_desktop.core.store import repo_labels as rl
from llmvis_desktop.core.store.engine import Busy, short_waits
from llmvis_desktop.core.store.records import NewSuggestion

WAIT_MS = 300


class Renaming:
    """carol's rename of "dent", done and held uncommitted until ``end()``."""

    def __init__(self, project) -> None:
        self.done, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(project,))
        self.thread.start()
        assert self.done.wait(30)

    def _run(self, project) -> None:
        with project.store.write() as s:
            rl.update_label(s, "dent", new_name="dent mark", actor="carol")
            self.done.set()
            self.release.wait(60)

    def end(self) -> None:
        self.release.set()
        self.thread.join(60)
        assert not self.thread.is_alive()


@pytest.fixture
def team(pg_team, monkeypatch):
    """(alice, carol, image id, its label card, carol's rename, the questions asked)"""
    alice, carol = pg_team
    image_id = alice.image_ids(sort="name")[0]
    alice.add_suggestions([NewSuggestion(image_id, "label", "scratch", "m", score=0.9)])
    card = next(sg for sg in alice.suggestions(image_id) if sg.kind == "label")
    rename = Renaming(carol)
    asked: list = []
    yield alice, carol, image_id, card, rename, asked
    rename.end()


def _hook(monkeypatch, asked, before=lambda: None, answer=None):
    real = rb.taxonomy_holder

    def who(s):
        if not asked:
            before()
        asked.append(1)
        return real(s) if answer is None else answer(s)

    monkeypatch.setattr(rb, "taxonomy_holder", who)


ACTIONS = {
    "label key": lambda alice, i, card: ra.toggle_label(alice, i, "scratch", "alice", on=True),
    "enter": lambda alice, i, card: ra.accept(alice, i, "alice", shown=[card.id]),
    "card accept": lambda alice, i, card: ra.decide_suggestion(alice, i, card.id, "accepted", "alice"),
}


@pytest.mark.parametrize("how", list(ACTIONS))
def test_an_action_whose_lock_is_freed_before_the_question_goes_through(team, monkeypatch, how):
    alice, carol, image_id, card, rename, asked = team
    _hook(monkeypatch, asked, before=rename.end)  # carol's rename commits just before the question
    with short_waits(WAIT_MS):
        res = ACTIONS[how](alice, image_id, card)
    assert asked == [1], "the lock was never found taken: the hook did not run"
    assert res.record.labels == ("scratch",)
    assert carol.image(image_id).labels == ("scratch",)
    assert "dent mark" in {lab.name for lab in carol.labels()}  # (carol's rename went through first)


def test_still_held_when_asked_the_refusal_names_the_holder(team, monkeypatch):
    alice, carol, image_id, card, rename, asked = team
    _hook(monkeypatch, asked)
    with short_waits(WAIT_MS), pytest.raises(Busy) as err:
        ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
    assert str(err.value) == ("carol is renaming \u201cdent\u201d right now. Nothing was changed; "
                              "try again in a moment.")
    assert asked == [1] and carol.image(image_id).labels == ()


def test_the_action_runs_once_more_only(team, monkeypatch):
    """(the question answering nobody while carol still holds it: one more run, then the
    refusal, not a loop)"""
    alice, carol, image_id, card, rename, asked = team
    _hook(monkeypatch, asked, answer=lambda s: None)
    with short_waits(WAIT_MS), pytest.raises(Busy) as err:
        ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
    assert str(err.value).startswith("A teammate is changing the label list right now")
    assert asked == [1, 1] and carol.image(image_id).labels == ()
