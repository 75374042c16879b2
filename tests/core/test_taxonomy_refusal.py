"""A change of the label list (a rename, a removal) while a teammate holds the taxonomy
lock (PostgreSQL): it never queues for the lock, so reviewers' label keys are not held
up behind it; refused, it says who holds the lock and what they are doing (their import,
by its --actor), that nothing was changed and when to try again, never a raw SQL error."""
from __future__ import annotations

import argparse
import csv
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from llmvis_desktop import cli
from llmvis_desktop.cli_args import open_project
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.config import Config
from llmvis_desktop.core.interchange import apply as ia
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.store.engine import Busy, short_waits

WAIT_MS = 400  # the window's short wait, shorter


@pytest.fixture
def team(pg_team):
    """(alice's project, carol's project) on one PostgreSQL database; labels scratch, dent."""
    return pg_team


class Importing:
    """carol's import of a CSV that makes no label (every row: scratch), held midway
    through its rows (it holds the taxonomy's shared lock) until the block ends."""

    def __init__(self, project: Project, tmp_path, monkeypatch, **kwargs) -> None:
        self.project, self.kwargs = project, kwargs
        self.path = tmp_path / "team.csv"
        with open(self.path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file_name", "labels"])
            for image_id in project.image_ids(sort="name")[1:]:
                w.writerow([project.image(image_id).relpath, "scratch"])
        self.applying, self.finish, self.report = threading.Event(), threading.Event(), {}
        apply_reviewed = ia.apply_reviewed_chunk

        def slow(*args, **kw):
            self.applying.set()
            self.finish.wait(60)
            return apply_reviewed(*args, **kw)

        monkeypatch.setattr(ia, "apply_reviewed_chunk", slow)
        self.thread = threading.Thread(target=lambda: self.report.update(
            r=import_file(self.project, "csv", self.path, **self.kwargs)))

    def __enter__(self):
        self.thread.start()
        assert self.applying.wait(60)
        return self

    def __exit__(self, *exc) -> None:
        self.finish.set()
        self.thread.join(120)


@pytest.mark.parametrize("how", ["rename", "remove"])
def test_a_label_change_in_the_window_during_a_teammates_import_is_refused_naming_the_import(
        team, tmp_path, monkeypatch, how):
    """It waited for the import, then failed with "(psycopg.errors.LockNotAvailable)
    canceling statement due to lock timeout [SQL: SELECT pg_advisory_xact_lock(...)]"."""
    alice, carol = team
    with Importing(carol, tmp_path, monkeypatch, actor="carol"):
        with short_waits(WAIT_MS), pytest.raises(Busy) as err:
            if how == "rename":
                alice.update_label("dent", new_name="dent2", actor="alice")
            else:
                alice.remove_label("dent", "alice", force=True)
    again = "rename again" if how == "rename" else "remove it again"
    assert str(err.value) == (f"carol's import is using the label list; nothing was changed: {again} "
                              f"when it has finished.")
    assert {d.name for d in alice.labels()} == {"scratch", "dent"}
    # the import done, the same change goes through
    with short_waits(WAIT_MS):
        if how == "rename":
            alice.update_label("dent", new_name="dent2", actor="alice")
        else:
            alice.remove_label("dent", "alice", force=True)
    assert "dent" not in {d.name for d in alice.labels()}


def test_label_keys_are_not_held_up_by_a_rename_waiting_for_the_taxonomy(team, tmp_path, monkeypatch, pg_url):
    """A rename waiting for the import (a batch command waits) queued for the exclusive
    lock, and every later label key queued behind it: refused after its short wait, for as
    long as the import ran. The rename now tries again and again without queueing."""
    alice, carol = team
    monkeypatch.setattr(eng, "_who", lambda: "bob")
    bob = Project.open(alice.root, pg_url)
    image_id = alice.image_ids(sort="name")[0]  # (not in the import)
    renamed = {}
    # the rename's pause between two tries: it has been refused once and tries again
    from llmvis_desktop.core.store import taxonomy_lock

    trying = threading.Event()

    def pause(seconds):
        trying.set()
        time.sleep(seconds)

    monkeypatch.setattr(taxonomy_lock, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pause))
    try:
        with Importing(carol, tmp_path, monkeypatch, actor="carol"):
            rename = threading.Thread(target=lambda: renamed.update(
                r=bob.update_label("dent", new_name="dent2", actor="bob")))
            rename.start()
            assert trying.wait(30)  # the rename is trying, not queued for the lock
            assert rename.is_alive()
            with short_waits(WAIT_MS):
                res = ra.toggle_label(alice, image_id, "scratch", "alice", on=True)
            assert res.record.labels == ("scratch",)
        rename.join(60)
        assert renamed["r"].name == "dent2"  # done once the import finished
    finally:
        bob.close()


def test_the_cli_removal_that_gave_up_waiting_says_so(team, tmp_path, monkeypatch, capsys):
    alice, carol = team
    monkeypatch.setattr(eng, "PG_LOCK_TIMEOUT_MS", 500)  # (the batch commands' 15 s)
    with Importing(carol, tmp_path, monkeypatch, actor="carol"):
        code = cli.main(["labels", "remove", str(alice.root), "dent", "--force", "--db", alice.db_url,
                         "--actor", "bob"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.strip() == ("llmvis labels remove: carol's import is using the label list; nothing was changed: remove it again "
                           "when it has finished.")
    assert {d.name for d in alice.labels()} == {"scratch", "dent"}


def test_the_holder_named_is_the_imports_actor(png_folder, pg_url, monkeypatch):
    """``llmvis import --actor importer3`` connected as the configured reviewer's name: a
    teammate was told the wrong person held the lock."""
    monkeypatch.setattr(eng, "_who", lambda: "erin")  # the configured reviewer
    args = argparse.Namespace(folder=str(png_folder), db=pg_url, actor="importer3", config=Config(reviewer="erin"))
    with open_project(args) as project:
        with project.store.read() as s:
            assert s.execute(text("SELECT current_setting('application_name')")).scalar() == "llmvis importer3"
    with Project.open(png_folder, pg_url, who="frank") as project, project.store.read() as s:
        assert s.execute(text("SELECT current_setting('application_name')")).scalar() == "llmvis frank"


def test_a_rename_refused_during_an_import_names_its_actor(png_folder, pg_url, tmp_path, monkeypatch):
    monkeypatch.setattr(eng, "_who", lambda: "erin")
    with Project.open(png_folder, pg_url) as alice, \
            Project.open(png_folder, pg_url, who="importer3") as importer:
        alice.scan()
        alice.add_label("scratch")
        alice.add_label("dent")
        with Importing(importer, tmp_path, monkeypatch, actor="importer3"):
            with short_waits(WAIT_MS), pytest.raises(Busy, match="^importer3's import is using the label list"):
                alice.update_label("dent", new_name="dent2", actor="alice")
