"""Undo/redo after a teammate decided the same image (two Project objects on one
database are two reviewers; SQLite and PostgreSQL).

Alice's Ctrl+Z after Bob rejected the image she had just accepted reopened her cards on
Bob's rejected image and took her label and caption off it: a state no single action
makes, Bob's decision gone unseen. Now such a step is refused whole (``DecidedSince``, a
``StatusChanged``), nothing written. And a step never takes off a label (or puts one on)
against a card a teammate decided since."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


@pytest.fixture
def team(png_folder, db_url):
    """(alice, bob, image id, (caption card, dent card, scratch card)): two reviewers on one
    database, labels scratch and dent, three pending cards on the image."""
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        setup.add_labels(["scratch", "dent"])
        url, image_id = setup.db_url, setup.image_ids()[0]
        cards = tuple(setup.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "m", 0.9),
                                             NewSuggestion(image_id, "label", "dent", "m", 0.8),
                                             NewSuggestion(image_id, "label", "scratch", "m", 0.3)]))
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id, cards
    alice.close()
    bob.close()


def _state(p, image_id):
    rec = p.image(image_id)
    return (rec.review_status, rec.labels, rec.caption,
            {s.id: (s.outcome, s.final_value, s.decided_by) for s in p.suggestions(image_id)},
            len(p.history(image_id)))


def _alice_acts(alice, image_id, cards, how):
    cap, dent, scratch = cards
    if how == "enter":
        return ra.accept(alice, image_id, "alice", shown=set(cards), seen="suggested")
    if how == "accept card":
        return ra.decide_suggestion(alice, image_id, dent, "accepted", "alice")
    return ra.decide_suggestion(alice, image_id, dent, "edited", "alice", "scratch")


def _bob_decides(bob, image_id, how):
    seen = bob.image(image_id).review_status  # Bob's screen caught up with Alice's action
    if how == "delete":
        return ra.reject(bob, image_id, "bob", seen=seen)
    return ra.accept(bob, image_id, "bob", seen=seen)


@pytest.mark.parametrize("alice_did", ["enter", "accept card", "edit card"])
@pytest.mark.parametrize("bob_did", ["delete", "enter"])
def test_undo_over_a_teammates_later_decision_is_refused(team, alice_did, bob_did):
    alice, bob, image_id, cards = team
    done = _alice_acts(alice, image_id, cards, alice_did)
    if alice_did == "enter" and bob_did == "enter":
        bob.set_status(image_id, "rejected", "bob")  # (his Enter on a reviewed image changes nothing)
    else:
        _bob_decides(bob, image_id, bob_did)
    there = _state(bob, image_id)
    with pytest.raises(ra.StatusChanged, match=r"bob marked this image (rejected|reviewed) at [^,]+, after this action.*"
                                               r"Nothing was changed: the image stays") as refused:
        ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert isinstance(refused.value, ra.DecidedSince) and refused.value.who == "bob"
    assert _state(alice, image_id) == there  # no card reopened, no label nor caption taken off, no event
    status, _, _, outcomes, _ = there
    assert status in ("rejected", "reviewed")
    assert "pending" not in {o for o, _, _ in outcomes.values()}


def test_redo_over_a_teammates_later_rejection_is_refused(team):
    """Alice's Enter undone, Bob rejected the image: her redo put her caption and label back
    on Bob's rejected image (the cards he had rejected left alone)."""
    alice, bob, image_id, cards = team
    done = _alice_acts(alice, image_id, cards, "enter")
    ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    _bob_decides(bob, image_id, "delete")
    there = _state(bob, image_id)
    with pytest.raises(ra.DecidedSince, match="redoing it would go over"):
        ra.apply_state(alice, image_id, done.after, "alice", "redo", expect=done.before)
    assert _state(alice, image_id) == there
    assert there[:3] == ("rejected", (), None)


def test_undo_after_a_teammate_opened_the_image_again_goes_through(team):
    """Bob marked Alice's reviewed image new again: her undo reopens her cards, which agrees."""
    alice, bob, image_id, cards = team
    done = _alice_acts(alice, image_id, cards, "enter")
    bob.set_status(image_id, "new", "bob")
    res = ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert res.record.review_status == "suggested" and res.record.labels == () and res.record.caption is None
    assert "status" in res.skipped


def test_undo_keeps_a_label_a_teammate_accepted_a_card_of_since(team):
    """Alice edited the "dent" card to "scratch"; Bob then accepted the "scratch" card. Her
    undo took "scratch" off the image although Bob's accepted card stands for it."""
    alice, bob, image_id, cards = team
    cap, dent, scratch = cards
    done = _alice_acts(alice, image_id, cards, "edit card")
    ra.decide_suggestion(bob, image_id, scratch, "accepted", "bob")
    res = ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert res.record.labels == ("scratch",)
    assert "label 'scratch'" in res.skipped
    assert res.after["suggestions"][dent] == ("pending", None)  # her own decision taken back
    assert res.after["suggestions"][scratch] == ("accepted", "scratch")


def test_redo_does_not_put_back_a_label_a_teammate_rejected_since(team):
    """Alice's Enter undone; Bob rejected the "dent" card alone (the image still open). Her
    redo put "dent" back on the image over Bob's rejection of it."""
    alice, bob, image_id, cards = team
    cap, dent, scratch = cards
    done = _alice_acts(alice, image_id, cards, "enter")
    assert done.record.labels == ("dent",)
    ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    ra.decide_suggestion(bob, image_id, dent, "rejected", "bob")
    res = ra.apply_state(alice, image_id, done.after, "alice", "redo", expect=done.before)
    assert res.record.labels == () and "label 'dent'" in res.skipped
    assert res.record.caption == "a dent" and res.record.review_status == "reviewed"
    assert res.after["suggestions"][dent] == ("rejected", None)


def test_undo_of_a_kept_note_after_a_teammates_rejection_goes_through(team):
    """Withdrawing one's own note reopens nothing: not refused."""
    alice, bob, image_id, _cards = team
    done = ra.keep_note(alice, NewSuggestion(image_id, "answer", "two scratches", "vqa", None), "alice")
    _bob_decides(bob, image_id, "delete")
    res = ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    [note] = [sid for sid, value in done.before["suggestions"].items() if value == ("withdrawn", None)]
    assert res.after["suggestions"][note] == ("withdrawn", None)
    assert res.record.review_status == "rejected"
