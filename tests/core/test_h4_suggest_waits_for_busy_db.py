"""A suggest job whose commit found the project database held by another process past
the busy timeout (a teammate's long import, a backup tool, an sqlite3 shell with a
transaction open) stopped after that one failed commit ("the project database X is
busy ..."); an overnight `llmvis suggest` was over. It now keeps the batch's rows, says
it waits for the database (naming it), tries again with a backoff and goes on once the
lock is released; a cancel while it waits stops it at once, storing nothing half-done;
other failures (a full disk, read-only) still stop it at once.

The lock is held by a real other process (BEGIN EXCLUSIVE on the file); the busy timeout
is made short through its setting (``engine.SQLITE_BUSY_TIMEOUT_MS``)."""
from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from db_holder import Holder, cli_while_held, release_at_third_wait
from db_holder import waiting as _waiting

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.report import SuggestCancelled
from llmvis_desktop.core.tasks import CancelToken

N = 6

def _db(folder):
    return folder.resolve() / ".llmvis" / "project.sqlite"


def _captions(folder) -> dict:
    """image id -> its caption suggestions' count."""
    with Project.open(folder) as p:
        return {i: len([s for s in p.suggestions(i) if s.kind == "caption"]) for i in p.image_ids()}



def _consistent(folder) -> None:
    conn = sqlite3.connect(_db(folder))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.fixture
def held_folder(tmp_path, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "imgs", N)
    tiny_models.labelled_project(folder, ()).close()
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    return folder


def test_the_cli_job_waits_for_a_database_held_past_the_busy_timeout_then_stores_everything(
        tiny, held_folder, capsys, monkeypatch):
    folder, db = held_folder, _db(held_folder)
    lines = cli_while_held(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--no-index", "--batch", "2",
                            "--read-processes", "0", "--json"], db, monkeypatch)
    assert any(ln.startswith("note: the job waited ") and str(db) in ln for ln in lines), lines
    assert json.loads(capsys.readouterr().out)["models"]["images"] == N
    assert _captions(folder) == {i: 1 for i in _captions(folder)} and len(_captions(folder)) == N  # none twice
    _consistent(folder)


def test_the_job_waits_says_so_and_goes_on_when_the_lock_is_released(tiny, held_folder, worker):
    folder = held_folder
    seen: list = []
    holder = Holder(_db(folder))
    tries = []
    with Project.open(folder) as project:
        real = project.add_suggestions

        def counted(rows, *a, **k):  # (each try, to see it tried again with the lock still held)
            tries.append((time.monotonic(), holder.released_at))
            return real(rows, *a, **k)

        project.add_suggestions = counted
        progress = release_at_third_wait(holder, seen)
        try:
            report = run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker,
                                 read_processes=0, progress=progress)
        finally:
            holder.release()
    waits = [p for p in seen if _waiting(p)]
    assert len(waits) >= 3 and all(p.stage == "suggest" and str(_db(folder)) in p.message for p in waits)
    assert sum(1 for t, released in tries if released is None) >= 3  # the first commit and two tries again
    free = seen[seen.index(waits[-1]) + 1]
    assert not _waiting(free) and free.message.startswith(f"the project database {_db(folder)} is free again")
    assert report.images == N and report.suggestions == N
    assert _captions(folder) == {i: 1 for i in _captions(folder)} and len(_captions(folder)) == N
    _consistent(folder)


def test_a_cancel_while_it_waits_stops_it_at_once_storing_nothing_half_done(tiny, held_folder, worker):
    folder = held_folder
    token = CancelToken()
    cancelled_at: list = []

    def cancel():
        cancelled_at.append(time.monotonic())
        token.cancel()

    def progress(p):
        if _waiting(p) and not cancelled_at and not timers:
            timers.append(threading.Timer(1.2, cancel))  # (from another thread, as the window's Cancel)
            timers[0].start()

    timers: list = []
    holder = Holder(_db(folder))
    try:
        with Project.open(folder) as project:
            with pytest.raises(SuggestCancelled) as err:
                run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker,
                            read_processes=0, progress=progress, token=token)
            stopped = time.monotonic()
        assert cancelled_at and stopped - cancelled_at[0] < 4.0  # a try waits 1 s, the last store 1 s
        assert err.value.stored_images == 0
    finally:
        holder.release()
    _consistent(folder)
    assert sum(_captions(folder).values()) == 0  # the lock was held throughout: nothing stored
    # a run again does them all
    with Project.open(folder) as project:
        report = run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker, read_processes=0)
    assert report.images == N and _captions(folder) == {i: 1 for i in _captions(folder)}


