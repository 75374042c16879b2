"""A label key (or a chip click) on a screen that showed the image as it was before a
teammate marked it (SQLite and PostgreSQL): refused as Enter, Delete and R are
(``StatusChanged``, nothing written). It labelled Bob's rejected image unseen, and the
window then showed his status as the label key's own result: the Enter that followed
marked it reviewed over his rejection, with no word."""
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
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id
    alice.close()
    bob.close()


@pytest.mark.parametrize("on", [True, None])
def test_a_label_key_over_a_teammates_status_unseen_is_refused(team, on):
    alice, bob, image_id = team
    seen = alice.image(image_id).review_status  # "new" on Alice's screen
    ra.reject(bob, image_id, "bob", seen=seen)
    events = len(bob.history(image_id))
    with pytest.raises(ra.StatusChanged, match="bob marked this image rejected at .*Nothing was changed"):
        ra.toggle_label(alice, image_id, "dent", "alice", on=on, seen=seen)
    rec = alice.image(image_id)
    assert (rec.review_status, rec.labels, len(alice.history(image_id))) == ("rejected", (), events)
    # shown afresh: the key goes through
    res = ra.toggle_label(alice, image_id, "dent", "alice", on=on, seen="rejected")
    assert (res.record.review_status, res.record.labels) == ("rejected", ("dent",))


def test_a_label_key_is_not_refused_for_a_job_nor_for_ones_own_status(team):
    alice, bob, image_id = team
    bob.add_suggestions([NewSuggestion(image_id, "label", "dent", "m", 0.8)])  # new -> suggested: one status
    assert ra.toggle_label(alice, image_id, "dent", "alice", on=True, seen="new").record.labels == ("dent",)
    ra.set_status(alice, image_id, "rejected", "alice")  # her own, from another window
    res = ra.toggle_label(alice, image_id, "scratch", "alice", on=True, seen="suggested")
    assert res.record.labels == ("scratch", "dent") and res.record.review_status == "rejected"
    assert ra.toggle_label(bob, image_id, "scratch", "bob").changed  # no screen named: not checked
