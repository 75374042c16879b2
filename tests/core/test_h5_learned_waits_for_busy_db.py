"""The learned suggester's job (``llmvis suggest --learned``, the window's Ctrl+L and its
retrain after reviews) stores its batches itself (``learned.store_batch``), not through the
model job's committer: when another process held the project database's write lock past
the busy timeout, it stopped with "the project database X is busy" while the model job
waited. It now waits the same way: keeps the batch, says it waits (the same words, as a
``Progress.waiting`` report of its suggest stage), tries again with the same backoff, and
goes on once the lock is released; a cancel while it waits stops it at once with nothing
half-stored.

As in test_h4_suggest_waits_for_busy_db: a real other process holds BEGIN EXCLUSIVE on
the file; the busy timeout is made short through its setting. The fits are the linear
model's (5 reviewed tiles per label, below the network's 10)."""
from __future__ import annotations

import json
import threading
import time

import pytest
from db_holder import Holder, cli_while_held, release_at_third_wait
from defectgen import review_first, write_folder
from test_h4_suggest_waits_for_busy_db import (
    _consistent,
    _db,
    _waiting,
)

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.suggest import learned as L
from llmvis_desktop.core.suggest.report import SuggestCancelled
from llmvis_desktop.core.tasks import CancelToken

KINDS = ("ok", "scratch", "crack")
PER_KIND = 7  # 5 of each reviewed: 6 tiles to suggest for


@pytest.fixture
def reviewed(tmp_path, monkeypatch):
    folder = tmp_path / "tiles"
    rows = write_folder(folder, PER_KIND, size=48, kinds=KINDS)
    with Project.open(folder) as p:
        p.index()
        for k in KINDS:
            p.add_label(k)
        review_first(p, rows, 5, actor="alice")
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    return folder


def _learned_cards(folder) -> list[tuple[int, str, str]]:
    """(image id, kind, value) of every learned card, pending or not."""
    with Project.open(folder) as p:
        return [(s.image_id, s.kind, s.value) for i in p.image_ids() for s in p.suggestions(i)
                if s.model_id.startswith(L.MODEL_PREFIX)]


def _unreviewed(folder) -> set[int]:
    with Project.open(folder) as p:
        return {r.id for r in p.images(p.image_ids()) if r.review_status != "reviewed"}


def _all_stored_once(folder, count: int) -> None:
    cards = _learned_cards(folder)
    assert len(cards) == count and len(set(cards)) == len(cards)  # none twice
    tops = [i for i, kind, _ in cards if kind == "label"]
    assert set(tops) == _unreviewed(folder)  # every tile to suggest for has its label card


def test_the_cli_learned_job_waits_for_a_database_held_past_the_busy_timeout(reviewed, capsys, monkeypatch):
    folder = reviewed
    lines = cli_while_held(["suggest", str(folder), "--learned", "--no-index", "--json"], _db(folder), monkeypatch)
    said = json.loads(capsys.readouterr().out)
    report = said.get("learned", said)
    count = report["suggestions"]
    assert count > 0
    # its end says the wait in all (checked by cli_while_held), as the model job's does, --json too
    note = [ln for ln in lines if ln.startswith("note: the job waited ")]
    assert report["notes"] == [note[0].removeprefix("note: ")]
    _all_stored_once(folder, count)
    _consistent(folder)


