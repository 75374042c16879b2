"""The index (``llmvis index``, the index before ``llmvis suggest``, the window's open and
F5) whose transaction found the project database held by another process past the busy
timeout (a teammate's long import, a backup tool, an sqlite3 shell with a transaction
open) stopped there with "the project database X is busy": a 50,000-image index stopped
halfway. It now waits as the suggestion jobs do (core/store/db_wait.py): says so through
its stage's progress (``Progress.waiting``, naming the database), tries again with the
same backoff, and goes on once the lock is released, every file listed and read once; a
cancel while it waits stops it within about a second, what it had stored kept.

The lock is held by a real other process (BEGIN EXCLUSIVE on the file, db_holder); the
busy timeout is made short through its setting (``engine.SQLITE_BUSY_TIMEOUT_MS``)."""
from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from db_holder import Holder, cli_while_held, release_at_third_wait
from db_holder import waiting as _waiting
from PIL import Image
from sqlalchemy.exc import OperationalError

from llmvis_desktop.cli import main
from llmvis_desktop.core import indexer
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.tasks import Cancelled, CancelToken

N = 12


@pytest.fixture
def folder(tmp_path, monkeypatch):
    root = tmp_path / "imgs"
    for i in range(N):
        sub = root / f"d{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (20 + i, 10), (i * 20, 0, 0)).save(sub / f"img{i:02d}.png")
    Project.open(root).close()  # (the database made: nothing indexed yet)
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    return root


def _db(folder):
    return folder.resolve() / ".llmvis" / "project.sqlite"



def _rows(folder) -> list[tuple[str, int | None]]:
    """(relpath, width) of every image row; and the database checked whole, no event twice."""
    conn = sqlite3.connect(_db(folder))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        twice = conn.execute("SELECT image_id, action, COUNT(*) FROM events GROUP BY image_id, action, "
                             "before, after HAVING COUNT(*) > 1").fetchall()
        assert twice == []
        return sorted(conn.execute("SELECT relpath, width FROM images").fetchall())
    finally:
        conn.close()


def _all_indexed_once(folder) -> None:
    rows = _rows(folder)
    assert [rel for rel, _ in rows] == sorted(f"d{i % 3}/img{i:02d}.png" for i in range(N))
    assert all(width for _, width in rows), rows  # every header read


def test_the_listing_waits_for_a_database_held_from_the_start_then_lists_every_file(folder):
    seen: list = []
    holder = Holder(_db(folder))
    progress = release_at_third_wait(holder, seen)
    try:
        with Project.open(folder) as p:
            result = p.index(CancelToken(), progress)
    finally:
        holder.release()
    waits = [p for p in seen if _waiting(p)]
    assert len(waits) >= 3 and all(p.stage == "scan" for p in waits)
    assert waits[0].message.startswith("waiting (") and waits[0].message.endswith(
        f" so far) for the project database {_db(folder)}: another process is writing to it; the job goes on "
        f"when it is free"), waits[0].message
    free = seen[seen.index(waits[-1]) + 1]
    assert not _waiting(free) and free.message.startswith(f"the project database {_db(folder)} is free again")
    assert result.added == N and result.headers_read == N
    _all_indexed_once(folder)


def _held_after_first_batch(db, seen: list, on_wait=None):
    """A progress callback that takes the lock once the header pass's first batch (4 of
    12) is stored; ``on_wait(report, holder)`` at each waiting report. Its holder: ``.holder``."""
    def progress(p):
        seen.append(p)
        if p.stage == "headers" and p.done == 4 and not _waiting(p) and progress.holder is None:
            progress.holder = Holder(db)
        if _waiting(p) and on_wait is not None:
            on_wait(p, progress.holder)

    progress.holder = None
    return progress


