"""Which review actions wait for the taxonomy lock (PostgreSQL), and for how long an
import holds it exclusively.

Only an action that reads or changes the label list takes the taxonomy's shared lock
(before the image row: the one lock order, tests/core/test_team_locks.py): a caption, a
status, a Delete never wait for a teammate's rename or import. An import making labels
makes them in a short transaction of their own under the exclusive lock and applies its
rows under the shared one, so reviewers' label keys go through meanwhile.
"""
from __future__ import annotations

import csv
import threading

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.interchange import apply as ia
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import repo_labels as rl
from llmvis_desktop.core.store.engine import Busy, short_waits
from llmvis_desktop.core.store.records import NewSuggestion

WAIT_MS = 400  # the window's short wait, shorter: a refusal comes sooner where one is due


class TaxonomyHeld:
    """A teammate's transaction holding the taxonomy lock exclusively (a rename, a removal,
    an import making labels), until the block ends."""

    def __init__(self, project: Project, what: str = "change", about=None) -> None:
        self.project, self.held, self.release = project, threading.Event(), threading.Event()
        self.what, self.about = what, about
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with self.project.store.write() as s:
            rl.lock_taxonomy(s, self.what, self.about)
            self.held.set()
            self.release.wait(60)

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(30)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(60)


@pytest.fixture
def team(pg_team):
    """(alice's project, carol's project) on one PostgreSQL database; labels scratch and
    dent; each image has a pending caption card."""
    alice, carol = pg_team
    alice.add_suggestions([NewSuggestion(i, "caption", f"caption {i}", "m", 0.8) for i in alice.image_ids()])
    return alice, carol


ACTIONS = {
    "caption": lambda p, i: ra.set_caption(p, i, "typed while the labels change", "alice"),
    "status": lambda p, i: ra.set_status(p, i, "reviewed", "alice"),
    "reject": lambda p, i: ra.reject(p, i, "alice", shown=[sg.id for sg in p.suggestions(i)]),
    "accept_caption": lambda p, i: ra.accept(p, i, "alice", shown=[sg.id for sg in p.suggestions(i)]),
    "decide_caption": lambda p, i: ra.decide_suggestion(p, i, p.suggestions(i)[0].id, "accepted", "alice"),
}


@pytest.mark.parametrize("what", sorted(ACTIONS))
def test_an_action_that_never_reads_the_label_list_does_not_wait_for_a_taxonomy_change(team, what):
    """A caption, a status, a Delete, an Enter on caption cards only: saved at once while
    a teammate holds the taxonomy lock (they were refused after the short wait, the 'image'
    nobody held named as busy)."""
    alice, carol = team
    image_id = alice.image_ids(sort="name")[0]
    with TaxonomyHeld(carol):
        with short_waits(WAIT_MS):
            res = ACTIONS[what](alice, image_id)
    assert res.changed
    assert alice.history(image_id)


def test_undo_of_a_caption_does_not_wait_for_a_taxonomy_change(team):
    alice, carol = team
    image_id = alice.image_ids(sort="name")[0]
    done = ra.set_caption(alice, image_id, "first", "alice")
    with TaxonomyHeld(carol):
        with short_waits(WAIT_MS):
            res = ra.apply_state(alice, image_id, done.before, "alice", "undo", expect=done.after)
    assert res.record.caption is None


def test_a_label_key_waits_for_a_taxonomy_change_and_says_so_naming_who(team):
    """A label toggle does read the label list: it waits for the rename, then is refused
    saying what is under way (the label list, not the image, which nobody holds), who, and
    what the holder's tag says it is doing (a rename of "dent"; else "the label list")."""
    alice, carol = team
    image_id = alice.image_ids(sort="name")[0]
    with TaxonomyHeld(carol, "rename", "dent"):
        with short_waits(WAIT_MS), pytest.raises(Busy) as err:
            ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
    text = str(err.value)
    assert text.startswith("carol is renaming \u201cdent\u201d right now")
    assert "this image" not in text and "Nothing was changed" in text
    assert alice.image(image_id).labels == ()
    with short_waits(WAIT_MS):  # and goes through once the rename is done
        assert ra.toggle_label(alice, image_id, "scratch", "alice", on=True).record.labels == ("scratch",)


def test_enter_on_a_label_card_takes_the_taxonomy_lock_first(team):
    """Enter accepting a label card waits for the taxonomy change (it reads the label list:
    a removed label's card is withdrawn): refused, nothing changed."""
    alice, carol = team
    image_id = alice.image_ids(sort="name")[0]
    alice.add_suggestions([NewSuggestion(image_id, "label", "scratch", "m", 0.9)])
    shown = [sg.id for sg in alice.suggestions(image_id)]
    with TaxonomyHeld(carol):
        with short_waits(WAIT_MS), pytest.raises(Busy, match="label list"):
            ra.accept(alice, image_id, "alice", shown=shown)
    assert alice.image(image_id).labels == ()
    with short_waits(WAIT_MS):
        assert ra.accept(alice, image_id, "alice", shown=shown).record.labels == ("scratch",)