def test_the_learned_job_waits_says_so_and_stores_every_batch_once(reviewed, monkeypatch):
    folder = reviewed
    seen: list = []
    tries: list = []
    real = L.store_batch

    def counted(project, items, ran, *a, **k):  # (each try, to see it tried again with the lock still held)
        tries.append((tuple(ran.get("ids") or ()), holder.released_at))
        return real(project, items, ran, *a, **k)

    monkeypatch.setattr(L, "store_batch", counted)
    with Project.open(folder) as p:
        sugg = L.LearnedSuggester(p, model="linear")
        sugg.train()
        holder = Holder(_db(folder))
        progress = release_at_third_wait(holder, seen)
        try:
            written = sugg.run(batch_size=4, progress=progress, token=CancelToken())
        finally:
            holder.release()
    waits = [q for q in seen if _waiting(q)]
    assert len(waits) >= 3 and all(q.stage == "suggest" and str(_db(folder)) in q.message for q in waits)
    assert waits[0].message.startswith("waiting (") and "another process is writing to it" in waits[0].message
    assert sum(1 for _, released in tries if released is None) >= 3  # the first try and two tries again
    free = seen[seen.index(waits[-1]) + 1]
    assert not _waiting(free) and free.message.startswith(f"the project database {_db(folder)} is free again")
    assert len({ids for ids, _ in tries}) == 2  # its two batches (of 4 and 2), the first tried again
    _all_stored_once(folder, written)
    _consistent(folder)


def test_a_cancel_while_the_learned_job_waits_stops_it_with_nothing_half_stored(reviewed):
    folder = reviewed
    token = CancelToken()
    cancelled_at: list = []
    timers: list = []

    def cancel():
        cancelled_at.append(time.monotonic())
        token.cancel()

    def progress(q):
        if _waiting(q) and not timers:
            timers.append(threading.Timer(1.2, cancel))  # (from another thread, as the window's Cancel)
            timers[0].start()

    with Project.open(folder) as p:
        sugg = L.LearnedSuggester(p, model="linear")
        sugg.train()
        holder = Holder(_db(folder))
        try:
            with pytest.raises(SuggestCancelled) as err:
                sugg.run(batch_size=4, progress=progress, token=token)
            stopped = time.monotonic()
        finally:
            holder.release()
    assert cancelled_at and stopped - cancelled_at[0] < 3.0  # a try waits 1 s for the lock
    assert err.value.stored_images == 0
    _consistent(folder)
    assert _learned_cards(folder) == []  # the lock was held throughout: nothing stored
    with Project.open(folder) as p:  # a run again does them all
        written = L.LearnedSuggester(p, model="linear").run(batch_size=4)
    _all_stored_once(folder, written)


@pytest.mark.parametrize("state,waited", [("40P01", True), ("55P03", True), ("57P01", False)])
def test_a_try_that_failed_midway_counts_nothing_and_only_lock_failures_are_waited_for(
        reviewed, monkeypatch, state, waited):
    """(PostgreSQL's failures by SQLSTATE, as the classifier reads them: a deadlock and a
    lock timeout are waited out; the server gone stops the job at once.) A try that failed
    after counting a card left out counted nothing: its counts are the stored try's."""
    from sqlalchemy.exc import OperationalError
    from test_h4_suggest_waits_for_busy_db import _PgError

    real, tries, seen = L.store_batch, [], []

    def store_batch(project, items, ran, held, prefix, only_unsuggested, unreviewed_only, stats, *a):
        tries.append(len(items))
        if len(tries) <= 2:  # (as if midway: a count made, then the lock's failure)
            stats["unknown_label"] = stats.get("unknown_label", 0) + 1
            raise OperationalError("INSERT INTO suggestions ...", {}, _PgError(state))
        return real(project, items, ran, held, prefix, only_unsuggested, unreviewed_only, stats, *a)

    monkeypatch.setattr(L, "store_batch", store_batch)
    with Project.open(reviewed) as p:
        sugg = L.LearnedSuggester(p, model="linear")
        if not waited:
            with pytest.raises(OperationalError):
                sugg.run(progress=seen.append, token=CancelToken())
            assert len(tries) == 1 and not any(_waiting(q) for q in seen)
            return
        written = sugg.run(progress=seen.append, token=CancelToken())
        assert len(tries) == 3 and sugg.unknown_label_cards == 0
        assert [q.waiting for q in seen if q.stage == "suggest" and q.message.startswith(("waiting", "the project"))] \
            == [True, True, False]
    _all_stored_once(reviewed, written)