def test_the_header_pass_waits_midway_and_stores_every_header_once(folder):
    with Project.open(folder) as p:
        p.scan()
    seen: list = []

    def on_wait(_p, holder):
        if sum(1 for q in seen if _waiting(q)) == 3:
            holder.release()

    progress = _held_after_first_batch(_db(folder), seen, on_wait)
    try:
        with Project.open(folder) as p:
            read = p.read_headers(CancelToken(), progress, batch_size=4)
    finally:
        if progress.holder is not None:
            progress.holder.release()
    waits = [q for q in seen if _waiting(q)]
    assert progress.holder is not None and len(waits) >= 3
    assert all(q.stage == "headers" and (q.done, q.total) == (4, N) for q in waits)  # the bar stays where it was
    assert str(_db(folder)) in waits[0].message
    assert read == N and seen[-1].done == N
    _all_indexed_once(folder)


def test_a_cancel_while_the_index_waits_stops_it_promptly_keeping_what_was_stored(folder):
    with Project.open(folder) as p:
        p.scan()
    token = CancelToken()
    seen: list = []
    cancelled_at: list = []
    timers: list = []

    def cancel():
        cancelled_at.append(time.monotonic())
        token.cancel()

    def on_wait(_p, _holder):
        if not timers:
            timers.append(threading.Timer(1.2, cancel))  # (from another thread, as the window's Cancel)
            timers[0].start()

    progress = _held_after_first_batch(_db(folder), seen, on_wait)
    try:
        with Project.open(folder) as p:
            with pytest.raises(Cancelled):
                p.read_headers(token, progress, batch_size=4)
            stopped = time.monotonic()
    finally:
        if progress.holder is not None:
            progress.holder.release()
    assert cancelled_at and stopped - cancelled_at[0] < 3.0  # a try waits 1 s for the lock
    rows = _rows(folder)
    assert len(rows) == N and sum(1 for _, width in rows if width) == 4  # the first batch kept, whole
    with Project.open(folder) as p:  # an index again reads the rest
        p.index()
    _all_indexed_once(folder)


class _PgError(Exception):
    """A PostgreSQL driver's error, as psycopg gives its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("canceling statement due to lock timeout")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("state,waited", [("55P03", True), ("40P01", True), ("57P01", False)])
def test_postgresql_lock_failures_are_waited_out_and_the_server_gone_is_not(folder, monkeypatch, state, waited):
    """(No server here: the driver's error by its SQLSTATE, as the classifier reads it.)"""
    real, tries, seen = indexer.rh.store_headers, [], []

    def store_headers(s, *a, **k):
        tries.append(1)
        if len(tries) <= 2:
            raise OperationalError("UPDATE images ...", {}, _PgError(state))
        return real(s, *a, **k)

    monkeypatch.setattr(indexer.rh, "store_headers", store_headers)
    with Project.open(folder) as p:
        p.scan()
        if not waited:
            with pytest.raises(OperationalError):
                p.read_headers(CancelToken(), seen.append)
            assert len(tries) == 1 and not any(_waiting(q) for q in seen)
            return
        assert p.read_headers(CancelToken(), seen.append) == N
    said = [q.message for q in seen if _waiting(q)]
    assert len(tries) == 3 and len(said) == 2
    if state == "55P03":
        assert "another change (a teammate's or a job's) holds a lock the index needs" in said[0], said
    _all_indexed_once(folder)


def test_the_cli_index_says_it_waits_for_the_database_it_names_then_indexes_everything(folder, capsys,
                                                                                       monkeypatch):
    db = _db(folder)
    cli_while_held(["index", str(folder)], db, monkeypatch, stage="scan")
    _all_indexed_once(folder)
    capsys.readouterr()
    assert main(["index", str(folder), "--json"]) == 0  # nothing held: no note
    assert json.loads(capsys.readouterr().out)["notes"] == []


def test_an_index_given_no_token_fails_as_before(folder):
    """(A repair's record lists its output's folder, or the project, with no token: nobody
    could cancel a wait there, so it still fails, and the repair says it was not recorded.)"""
    with Holder(_db(folder)), Project.open(folder) as p, pytest.raises(OperationalError, match="database is locked"):
        p.index()
    assert _rows(folder) == []
