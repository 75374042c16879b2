"""A caption saved from a screen that showed the image as it was before a teammate changed
it (SQLite and PostgreSQL): Alice's screen shows the image new, Bob rejects it, Alice saves a
caption: it was written as if nothing had happened. And a caption saved (typed, or a
caption card accepted or edited) over a caption Bob saved since wrote over his, unseen.
Now both are refused whole, nothing written, the refusal naming who (and when)."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


@pytest.fixture
def team(png_folder, db_url):
    """(alice, bob, image id, caption card id): two reviewers on one database."""
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        url, image_id = setup.db_url, setup.image_ids()[0]
        [card] = setup.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "m", 0.9)])
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id, card
    alice.close()
    bob.close()


def _state(p, image_id):
    rec = p.image(image_id)
    return (rec.review_status, rec.caption, [(s.outcome, s.final_value) for s in p.suggestions(image_id)],
            len(p.history(image_id)))


def test_a_caption_saved_over_a_teammates_status_unseen_is_refused(team):
    alice, bob, image_id, _ = team
    shown = alice.image(image_id)
    ra.reject(bob, image_id, "bob", seen=shown.review_status)
    there = _state(bob, image_id)
    with pytest.raises(ra.StatusChanged, match="bob marked this image rejected at .*Nothing was changed"):
        ra.set_caption(alice, image_id, "a car", "alice", seen=shown.review_status, seen_caption=shown.caption)
    assert _state(alice, image_id) == there
    # shown afresh, it goes through
    res = ra.set_caption(alice, image_id, "a car", "alice", seen="rejected", seen_caption=None)
    assert (res.record.caption, res.record.review_status) == ("a car", "rejected")


@pytest.mark.parametrize("how", ["typed", "card accepted", "card edited"])
def test_a_caption_over_a_teammates_newer_caption_is_refused(team, how):
    alice, bob, image_id, card = team
    shown = alice.image(image_id)  # no caption on Alice's screen
    ra.set_caption(bob, image_id, "bob's words", "bob", seen=shown.review_status, seen_caption=None)
    there = _state(bob, image_id)
    seen = dict(seen=shown.review_status, seen_caption=shown.caption)
    with pytest.raises(ra.CaptionChanged) as refused:
        if how == "typed":
            ra.set_caption(alice, image_id, "alice's words", "alice", **seen)
        elif how == "card accepted":
            ra.decide_suggestion(alice, image_id, card, "accepted", "alice", **seen)
        else:
            ra.decide_suggestion(alice, image_id, card, "edited", "alice", "alice's words", **seen)
    err = refused.value
    assert (err.who, err.theirs, err.seen) == ("bob", "bob's words", None)
    assert str(err).startswith("bob changed this image's caption at ") and "\u201cbob's words\u201d" in str(err)
    assert "Nothing was changed" in str(err)
    assert _state(alice, image_id) == there  # Bob's caption kept, the card still pending, no event
    # with Bob's caption on her screen, saving hers over it is her choice
    if how == "typed":
        res = ra.set_caption(alice, image_id, "alice's words", "alice", seen_caption="bob's words")
    else:
        res = ra.decide_suggestion(alice, image_id, card, "edited", "alice", "alice's words",
                                   seen_caption="bob's words")
    assert res.record.caption == "alice's words"


def test_a_caption_is_not_refused_for_ones_own_change_nor_unchecked(team):
    alice, bob, image_id, card = team
    ra.set_caption(alice, image_id, "first", "alice")  # her own, from another window
    assert ra.set_caption(alice, image_id, "second", "alice", seen_caption=None).record.caption == "second"
    ra.set_caption(bob, image_id, "bob's", "bob")
    assert ra.set_caption(alice, image_id, "bob's", "alice", seen_caption="second").changed is False  # says so
    assert ra.set_caption(bob, image_id, "a script's", "script").record.caption == "a script's"  # not checked
    # a rejected card sets no caption: not refused over Bob's
    assert ra.decide_suggestion(alice, image_id, card, "rejected", "alice", seen_caption=None).changed
