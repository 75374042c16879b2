"""A teammate's change made while another reviewer still has the image on screen: a card
decided or replaced meanwhile, a label chip added or removed meanwhile. The stale
reviewer's click never overwrites it (two Project objects on one database are two
reviewers; SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.store import repo_suggest as rs


@pytest.fixture
def team(png_folder, db_url):
    """(alice, bob, image id): two reviewers on one database, labels scratch and dent."""
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        for name in ("scratch", "dent"):
            setup.add_label(name)
        url, image_id = setup.db_url, setup.image_ids()[0]
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id
    alice.close()
    bob.close()


def _actors(project, image_id) -> list[str]:
    return [e.actor for e in project.history(image_id)]


def test_a_card_a_teammate_decided_is_not_decided_again(team):
    """Bob rejected the caption card Alice had just accepted (still on his screen): the
    card read rejected, decided by bob, while the image kept Alice's caption."""
    alice, bob, image_id = team
    [sid] = alice.add_suggestions([NewSuggestion(image_id, "caption", "a scratch on steel", "blip", 0.9)])
    ra.decide_suggestion(alice, image_id, sid, "accepted", "alice")
    events = len(alice.history(image_id))
    with pytest.raises(ValueError, match="already accepted by alice.*shown afresh") as refused:
        ra.decide_suggestion(bob, image_id, sid, "rejected", "bob")
    assert isinstance(refused.value, rs.AlreadyDecided) and isinstance(refused.value, rs.NotPending)
    with pytest.raises(ValueError, match="already accepted"):  # the single-call API refuses it too
        bob.decide_suggestion(sid, "edited", "bob", final_value="a dent")
    [card] = alice.suggestions(image_id)
    assert (card.outcome, card.decided_by) == ("accepted", "alice")
    assert alice.image(image_id).caption == "a scratch on steel"
    assert len(alice.history(image_id)) == events and "bob" not in _actors(alice, image_id)
    assert alice.info()["suggestions"]["accepted"] == 1


def test_undo_and_redo_of_ones_own_decision_still_work(team):
    """Undo re-opens a decision (restore_outcome, not decide): the refusal of a decided
    card must not block it, and the card re-opened can be decided again, by anyone."""
    alice, bob, image_id = team
    [sid] = alice.add_suggestions([NewSuggestion(image_id, "label", "dent", "labeler", 0.8)])
    done = ra.decide_suggestion(alice, image_id, sid, "accepted", "alice")
    undone = ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert undone.after["suggestions"][sid] == ("pending", None) and undone.record.labels == ()
    redone = ra.apply_state(alice, image_id, done.after, "alice", "redo", expect=done.before)
    assert redone.after["suggestions"][sid] == ("accepted", "dent") and redone.record.labels == ("dent",)
    ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    res = ra.decide_suggestion(bob, image_id, sid, "rejected", "bob")  # pending again: Bob may
    assert res.after["suggestions"][sid] == ("rejected", None)


def test_return_on_a_card_a_job_replaced_changes_nothing_and_says_so(team):
    """Return on a caption card a retrained suggester had just replaced accepted nothing
    and marked the image reviewed with no caption, without a word."""
    _alice, bob, image_id = team
    job = _alice
    [old] = job.add_suggestions([NewSuggestion(image_id, "caption", "scratch near the weld", "learned:v1", 0.8,
                                               model_revision="r1")], replaces="learned")
    shown = {s.id for s in bob.suggestions(image_id, pending_only=True)}
    [new] = job.add_suggestions([NewSuggestion(image_id, "caption", "dent on the left edge", "learned:v1", 0.7,
                                               model_revision="r2")], replaces="learned")
    for action in (ra.accept, ra.reject):
        with pytest.raises(rs.Withdrawn, match="withdrawn.*Nothing was changed"):
            action(bob, image_id, "bob", shown=shown)
    rec = bob.image(image_id)
    assert rec.review_status == "suggested" and rec.caption is None
    assert {s.id: s.outcome for s in bob.suggestions(image_id)} == {old: "withdrawn", new: "pending"}
    assert "bob" not in _actors(bob, image_id)
    # shown afresh, the new card is accepted
    res = ra.accept(bob, image_id, "bob", shown={new})
    assert res.record.caption == "dent on the left edge" and res.record.review_status == "reviewed"


def test_accept_refuses_a_shown_card_a_teammate_decided(team):
    alice, bob, image_id = team
    cap, lab = alice.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "m", 0.9),
                                      NewSuggestion(image_id, "label", "dent", "m", 0.8)])
    shown = {cap, lab}  # both pending on Bob's screen
    ra.decide_suggestion(alice, image_id, lab, "rejected", "alice")
    with pytest.raises(ValueError, match="already rejected by alice"):
        ra.accept(bob, image_id, "bob", shown=shown)
    rec = bob.image(image_id)
    assert rec.labels == () and rec.caption is None and rec.review_status == "suggested"
    assert {s.id: s.outcome for s in bob.suggestions(image_id)} == {cap: "pending", lab: "rejected"}


def test_a_label_change_carries_what_the_reviewer_meant(team):
    """Alice added a label; Bob, the chip still unchecked on his screen, clicked it to add
    it: the toggle applied to Alice's state removed her label."""
    alice, bob, image_id = team
    ra.toggle_label(alice, image_id, "scratch", "alice")
    res = ra.toggle_label(bob, image_id, "scratch", "bob", on=True)  # add: already there
    assert not res.changed and res.record.labels == ("scratch",)
    assert "bob" not in _actors(alice, image_id)
    ra.toggle_label(alice, image_id, "scratch", "alice", on=False)
    res = ra.toggle_label(bob, image_id, "scratch", "bob", on=False)  # remove: already gone
    assert not res.changed and res.record.labels == ()
    assert "bob" not in _actors(alice, image_id)
    # meant and needed: done, with its event
    assert ra.toggle_label(bob, image_id, "dent", "bob", on=True).record.labels == ("dent",)
    assert bob.toggle_label(image_id, "dent", "bob", on=False).labels == ()
    assert bob.toggle_label(image_id, "dent", "bob", on=False).labels == ()
    assert [e.actor for e in alice.history(image_id) if e.action == "labels"] == ["alice", "alice", "bob", "bob"]
    # a bare toggle still toggles (the command line, scripts)
    assert ra.toggle_label(bob, image_id, "dent", "bob").record.labels == ("dent",)
    assert bob.toggle_label(image_id, "dent", "bob").labels == ()
