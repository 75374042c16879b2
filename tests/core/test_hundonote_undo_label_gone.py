"""Undo (and redo) of a label change a teammate had already made the other way (the label
the action added removed by an ``--overwrite`` import, or the label it removed added back):
nothing is written, and ``skipped`` names the label, as it names a caption changed since."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


@pytest.fixture
def team(png_folder, db_url):
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        for name in ("scratch", "dent", "crack"):
            setup.add_label(name)
        url, image_id = setup.db_url, setup.image_ids()[0]
    bob, carol = Project.open(png_folder, url), Project.open(png_folder, url)
    yield bob, carol, image_id
    bob.close()
    carol.close()


def test_undo_of_a_label_removed_since_names_it(team):
    bob, carol, image_id = team
    done = ra.toggle_label(bob, image_id, "dent", "bob", on=True)
    ra.set_labels(carol, image_id, ["crack"], "import:carol.csv by carol")  # --overwrite
    events = len(bob.history(image_id))
    undone = ra.apply_state(bob, image_id, done.before, "bob", "undo", expect=done.after)
    assert undone.skipped == ("label 'dent'",)
    assert undone.record.labels == ("crack",) and len(bob.history(image_id)) == events
    redone = ra.apply_state(bob, image_id, done.after, "bob", "redo", expect=done.before)
    assert redone.skipped == () and redone.record.labels == ("dent", "crack") == bob.image(image_id).labels


def test_undo_of_a_removal_added_back_since_names_it(team):
    bob, carol, image_id = team
    ra.set_labels(bob, image_id, ["dent", "scratch"], "bob")
    done = ra.set_labels(bob, image_id, ["scratch"], "bob")  # dent removed
    ra.set_labels(carol, image_id, ["dent"], "carol")  # dent back, scratch gone
    undone = ra.apply_state(bob, image_id, done.before, "bob", "undo", expect=done.after)
    assert undone.skipped == ("label 'dent'",) and undone.record.labels == ("dent",)


def test_undo_of_several_labels_takes_back_what_it_still_can(team):
    bob, carol, image_id = team
    done = ra.set_labels(bob, image_id, ["dent", "scratch"], "bob")
    ra.set_labels(carol, image_id, ["scratch", "crack"], "carol")  # dent removed
    undone = ra.apply_state(bob, image_id, done.before, "bob", "undo", expect=done.after)
    assert undone.skipped == ("label 'dent'",) and undone.record.labels == ("crack",)
