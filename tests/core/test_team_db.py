"""Two reviewers on one project database at once (a team's PostgreSQL, or one SQLite file
on a shared folder): no change is lost, and the history replays to what is stored."""
from __future__ import annotations

import threading

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.repo_review import replay

ROUNDS = 6


def _reviewer(project: Project, actor: str, label: str, errors: list, start: threading.Barrier) -> None:
    try:
        ids = project.image_ids(sort="name")
        start.wait()
        for r in range(ROUNDS):
            for image_id in ids:  # both reviewers work the same images at the same time
                ra.toggle_label(project, image_id, label, actor)
                ra.set_caption(project, image_id, f"{actor} round {r}", actor)
    except Exception as exc:  # reported by the test, with the reviewer's name
        errors.append(f"{actor}: {exc!r}")


def test_two_reviewers_at_once_lose_nothing(png_folder, db_url):
    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        for name in ("ok", "scratch"):
            setup.add_label(name)
        url = setup.db_url
    alice, bob = Project.open(png_folder, url), Project.open(png_folder, url)
    errors: list[str] = []
    start = threading.Barrier(2)
    try:
        threads = [threading.Thread(target=_reviewer, args=(p, who, label, errors, start))
                   for p, who, label in ((alice, "alice", "ok"), (bob, "bob", "scratch"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)  # (a hang guard)
        assert errors == [] and not any(t.is_alive() for t in threads)
        for image_id in alice.image_ids():
            rec = alice.image(image_id)
            history = alice.history(image_id)
            # each toggled its own label an even number of times: none is left
            assert list(rec.labels) == [], (rec.relpath, rec.labels)
            toggles = [e for e in history if e.action == "labels"]
            assert sorted(e.actor for e in toggles) == ["alice"] * ROUNDS + ["bob"] * ROUNDS
            # every event's "before" is what the previous event left: no write slipped between
            labels_seen = [([], None)]
            for e in toggles:
                assert list(e.before or []) == list(labels_seen[-1][0] or []), (rec.relpath, e.actor, e.before, labels_seen[-1])
                labels_seen.append((e.after, e.actor))
            assert rec.caption in (f"alice round {ROUNDS - 1}", f"bob round {ROUNDS - 1}")
            assert replay(history)["caption"] == rec.caption and replay(history)["labels"] == list(rec.labels)
    finally:
        alice.close()
        bob.close()


def test_a_suggestion_job_never_undoes_a_reviewers_status(png_folder, db_url, monkeypatch):
    """A reviewer marks an image reviewed while a job is storing a suggestion for it (after
    the job read the image's status, before it refreshed it): the image stays reviewed."""
    from lockwait import GUARD_S, lock_watch

    from llmvis_desktop.core.store import repo_suggest
    from llmvis_desktop.core.store.records import NewSuggestion

    with Project.open(png_folder, db_url) as setup:
        setup.scan()
        url = setup.db_url
    job, reviewer = Project.open(png_folder, url), Project.open(png_folder, url)
    image_id = job.image_ids(sort="name")[0]
    read, reviewing = threading.Event(), threading.Event()
    outcome = []
    refresh = repo_suggest._refresh_images

    def slow_refresh(*args, **kwargs):  # the job has read the status: let the reviewer in
        read.set()
        # the reviewer waits on the job's lock, if there is one (or, unlocked, is done)
        outcome.append(watch.reached(t, reviewing))
        return refresh(*args, **kwargs)

    monkeypatch.setattr(repo_suggest, "_refresh_images", slow_refresh)
    errors: list[str] = []

    def review():
        try:
            assert read.wait(GUARD_S)
            reviewing.set()
            ra.set_status(reviewer, image_id, "reviewed", "alice")
        except Exception as exc:
            errors.append(f"reviewer: {exc!r}")

    t = threading.Thread(target=review)
    try:
        with lock_watch(url) as watch:
            t.start()
            try:
                job.add_suggestions([NewSuggestion(image_id, "caption", "a caption", "stand-in", 0.5)])
            finally:
                read.set()
                t.join(GUARD_S)
        assert errors == [] and outcome in (["waiting"], ["done"]) and not t.is_alive()
        assert job.image(image_id).review_status == "reviewed"
    finally:
        job.close()
        reviewer.close()


def test_changes_after_lists_other_peoples_events_only(png_folder, db_url):
    from llmvis_desktop.core.store.records import NewSuggestion

    with Project.open(png_folder, db_url) as p:
        p.scan()
        a, b = p.image_ids(sort="name")[:2]
        start = p.last_event_id()
        ra.set_caption(p, a, "mine", "me")
        p.add_suggestions([NewSuggestion(b, "caption", "from a model", "blip")])
        ra.set_caption(p, b, "theirs", "alice")
        ra.set_status(p, a, "reviewed", "bob")
        got = p.changes_after(start, "me")
        assert [(image_id, actor) for _, image_id, actor in got] == [(b, "alice"), (a, "bob")]
        assert [e for e, _, _ in got] == sorted(e for e, _, _ in got) and got[0][0] > start
        assert p.changes_after(got[-1][0], "me") == [] and p.last_event_id() == got[-1][0]


def test_a_change_waiting_on_a_stuck_lock_fails_with_a_message(png_folder, pg_url, monkeypatch):
    """PostgreSQL: another session holds the image (a stuck transaction): the action
    gives up after the lock timeout and changes nothing."""
    import psycopg.errors
    import pytest
    from sqlalchemy import select, text

    from llmvis_desktop.core.store import engine as eng
    from llmvis_desktop.core.store import models as m

    monkeypatch.setattr(eng, "PG_LOCK_TIMEOUT_MS", 300)
    monkeypatch.setattr(eng, "_who", lambda: "alice")
    with Project.open(png_folder, pg_url) as p:
        monkeypatch.setattr(eng, "_who", lambda: "carol")  # the teammate's session
        with Project.open(png_folder, pg_url) as stuck:
            p.scan()
            image_id = p.image_ids(sort="name")[0]
            with stuck.store.write() as s:
                s.execute(select(m.Image).where(m.Image.id == image_id).with_for_update())
                assert s.execute(text("SHOW lock_timeout")).scalar() == "300ms"
                with p.store.read() as mine:  # the waiting side's own timeout (no clock: the
                    assert mine.execute(text("SHOW lock_timeout")).scalar() == "300ms"  # cause)
                with pytest.raises(eng.Busy) as err:
                    ra.set_caption(p, image_id, "never stored", "alice")
                # ended by PostgreSQL's lock timeout (300 ms), not by anything that waited longer
                assert isinstance(getattr(err.value.__cause__, "orig", None), psycopg.errors.LockNotAvailable)
            # who holds it, by the session's name (the GUI shows it: tests/qt/test_team_watch.py)
            assert str(err.value).startswith("carol is changing this image right now")
            assert "Nothing was changed" in str(err.value)
            assert p.image(image_id).caption is None and p.history(image_id) == []


def test_two_indexers_listing_the_same_new_files_both_succeed(png_folder, db_url):
    """Two reviewers' windows indexing the shared folder at once: the second to store the
    same new file failed with a duplicate-key error."""
    from llmvis_desktop.core.store import repo_images as ri

    with Project.open(png_folder, db_url) as p:
        new = [("late/x.png", 10, 1), ("late/y.png", 10, 1)]
        with p.store.write() as s:
            ri.insert_new(s, new)
        with p.store.write() as s:  # as the other indexer, which listed them before the first committed
            ri.insert_new(s, new)
        assert sorted(r.relpath for r in p.images(p.image_ids()) if r.relpath.startswith("late/")) == \
            ["late/x.png", "late/y.png"]


def test_a_server_that_never_answers_fails_in_bounded_time(png_folder, monkeypatch):
    """A server that accepts the connection and never replies (hung, or a half-open path)
    made opening wait forever, with no message."""
    import socket
    import time

    from llmvis_desktop.core.project import ProjectError
    from llmvis_desktop.core.store import engine

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts in the kernel, never answers
    port = silent.getsockname()[1]
    monkeypatch.setattr(engine, "PG_CONNECT_TIMEOUT_S", 2)
    t = time.monotonic()
    try:
        try:
            Project.open(png_folder, f"postgresql+psycopg://nobody@127.0.0.1:{port}/none").close()
        except ProjectError as exc:
            message = str(exc)
        else:
            raise AssertionError("opened a server that never answered")
    finally:
        silent.close()
    assert time.monotonic() - t < 30 and "timeout" in message.lower()


def _interleave(monkeypatch, module, name: str, folder, url, first, second, pause_before: bool = False) -> list:
    """Run ``first(project)`` in a thread until it calls ``module.name`` (before or after
    that call), run ``second(project)`` meanwhile until it is done or waits on a lock
    (lockwait: no clock decides it), then let ``first`` go on. Returns the exceptions
    raised, by name."""
    import threading

    from lockwait import GUARD_S, lock_watch

    armed, paused, go = threading.Event(), threading.Event(), threading.Event()
    reached = threading.Event()  # second is at its change (its project open)
    real = getattr(module, name)

    def wrapper(*args, **kw):  # (first's own open may call it too: only its change pauses)
        mine = threading.current_thread().name == "first" and armed.is_set() and not paused.is_set()
        if mine and pause_before:
            paused.set()
            go.wait(GUARD_S)
        out = real(*args, **kw)
        if mine and not pause_before:
            paused.set()
            go.wait(GUARD_S)
        return out

    monkeypatch.setattr(module, name, wrapper)
    errors = []

    def run(fn, step):
        try:
            with Project.open(folder, url) as q:
                step.set()
                fn(q)
        except Exception as exc:
            errors.append(exc)

    a = threading.Thread(target=run, args=(first, armed), name="first")
    b = threading.Thread(target=run, args=(second, reached), name="second")
    with lock_watch(url) as watch:
        try:
            a.start()
            assert paused.wait(GUARD_S), "first never reached its step of the race"
            b.start()
            watch.reached(b, reached)  # done, or waiting for first's lock
        finally:
            go.set()
            a.join(GUARD_S)
            b.join(GUARD_S)
    assert not a.is_alive() and not b.is_alive(), "a change never ended"
    return errors


def test_two_settings_written_at_once_are_both_kept(png_folder, db_url, monkeypatch):
    """set_setting read, changed and wrote the whole row unlocked: on PostgreSQL one
    reviewer's setting silently replaced another's written at the same moment."""
    import threading

    from lockwait import GUARD_S, lock_watch

    from llmvis_desktop.core.store import settings_row

    with Project.open(png_folder, db_url) as p:
        p.scan()
        url = p.db_url
    read_a, go_a = threading.Event(), threading.Event()
    at_change = {"a": threading.Event(), "b": threading.Event()}
    real = settings_row.locked

    def locked(*args, **kwargs):  # reviewer a has read the row; b writes before a writes it back
        out = real(*args, **kwargs)
        if threading.current_thread().name == "a" and at_change["a"].is_set() and not read_a.is_set():
            read_a.set()
            go_a.wait(GUARD_S)
        return out

    monkeypatch.setattr(settings_row, "locked", locked)

    def write(key):
        with Project.open(png_folder, url) as q:
            at_change[key].set()  # (the open reads the settings too: not the step raced)
            q.set_setting(key, True)

    a = threading.Thread(target=write, args=("a",), name="a")
    b = threading.Thread(target=write, args=("b",), name="b")
    with lock_watch(url) as watch:
        try:
            a.start()
            assert read_a.wait(GUARD_S)
            b.start()
            watch.reached(b, at_change["b"])  # b waits for a's lock (or, unlocked, is done already)
        finally:
            go_a.set()
            a.join(GUARD_S)
            b.join(GUARD_S)
    with Project.open(png_folder, url) as p:
        assert p.settings().get("a") is True and p.settings().get("b") is True


def test_two_labels_added_at_once_get_their_own_keys_and_colours(png_folder, db_url, monkeypatch):
    """Two reviewers adding a label at the same moment both got key 1 and the same
    colour (on PostgreSQL): one of them could not be reached from the keyboard."""
    from llmvis_desktop.core.store import repo_labels as rl

    with Project.open(png_folder, db_url) as p:
        p.scan()
    # reviewer a has looked at the taxonomy; b adds before a does
    errs = _interleave(monkeypatch, rl, "list_labels", png_folder, db_url,
                       lambda q: q.add_label("scratch"), lambda q: q.add_label("dent"))
    assert errs == []  # b waited for a's taxonomy lock, then added its own
    with Project.open(png_folder, db_url) as p:
        labels = p.labels()
    assert sorted(d.name for d in labels) == ["dent", "scratch"]
    assert len({d.shortcut for d in labels}) == 2 and len({d.color for d in labels}) == 2


def test_removing_a_label_while_another_reviewer_applies_it(png_folder, db_url, monkeypatch):
    """The removal listed the label's images while another change was adding it to one
    more: it then failed with a raw foreign-key error (on PostgreSQL)."""
    from llmvis_desktop.core.store import repo_review as rr

    with Project.open(png_folder, db_url) as p:
        p.scan()
        p.add_label("dent")
        ids = p.image_ids()
        p.set_labels(ids[0], ["dent"], "alice")
    # alice's change is written, not committed yet, when bob removes the label
    errors = _interleave(monkeypatch, rr, "add_event", png_folder, db_url,
                         lambda q: q.set_labels(ids[1], ["dent"], "alice"),
                         lambda q: q.remove_labels(["dent"], "bob", force=True))
    assert errors == []
    with Project.open(png_folder, db_url) as p:
        assert p.labels() == [] and p.image(ids[0]).labels == () and p.image(ids[1]).labels == ()


def test_removing_a_label_while_another_change_holds_an_image_that_carries_it(png_folder, db_url, monkeypatch):
    """The removal locked the label before the images, a label change the image before
    the labels: a toggle on an image carrying the label deadlocked with its removal."""
    from llmvis_desktop.core.store import repo_review as rr

    with Project.open(png_folder, db_url) as p:
        p.scan()
        p.add_labels(["A", "B"])
        image = p.image_ids()[0]
        p.set_labels(image, ["A"], "alice")
    # alice holds the image, not yet the labels, when bob removes A
    errors = _interleave(monkeypatch, rr, "current_labels", png_folder, db_url,
                         lambda q: q.toggle_label(image, "B", "alice"),
                         lambda q: q.remove_labels(["A"], "bob", force=True), pause_before=True)
    assert errors == []
    with Project.open(png_folder, db_url) as p:
        assert [d.name for d in p.labels()] == ["B"] and p.image(image).labels == ("B",)


def test_a_long_change_that_makes_a_label_does_not_hold_up_settings_or_a_recolour(png_folder, pg_url):
    """The taxonomy lock was the project row: an import that made a label held up every
    reviewer's position save (on the GUI thread) for 15 s and then failed; the labels an
    import applied were held so a recolour waited as long."""
    import threading

    from llmvis_desktop.core.store import repo_labels as rl
    from llmvis_desktop.core.store import repo_review as rr

    db_url = pg_url  # row locks are PostgreSQL's: SQLite's writers take turns by design
    with Project.open(png_folder, db_url) as p:
        p.scan()
        p.add_label("A")
        image = p.image_ids()[0]
    holding, done = threading.Event(), threading.Event()
    gave_up = []  # the import let go of its locks before bob was through: bob waited for them

    def long_import():
        with Project.open(png_folder, db_url) as q, q.store.write() as s:
            rl.add_label(s, "made-by-import")
            rr.set_labels(s, image, ["A"], "import:x.csv")
            holding.set()
            if not done.wait(120):  # (no clock decides: bob's turn ends it; this is a hang guard)
                gave_up.append(True)

    t = threading.Thread(target=long_import)
    t.start()
    try:
        assert holding.wait(60)
        with Project.open(png_folder, db_url) as bob:
            # both done while the import still holds its transaction open: a lock either
            # waits for would end in PostgreSQL's lock timeout (an error) or the hang guard
            bob.set_setting("position:bob", "a.png")
            bob.update_label("A", color="#123456")
        assert not gave_up
    finally:
        done.set()
        t.join(130)
    with Project.open(png_folder, db_url) as p:
        assert p.settings()["position:bob"] == "a.png"
        assert {d.name: d.color for d in p.labels()}["A"] == "#123456"
