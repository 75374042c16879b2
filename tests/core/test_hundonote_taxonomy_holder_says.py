"""A review action or a label change refused for the taxonomy lock says what the holder is
doing when its tag tells ("carol is renaming “dent”"), not the generic "carol is changing
the label list right now (an import making labels, a rename or a removal)" that the window
said while the database knew it was a rename (/tmp/hunt-hteam3/lockcheck.py). Carol's
rename (or removal) is a real one, held open before its commit by an event."""
from __future__ import annotations

import threading

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store import repo_labels as rl
from llmvis_desktop.core.store.engine import Busy, short_waits
from llmvis_desktop.core.store.taxonomy_lock import TaxonomyTaken

WAIT_MS = 300


class Open:
    """carol's label change (``change(session)``) done and held uncommitted until the block ends."""

    def __init__(self, project, change) -> None:
        self.project, self.change = project, change
        self.done, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with self.project.store.write() as s:
            self.change(s)
            self.done.set()
            self.release.wait(60)

    def __enter__(self):
        self.thread.start()
        assert self.done.wait(30)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(60)


def test_a_label_key_during_a_rename_names_the_rename_and_its_label(pg_team):
    alice, carol = pg_team
    image_id = alice.image_ids(sort="name")[0]
    with Open(carol, lambda s: rl.update_label(s, "dent", new_name="dent mark", actor="carol")):
        with short_waits(WAIT_MS), pytest.raises(Busy) as err:
            ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
    assert str(err.value) == ("carol is renaming \u201cdent\u201d right now. Nothing was changed; "
                              "try again in a moment.")


def test_a_rename_during_a_removal_names_the_label_removed(pg_team):
    alice, carol = pg_team
    with Open(carol, lambda s: rl.remove_label(s, "dent", "carol")):
        with short_waits(WAIT_MS), pytest.raises(TaxonomyTaken) as err:
            alice.update_label("scratch", new_name="scratches", actor="alice")
    assert str(err.value).startswith("carol is removing \u201cdent\u201d; nothing was changed: rename again")


def test_a_holder_saying_nothing_known_keeps_the_generic_text(pg_team):
    """(a guard of the fallback: a change with no purpose of its own, a key moved)"""
    alice, carol = pg_team
    image_id = alice.image_ids(sort="name")[0]
    with Open(carol, lambda s: rl.update_label(s, "dent", shortcut="7")):
        with short_waits(WAIT_MS), pytest.raises(Busy) as err:
            ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
    assert str(err.value).startswith("carol is changing the label list right now (an import making labels")