@pytest.mark.parametrize("driver_error", ["database or disk is full", "attempt to write a readonly database"])
def test_a_full_disk_or_a_read_only_database_still_stops_the_job_at_once(tiny, tmp_path, worker, driver_error):
    folder = tiny_models.image_folder(tmp_path / "imgs", N)
    tiny_models.labelled_project(folder, ()).close()
    calls: list = []
    seen: list = []
    with Project.open(folder) as project:
        def refused(rows, *a, **k):
            calls.append(len(rows))
            raise OperationalError("INSERT INTO suggestions ...", {}, sqlite3.OperationalError(driver_error))

        project.add_suggestions = refused
        with pytest.raises(Exception) as err:
            run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker, read_processes=0,
                        progress=seen.append)
    assert len(calls) <= 2  # the commit that failed (and the last store's one try): never tried again
    assert not any(_waiting(p) for p in seen)
    assert driver_error.split()[-1] in str(err.value) or "full" in str(err.value)


class _PgError(Exception):
    """A PostgreSQL driver's error, as psycopg gives its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("canceling statement due to lock timeout")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("state,why", [("55P03", "holds a lock these suggestions need"),
                                       ("40001", "crossed this one (serialization failure)"),
                                       ("40P01", "crossed this one (deadlock)")])
def test_postgresql_lock_timeouts_and_conflicts_are_waited_out_the_same_way(tmp_path, state, why):
    """(No server here: the driver's error by its SQLSTATE, as the classifier reads it.)"""
    from llmvis_desktop.core.store.records import NewSuggestion
    from llmvis_desktop.core.suggest.pipeline import GroupCommitter

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    with tiny_models.labelled_project(folder, ()) as project:
        ids = project.image_ids()
        real, calls, said = project.add_suggestions, [], []

        def add(rows, *a, **k):
            calls.append(len(rows))
            if len(calls) <= 2:
                raise OperationalError("INSERT INTO suggestions ...", {}, _PgError(state))
            return real(rows, *a, **k)

        project.add_suggestions = add
        committer = GroupCommitter(project, every=0, token=CancelToken(),
                                   on_wait=lambda message, waiting: said.append((message, waiting)))
        committer.add([NewSuggestion(i, "caption", f"c{i}", "m", 0.5, "r") for i in ids])
        committer.flush()
        committer.close()
        assert calls == [2, 2, 2] and committer.stored_images == set(ids)
        assert said[0][1] and why in said[0][0] and not said[-1][1], said
        assert sorted(s.image_id for s in tiny_models.all_suggestions(project)) == sorted(ids)


def test_the_connection_lost_is_not_waited_for(tmp_path):
    from llmvis_desktop.core.store.records import NewSuggestion
    from llmvis_desktop.core.suggest.pipeline import GroupCommitter

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    with tiny_models.labelled_project(folder, ()) as project:
        calls = []

        def add(rows, *a, **k):
            calls.append(len(rows))
            raise OperationalError("INSERT ...", {}, _PgError("57P01"))

        project.add_suggestions = add
        committer = GroupCommitter(project, every=0)
        committer.add([NewSuggestion(i, "caption", "c", "m", 0.5, "r") for i in project.image_ids()])
        with pytest.raises(OperationalError):
            committer.flush()
        committer.close()
        assert len(calls) == 1  # its commit alone: not tried again


def test_a_postgresql_lock_held_past_the_lock_timeout_is_waited_out(tmp_path, pg_url, monkeypatch):
    """A real server: another session holds the suggestions table locked past the job's
    lock timeout (its setting made short), then lets go."""
    import sqlalchemy as sa

    from llmvis_desktop.core.store.records import NewSuggestion
    from llmvis_desktop.core.suggest.pipeline import GroupCommitter

    monkeypatch.setattr(eng, "PG_LOCK_TIMEOUT_MS", 200)  # (the setting: 15 s)
    folder = tiny_models.image_folder(tmp_path / "imgs", 3)
    with tiny_models.labelled_project(folder, (), db_url=pg_url) as project:
        ids = project.image_ids()
        other = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
        conn = other.connect()
        tx = conn.begin()
        conn.execute(sa.text("LOCK TABLE suggestions IN EXCLUSIVE MODE"))
        said = []

        def on_wait(message, waiting):
            said.append((message, waiting))
            if waiting and len(said) == 3:  # two tries again in vain first
                tx.rollback()
                conn.close()

        try:
            committer = GroupCommitter(project, every=0, token=CancelToken(), on_wait=on_wait)
            committer.add([NewSuggestion(i, "caption", f"c{i}", "m", 0.5, "r") for i in ids])
            committer.flush()
            committer.close()
        finally:
            if not conn.closed:
                tx.rollback()
                conn.close()
            other.dispose()
        assert said[0][1] and "holds a lock these suggestions need" in said[0][0], said
        assert not said[-1][1] and said[-1][0].startswith("the project database postgresql"), said
        assert sorted(s.image_id for s in tiny_models.all_suggestions(project)) == sorted(ids)