def _csv(project: Project, path, label: str, image_ids) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file_name", "labels"])
        for image_id in image_ids:
            w.writerow([project.image(image_id).relpath, label])


def test_label_keys_go_through_while_an_import_that_made_a_label_applies_its_rows(team, tmp_path, monkeypatch):
    """An import making a label held the taxonomy lock exclusively for its whole run (107 s
    for 20k rows): every reviewer's label key was refused meanwhile. It makes the label in a
    short transaction of its own, then applies its rows holding the shared lock only."""
    alice, carol = team
    ids = alice.image_ids(sort="name")
    mine, theirs = ids[0], ids[1:]
    path = tmp_path / "team.csv"
    _csv(alice, path, "porosity", theirs)
    applying, finish = threading.Event(), threading.Event()
    apply_reviewed = ia.apply_reviewed_chunk

    def slow(*args, **kwargs):  # the import, midway through its rows
        applying.set()
        finish.wait(60)
        return apply_reviewed(*args, **kwargs)

    monkeypatch.setattr(ia, "apply_reviewed_chunk", slow)
    report = {}
    job = threading.Thread(target=lambda: report.update(r=import_file(carol, "csv", path, actor="carol")))
    job.start()
    try:
        assert applying.wait(60)
        with short_waits(WAIT_MS):
            assert ra.toggle_label(alice, mine, "scratch", "alice", on=True).record.labels == ("scratch",)
            # the label the import made is there to use already
            assert set(ra.toggle_label(alice, mine, "porosity", "alice", on=True).record.labels) == {"porosity",
                                                                                                   "scratch"}
            # a rename still waits for the import, then is refused naming it
            with pytest.raises(rl.TaxonomyTaken, match="^carol's import is using the label list; nothing was "
                                                       "changed: rename again"), alice.store.write() as s:
                rl.update_label(s, "dent", new_name="dent2", actor="alice")
    finally:
        finish.set()
        job.join(120)
    assert report["r"].labels_created == 1 and report["r"].changed == len(theirs)
    assert all(alice.image(i).labels == ("porosity",) for i in theirs)


@pytest.mark.parametrize("how", ["error", "cancel"])
def test_an_import_failing_after_it_made_its_labels_takes_them_back(png_folder, db_url, tmp_path, monkeypatch, how):
    """All or nothing still: the labels made in their own transaction are removed again
    when the import fails or is cancelled (none of its rows written)."""
    from interchange_helpers import db_fingerprint

    from llmvis_desktop.core.tasks import CancelToken, Cancelled

    with Project.open(png_folder, db_url) as p:
        p.scan()
        p.add_label("scratch")
        before, labels = db_fingerprint(p), [d.name for d in p.labels()]
        path = tmp_path / "team.csv"
        _csv(p, path, "porosity", p.image_ids())
        token = CancelToken()

        def fail(*args, **kwargs):
            if how == "cancel":
                token.cancel()
                token.check()
            raise RuntimeError("the disk went away")

        monkeypatch.setattr(ia, "apply_reviewed_chunk", fail)
        with pytest.raises(Cancelled if how == "cancel" else RuntimeError):
            import_file(p, "csv", path, token=token)
        assert db_fingerprint(p) == before and [d.name for d in p.labels()] == labels


def test_a_label_renamed_between_its_making_and_the_rows_is_made_again(png_folder, db_url, tmp_path, monkeypatch):
    """The import's label, made in its own transaction, renamed by a teammate before the
    rows go in: the import makes it again (the rows get the name the file says), instead
    of failing on a label not in the taxonomy."""
    with Project.open(png_folder, db_url) as p:
        p.scan()
        path = tmp_path / "team.csv"
        _csv(p, path, "porosity", p.image_ids())
        make = ia._make_labels
        calls = []

        def make_then_rename(project, *args):
            made = make(project, *args)
            calls.append(made)
            if len(calls) == 1:
                project.update_label("porosity", new_name="porosity-old", actor="carol")
            return made

        monkeypatch.setattr(ia, "_make_labels", make_then_rename)
        report = import_file(p, "csv", path)
        assert len(calls) == 2 and report.changed == len(p.image_ids())
        assert {d.name for d in p.labels()} == {"porosity", "porosity-old"}
        assert all(p.image(i).labels == ("porosity",) for i in p.image_ids())
