"""Two reviewers on one image, each screen a few seconds behind the other (SQLite and
PostgreSQL). Alice puts "dent" and "crack" on it; Bob, whose screen still shows it
unlabelled, presses the key of the exclusive label "ok": it took her labels off unseen.
Alice, whose screen still shows her two labels, presses Enter: it marked the image
reviewed with Bob's labels (or none), never shown to her. Both are refused now, naming
who changed the labels and to what, nothing written; once shown afresh they go through."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


@pytest.fixture
def team(png_folder, db_url):
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        setup.add_labels(["scratch", "dent", "crack", "ok"])
        setup.update_label("ok", exclusive=True)
        url, image_id = setup.db_url, setup.image_ids()[0]
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    yield alice, bob, image_id
    alice.close()
    bob.close()


def test_an_exclusive_label_over_a_teammates_labels_unseen_is_refused(team):
    alice, bob, image_id = team
    ra.toggle_label(alice, image_id, "dent", "alice", on=True, seen="new", seen_labels=())
    ra.toggle_label(alice, image_id, "crack", "alice", on=True, seen="new", seen_labels=("dent",))
    events = len(bob.history(image_id))
    with pytest.raises(ra.LabelsChanged, match=r"alice changed this image's labels at .* to crack, dent after "
                                                r"the screen showed no label; .*Nothing was changed"):
        ra.toggle_label(bob, image_id, "ok", "bob", on=True, seen="new", seen_labels=())
    assert (set(bob.image(image_id).labels), len(bob.history(image_id))) == ({"crack", "dent"}, events)
    # a label put beside hers takes none of them off: it goes through
    res = ra.toggle_label(bob, image_id, "scratch", "bob", on=True, seen="new", seen_labels=())
    assert set(res.record.labels) == {"crack", "dent", "scratch"}
    # shown afresh, his "ok" goes through (and takes the others off, as he now sees)
    res = ra.toggle_label(bob, image_id, "ok", "bob", on=True, seen="new", seen_labels=res.record.labels)
    assert res.record.labels == ("ok",)


def test_enter_over_a_teammates_labels_unseen_is_refused(team):
    alice, bob, image_id = team
    ra.toggle_label(alice, image_id, "dent", "alice", on=True, seen="new", seen_labels=())
    ra.toggle_label(bob, image_id, "ok", "bob", on=True, seen="new", seen_labels=("dent",))
    events = len(alice.history(image_id))
    with pytest.raises(ra.LabelsChanged, match=r"bob changed this image's labels at .* to ok after the screen "
                                                r"showed dent; .*Nothing was changed: the image is shown afresh"):
        ra.accept(alice, image_id, "alice", shown=(), seen="new", seen_labels=("dent",))
    rec = alice.image(image_id)
    assert (rec.review_status, rec.labels, len(alice.history(image_id))) == ("new", ("ok",), events)
    res = ra.accept(alice, image_id, "alice", shown=(), seen="new", seen_labels=("ok",))
    assert (res.record.review_status, res.record.labels) == ("reviewed", ("ok",))


def test_her_own_labels_from_another_window_are_not_refused(team):
    alice, bob, image_id = team
    ra.toggle_label(bob, image_id, "dent", "alice", on=True)  # her other window
    res = ra.accept(alice, image_id, "alice", shown=(), seen="new", seen_labels=())
    assert (res.record.review_status, res.record.labels) == ("reviewed", ("dent",))
