"""A status refusal named who but not when ("bob marked this image rejected a moment ago
..."): "a moment ago" was not measured at all (Bob's decision may be from yesterday), and
a caption refusal already said the time as the History panel shows it. Now Enter, Delete,
R, a label key or a caption over a teammate's status since, and an undo/redo refused over
it (``DecidedSince``), say when they marked it: local time with its zone, the date before
it when it is not today's (``core.when.short_when``)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core import when
from llmvis_desktop.core.when import format_when


@pytest.fixture
def cet(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def team(png_folder):
    with Project.open(png_folder) as setup:
        setup.scan()
        url, image_id = setup.db_url, setup.image_ids()[0]
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id
    alice.close()
    bob.close()


def _bobs_status_event(p, image_id):
    return [e for e in p.history(image_id) if e.action == "status" and e.actor == "bob"][-1]


def test_a_status_refusal_says_when_the_teammate_marked_it(cet, team):
    alice, bob, image_id = team
    seen = alice.image(image_id).review_status
    ra.reject(bob, image_id, "bob", seen=seen)
    panel = format_when(_bobs_status_event(alice, image_id).at)  # "YYYY-MM-DD HH:MM:SS CET"
    hhmm, zone = panel[11:16], panel.rsplit(" ", 1)[1]
    with pytest.raises(ra.StatusChanged) as refused:
        ra.accept(alice, image_id, "alice", shown=set(), seen=seen)
    assert "moment ago" not in str(refused.value)
    assert refused.value.at == f"{hhmm} {zone}", (refused.value.at, panel)
    assert str(refused.value).startswith(f"bob marked this image rejected at {hhmm} {zone} (the screen "
                                         f"showed it {seen})"), str(refused.value)
    assert (refused.value.who, refused.value.status) == ("bob", "rejected")


def test_a_decision_from_another_day_says_its_date(cet, team, monkeypatch):
    alice, bob, image_id = team
    seen = alice.image(image_id).review_status
    ra.reject(bob, image_id, "bob", seen=seen)
    panel = format_when(_bobs_status_event(bob, image_id).at)

    class ThreeDaysLater(datetime):  # Alice's Enter three days after Bob's rejection
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(days=3)

    monkeypatch.setattr(when, "datetime", ThreeDaysLater)
    with pytest.raises(ra.StatusChanged) as refused:
        ra.set_caption(alice, image_id, "a car", "alice", seen=seen)
    assert str(refused.value).startswith(f"bob marked this image rejected at {panel[:16]} {panel.rsplit(' ', 1)[1]} ("
                                         f"the screen showed it {seen})"), (str(refused.value), panel)


def test_an_undo_refused_over_a_teammates_decision_says_when(cet, team):
    alice, bob, image_id = team
    done = ra.accept(alice, image_id, "alice", shown=set(), seen=alice.image(image_id).review_status)
    ra.reject(bob, image_id, "bob", seen="reviewed")
    panel = format_when(_bobs_status_event(bob, image_id).at)
    hhmm, zone = panel[11:16], panel.rsplit(" ", 1)[1]
    with pytest.raises(ra.DecidedSince) as refused:
        ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert str(refused.value).startswith(f"bob marked this image rejected at {hhmm} {zone}, after this action "
                                         "(which left it reviewed); undoing it would go over"), str(refused.value)
