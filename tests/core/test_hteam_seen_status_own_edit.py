"""Enter/Delete/R on a stale screen after Bob marked the image, with a label key or a
caption of the reviewer's own written in between (SQLite and PostgreSQL).

The refusal (``StatusChanged``) let the reviewer's "own" change through, judged by the
image's ``updated_by``: whoever changed anything last. Alice's label key on the stale
screen made it hers, and her Enter marked Bob's rejected image reviewed unseen. Whose
status it is now comes from the history: who last marked the status."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


@pytest.fixture
def team(png_folder, db_url):
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        setup.add_labels(["scratch", "dent"])
        url, image_id = setup.db_url, setup.image_ids()[0]
        setup.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "m", 0.9)])
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id
    alice.close()
    bob.close()


@pytest.mark.parametrize("between", ["label key", "caption"])
@pytest.mark.parametrize("key", ["enter", "delete", "status"])
def test_own_edit_in_between_does_not_make_a_teammates_status_ones_own(team, between, key):
    alice, bob, image_id = team
    seen = alice.image(image_id).review_status  # "suggested", on Alice's screen
    ra.reject(bob, image_id, "bob", seen=seen)
    if key == "delete":  # Bob's decision is "reviewed" for a Delete to overwrite
        ra.accept(bob, image_id, "bob", seen="rejected")
    if between == "label key":
        ra.toggle_label(alice, image_id, "dent", "alice", on=True)
    else:
        ra.set_caption(alice, image_id, "typed on the stale screen", "alice")
    there = bob.image(image_id).review_status
    events = len(bob.history(image_id))
    with pytest.raises(ra.StatusChanged, match=f"bob marked this image {there} at "):
        if key == "enter":
            ra.accept(alice, image_id, "alice", shown=set(), seen=seen)
        elif key == "delete":
            ra.reject(alice, image_id, "alice", shown=set(), seen=seen)
        else:
            ra.set_status(alice, image_id, "new", "alice", seen=seen)
    assert alice.image(image_id).review_status == there
    assert len(alice.history(image_id)) == events


def test_ones_own_status_is_still_not_refused(team):
    """Alice's own Delete, then her label key, then Enter on a screen still showing the image
    open: her own decision, not refused."""
    alice, _bob, image_id = team
    ra.reject(alice, image_id, "alice", seen="suggested")
    ra.toggle_label(alice, image_id, "dent", "alice", on=True)
    res = ra.accept(alice, image_id, "alice", shown=set(), seen="suggested")
    assert res.record.review_status == "reviewed"
